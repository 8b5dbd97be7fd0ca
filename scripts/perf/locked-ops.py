#!/usr/bin/env python3
"""Counts the locked instructions a run executes, per place in the source (docs/performance.md).

    locked-ops.py [--top N] BINARY [ARG...]

Runs BINARY under callgrind (`--dump-instr=yes`), takes the addresses `objdump -d` shows with a
`lock` prefix or an `xchg` with memory (atomic read-modify-writes: reference counts, counters,
mutexes), and prints how many times each ran, with its function and the innermost frames of
`addr2line -i` outside the standard library, most executed first. Divide by the number of items
the run processed to get a census per item. The binary is best built with line tables:

    CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release -p workflow-cli
    scripts/perf/locked-ops.py target/release/workflow \\
        bench --worker --repeats 3 ../shared/bench/workloads map-task-10k

Needs valgrind, objdump and addr2line (binutils). Only the binary's own code is counted (not
shared libraries).
"""

import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

# Where valgrind loads a position-independent executable on x86-64 Linux; 0 for one that is not.
LOAD_ADDRESSES = (0, 0x108000)

LOCKED = re.compile(r"^\s*([0-9a-f]+):\s+(lock\s|xchg\s.*\()")


def locked_addresses(binary):
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", binary], capture_output=True, text=True, check=True
    ).stdout
    return {int(m.group(1), 16) for m in map(LOCKED.match, out.splitlines()) if m}


def symbols(binary):
    out = subprocess.run(["nm", "-C", binary], capture_output=True, text=True, check=True).stdout
    table = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0]:
            table.append((int(parts[0], 16), parts[2]))
    table.sort()
    return [a for a, _ in table], [n for _, n in table]


def instruction_counts(profile, binary):
    """Executions of each instruction of `binary`, from a callgrind profile with --dump-instr."""
    names, counts = {}, collections.Counter()
    ob, last, skip = None, 0, False
    target = os.path.realpath(binary)
    ours = {}
    for line in open(profile):
        if line.startswith(("ob=", "cob=")):
            # `ob=(3) /path` names object 3, later lines say `ob=(3)`; `cob=` names them too
            spec = line.split("=", 1)[1].rstrip("\n")
            m = re.match(r"\((\d+)\)(?: (.*))?$", spec)
            name = spec
            if m:
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                name = names.get(m.group(1), "")
            if line.startswith("ob="):
                ob = name
            continue
        if line.startswith("calls="):
            skip = True
            continue
        if not line or line[0] not in "0123456789+-*":
            continue
        fields = line.split()
        at = fields[0]
        if at.startswith("0x"):
            last = int(at, 16)
        elif at[0] == "+":
            last += int(at[1:], 0)
        elif at[0] == "-":
            last -= int(at[1:], 0)
        if skip:  # the line after `calls=` is the call's inclusive cost, not an execution
            skip = False
            continue
        if ob not in ours:
            ours[ob] = bool(ob) and os.path.realpath(ob) == target
        if len(fields) >= 3 and ours[ob]:
            counts[last] += int(fields[2])
    return counts


def place(binary, address):
    """The innermost frames of `address` that are not the standard library's (the outermost
    two when all are)."""
    out = subprocess.run(
        ["addr2line", "-i", "-f", "-C", "-e", binary, hex(address)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    frames = [(out[i], out[i + 1]) for i in range(0, len(out) - 1, 2)]
    own = [(f, loc) for f, loc in frames if "/rustc/" not in loc] or frames[-2:]
    return " <- ".join(f"{f.split('<')[0]} ({os.path.basename(loc)})" for f, loc in own[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("binary")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    binary = os.path.realpath(a.binary)
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={profile}",
             binary, *a.args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        counts = instruction_counts(profile, binary)
    locked = locked_addresses(binary)
    starts, names = symbols(binary)
    # A position-independent binary runs where valgrind loaded it: the load address is the one
    # that puts the executed instructions on objdump's locked ones.
    base = max(LOAD_ADDRESSES, key=lambda b: sum(1 for at in counts if at - b in locked))
    hits = collections.Counter({at - base: n for at, n in counts.items() if at - base in locked})
    print(f"{sum(hits.values())} locked instructions executed at {len(hits)} places")
    for at, n in hits.most_common(a.top):
        fn = names[bisect.bisect_right(starts, at) - 1] if starts and at >= starts[0] else "?"
        print(f"{n:>10}  {hex(at)}  {fn[:70]}\n{'':>12}{place(binary, at)}")


if __name__ == "__main__":
    sys.exit(main())
