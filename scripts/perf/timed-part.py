#!/usr/bin/env python3
"""Where the timed part of a `workflow bench` run spends its time, from a sampled profile.

    timed-part.py [--inclusive] [--top N] [--within SYMBOL] [--exclude SYMBOL] SCRIPT

SCRIPT is the output of `perf script -F ip,sym` on a profile recorded with call stacks from a
build with frame pointers (docs/performance.md, "2026-12-07"), and the tuning flag of
scripts/build-tuned.sh:

    RUSTFLAGS="-C force-frame-pointers=yes -C target-feature=+slow-unaligned-mem-16" \\
        CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \\
        cargo build --release --target-dir /tmp/fp-target -p workflow-cli
    perf record -g -e cpu-clock -F 20000 -o /tmp/perf.data /tmp/fp-target/release/workflow \\
        bench --worker --repeats 200 ../shared/bench/workloads pass-chain-1000
    perf script -i /tmp/perf.data -F ip,sym > /tmp/perf.txt
    scripts/perf/timed-part.py /tmp/perf.txt

Only the samples whose stack passes through `--within` (default `Runner::run_val`: the
executions, without the set-up, the input's parsing and the history dropped after each run)
are counted, less those through `--exclude` (default `quanta::Clock::new`: the counter's
calibration, once per process in the untimed warm-up run, which takes tens of milliseconds
under `perf`'s sampling instead of half of one). Prints the share of each function: where the
sample was taken (its leaf), or with `--inclusive` every function on the stack, once a sample.
"""

import argparse
import collections
import sys


def samples(text):
    """Each sample's stack, leaf first, as function names."""
    for block in text.split("\n\n"):
        frames = [line.strip() for line in block.strip().split("\n") if line.strip()]
        # `ip sym`: the address, then the symbol (which may hold spaces).
        yield [f.split(" ", 1)[1] if " " in f else f for f in frames]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("script", help="`perf script -F ip,sym` output")
    parser.add_argument("--inclusive", action="store_true", help="count every function on the stack")
    parser.add_argument("--top", type=int, default=30, help="how many functions to print")
    parser.add_argument("--within", default="Runner::run_val", help="count only stacks through this")
    parser.add_argument(
        "--exclude", default="quanta::Clock::new", help="leave out stacks through this ('' for none)"
    )
    args = parser.parse_args()

    with open(args.script, encoding="utf-8", errors="replace") as f:
        text = f.read()
    counts = collections.Counter()
    counted = everything = 0
    for stack in samples(text):
        if not stack:
            continue
        everything += 1
        excluded = args.exclude and any(args.exclude in s for s in stack)
        if not any(args.within in s for s in stack) or excluded:
            continue
        counted += 1
        if args.inclusive:
            counts.update(set(stack))
        else:
            counts[stack[0]] += 1
    if counted == 0:
        sys.exit(f"no sample passes through `{args.within}` ({everything} samples in all)")
    left_out = f", not through `{args.exclude}`" if args.exclude else ""
    print(f"{counted} of {everything} samples counted (through `{args.within}`{left_out})")
    for name, n in counts.most_common(args.top):
        print(f"{100 * n / counted:5.1f}%  {name[:120]}")


if __name__ == "__main__":
    main()
