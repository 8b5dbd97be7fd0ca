#!/usr/bin/env bash
# bench-ab.sh NAME PROCS BIN... : compares builds of `workflow` on one workload. For each binary,
# PROCS processes (interleaved with the other binaries') each run the workload 10 times; the
# figure is the median over the processes of each process's best run, in transitions/s, with
# the slowest and fastest process. A process's speed moves by up to 30% with where its memory
# lands, so one process per binary cannot tell a 10% change from noise; this can.
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
    results[$bin]+=" $(python3 -c "print($transitions / min(float(x) for x in '$runs'.split(',')))")"
  done
done
for bin in "$@"; do
  python3 - "$bin" "$name" ${results[$bin]} <<'PY'
import statistics, sys
bin, name, *values = sys.argv[1:]
v = [float(x) / 1e6 for x in values]
print(f"{bin} {name} median-of-best={statistics.median(v):.2f}M min={min(v):.2f}M max={max(v):.2f}M")
PY
done
