#!/usr/bin/env bash
# bench-ab.sh NAME PROCS BIN... : compares builds of `workflow` on one workload. For each binary,
# PROCS processes (interleaved with the other binaries') each run the workload 10 times. Two
# figures per binary, in transitions/s: the median over the processes of each process's best
# run (least disturbed by the machine), and the median of each process's median (what the
# side-by-side protocol reports), with the slowest and fastest process's best. A process's
# speed moves by up to 30% with the machine's state, so one process per binary cannot tell a
# 10% change from noise; this can.
#
# Give each build two copies (cp BIN BIN-2) and pass both: the same bytes in another file can
# run several per cent apart, steadily, across every process (seen: map-task-10k 7.80M
# against 8.36M for one binary in two files, and equal again after copying it anew). A
# difference that shows on both copies is the build's.
#
# Environment: BENCH_DIR (default: ../shared/bench beside the workspace).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
workloads=${BENCH_DIR:-$root/../shared/bench}/workloads
name=$1; procs=$2; shift 2
declare -A results
for _ in $(seq "$procs"); do
  for bin in "$@"; do
    out=$("$bin" bench --repeats 10 "$workloads" "$name" 2>&1)
    transitions=$(grep -o 'transitions=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
    runs=$(grep -o 'runs_s=[0-9.,]*' <<<"$out" | cut -d= -f2)
    results[$bin]+=" $transitions:$runs"
  done
done
for bin in "$@"; do
  python3 - "$bin" "$name" ${results[$bin]} <<'PY'
import statistics, sys
bin, name, *procs = sys.argv[1:]
best, med = [], []
for p in procs:
    transitions, runs = p.split(":")
    rates = [int(transitions) / float(s) / 1e6 for s in runs.split(",")]
    best.append(max(rates))
    med.append(statistics.median(rates))
print(f"{bin} {name} median-of-best={statistics.median(best):.2f}M "
      f"median-of-medians={statistics.median(med):.2f}M "
      f"min={min(best):.2f}M max={max(best):.2f}M")
PY
done
