#!/usr/bin/env python3
"""How much of the timed part of a `workflow bench` run waits on atomic operations and counter
reads, from a sampled profile.

    after-locked.py [--top N] BINARY SCRIPT

SCRIPT is the output of `perf script -F ip,sym,symoff` on a profile recorded with call stacks
(`perf record -g -e cpu-clock`) of BINARY, a build with frame pointers and line tables
(docs/performance.md, "2026-12-07, sixth session"). A sampled instruction is charged the time
of the one before it still executing, so a sample on the instruction right after a locked one
(`lock inc`, `lock xadd`: reference counts, counters) or an `rdtsc` is time spent in it: a
locked instruction waits for every store before it to reach the cache; a `rep movs` copy has
a start-up of tens of cycles, and a load of what it stored is not forwarded. Counts, among the
samples whose stack passes through `Runner::run_val` and not `quanta::Clock::new` (as
timed-part.py does), the share after each kind of instruction and after each place, with its
source line (`addr2line -i`, the innermost frames outside the standard library).

Needs objdump and addr2line (binutils).
"""

import argparse
import collections
import re
import subprocess
import sys

WAITS = re.compile(r"^(lock \w+|rdtsc|xchg|rep movs\w*)\b")


def instructions(binary):
    """Each symbol's address, and what waits: {address of the instruction after: kind}."""
    symbols, after = {}, {}
    pending = None
    dump = subprocess.run(
        ["objdump", "-d", "-C", "--no-show-raw-insn", binary],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in dump.splitlines():
        head = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if head:
            symbols.setdefault(head.group(2), int(head.group(1), 16))
            pending = None
            continue
        insn = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
        if not insn:
            pending = None
            continue
        address, text = int(insn.group(1), 16), insn.group(2).strip()
        if pending is not None:
            after[address] = pending
        waits = WAITS.match(text)
        if waits and (not text.startswith("xchg") or "(" in text):
            pending = (waits.group(1), address)
        else:
            pending = None
    return symbols, after


def samples(path):
    """Each sample's stack, leaf first, as (symbol, offset) pairs."""
    stack = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if not line:
            if stack:
                yield stack
            stack = []
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        symbol, _, offset = parts[1].rpartition("+0x")
        if not symbol:
            stack.append((parts[1], None))
            continue
        stack.append((symbol, int(offset, 16)))
    if stack:
        yield stack


def source(binary, address):
    """The innermost source lines of `address` outside the standard library."""
    out = subprocess.run(
        ["addr2line", "-i", "-f", "-C", "-e", binary, hex(address)],
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    lines = [out[i + 1] for i in range(0, len(out) - 1, 2) if "/rustc/" not in out[i + 1]]
    return " < ".join(line.rsplit("/", 1)[-1] for line in lines[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("binary")
    parser.add_argument("script")
    args = parser.parse_args()
    symbols, after = instructions(args.binary)
    counted, kinds, places = 0, collections.Counter(), collections.Counter()
    for stack in samples(args.script):
        names = [s for s, _ in stack]
        if not any("Runner::run_val" in n for n in names):
            continue
        if any("quanta::Clock::new" in n for n in names):
            continue
        counted += 1
        symbol, offset = stack[0]
        if offset is None or symbol not in symbols:
            continue
        waited = after.get(symbols[symbol] + offset)
        if waited:
            kinds[waited[0]] += 1
            places[waited[1]] += 1
    if not counted:
        sys.exit("no samples through Runner::run_val")
    print(f"{counted} samples counted; {sum(kinds.values()) / counted:.1%} right after one of:")
    for kind, n in kinds.most_common():
        print(f"  {n / counted:6.1%}  {kind}")
    print("by place:")
    for address, n in places.most_common(args.top):
        print(f"  {n / counted:6.1%}  {address:x}  {source(args.binary, address)}")


if __name__ == "__main__":
    main()
