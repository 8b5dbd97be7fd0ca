#!/usr/bin/env bash
# build-tuned.sh: builds the `workflow` CLI in release, on x86-64 with LLVM's tuning flag
# `slow-unaligned-mem-16`, into target/tuned, and prints the binary's path. The side-by-side
# runs (scripts/bench-vs-peer.sh) use this build.
#
# The flag is one of LLVM's tuning flags (`TuningSlowUAMem16`): it changes which instructions
# copy memory, not the ABI or what the CPU must support. With it, LLVM copies 8-byte-aligned
# values (`Val`, an object's members, `Result`s of them) with 8-byte moves instead of 16-byte
# SSE ones. The interpreter's values are built field by field (8-byte stores) and then moved;
# a 16-byte load of two 8-byte stores cannot be forwarded from the store buffer and waits for
# the cache, which `perf annotate` showed at the hottest instruction of the template
# evaluator, `Arc::make_mut`, `result_io` and `instant_state`. Against the same code without
# it (scripts/bench-ab.sh, 8 to 12 processes, median of each process's best run):
# choice-loop-10k +21%, pass-chain-1000 +13%, parallel-fanout +9%, map-100k +6%,
# map-task-10k no change (docs/performance.md, "2026-12-07, third session").
#
# It is not in a .cargo/config.toml for every build: rustc warns that the feature is "unknown
# and unstable" (its list names only features that change what a CPU must support), and the
# warning lands in every build's output, the macros' compile-fail tests (trybuild) included
# (here it is printed once per crate of the workspace: expected).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
flags=${RUSTFLAGS:-}
if [ "$(uname -m)" = x86_64 ]; then
  flags="$flags -C target-feature=+slow-unaligned-mem-16"
fi
RUSTFLAGS="$flags" cargo build --release --quiet -p workflow-cli \
  --manifest-path "$root/Cargo.toml" --target-dir "$root/target/tuned"
echo "$root/target/tuned/release/workflow"
