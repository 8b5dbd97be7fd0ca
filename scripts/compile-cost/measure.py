#!/usr/bin/env python3
"""Measures what `#[task]`/`#[workflow]` add to compile time (docs/compile-cost.md).

    measure.py DIR [--runs 5] [--release]

DIR is the workspace gen.py wrote. Its dependencies are built once (warm cache); then, RUNS
times and alternating which goes first, each generated crate is cleaned alone
(`cargo clean -p CRATE`, which also drops its incremental cache) and the workspace is rebuilt
with `cargo build --timings`, so only that crate compiles. Recorded per build:
- `unit`: the crate's own compile time from the --timings data (with its frontend/codegen
  split, as rustc reports it);
- `rustc_cpu`: user + system CPU time of that rustc process (the proc macros run inside it),
  recorded by the RUSTC_WRAPPER rustc-cpu.py; shared cores disturb it less than wall-clock;
- `wall`: wall-clock of the whole `cargo build` (cargo's own fresh-checking included).
The check that only the cleaned crate compiled (the wrapper's log names one crate) guards
against a feature or fingerprint change rebuilding dependencies inside the timing.
With --edit, instead of cleaning the crate, one constant in one task's body is changed (the
same text length, so no span moves): rustc reruns with its incremental cache (in debug), as in
an edit-build loop. The constant is set back to 0 at the end.
Prints the medians and the ratio macro/plain of each, and writes them to DIR/results-PROFILE.json.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

CRATES = ["wf-plain", "wf-macro"]


WRAPPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rustc-cpu.py")


def cargo(args, cwd, log=None):
    env = dict(os.environ, RUSTC_WRAPPER=WRAPPER, COMPILE_COST_LOG=log or os.devnull)
    r = subprocess.run(
        ["cargo", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if r.returncode != 0:
        sys.exit(f"measure.py: cargo {' '.join(args)} failed:\n{r.stderr[-4000:]}")
    return r


def unit_timing(cwd, crate):
    """The crate's unit in the newest --timings report: (duration, frontend, codegen)."""
    reports = glob.glob(os.path.join(cwd, "target/cargo-timings/cargo-timing-*.html"))
    text = open(max(reports, key=os.path.getmtime)).read()
    start = text.index("const UNIT_DATA = ") + len("const UNIT_DATA = ")
    units = json.loads(text[start : text.index("];", start) + 1])
    (u,) = [u for u in units if u["name"] == crate and u["target"] == ""]
    sections = dict(u.get("sections") or [])
    front = sections.get("frontend", {"start": 0, "end": u["duration"]})
    code = sections.get("codegen", {"start": u["duration"], "end": u["duration"]})
    return u["duration"], front["end"] - front["start"], code["end"] - code["start"]


EDITED = "extra_1: input.extra_0 % 1000 * 2 + "  # in task step_0's body, then one digit


def edit(cwd, crate, digit):
    """Sets the last digit of the constant in step_0's body (same length: no span moves)."""
    path = os.path.join(cwd, crate, "src", "lib.rs")
    text = open(path).read()
    i = text.index(EDITED) + len(EDITED)
    with open(path, "w") as f:
        f.write(text[:i] + str(digit) + text[i + 1 :])


def build_once(cwd, crate, profile_args, run):
    if run is not None:
        edit(cwd, crate, run % 9 + 1)
    else:
        cargo(["clean", "-p", crate, *profile_args], cwd)
    log = os.path.join(cwd, "target", "rustc-cpu.log")
    if os.path.exists(log):
        os.remove(log)
    t0 = time.monotonic()
    cargo(["build", "--workspace", "--timings", *profile_args], cwd, log)
    wall = time.monotonic() - t0
    rustc = [line.split() for line in open(log)]
    name = crate.replace("-", "_")
    built = [n for n, _ in rustc]
    if built != [name]:
        sys.exit(f"measure.py: expected only {name} to compile, rustc ran for {built}")
    unit, front, code = unit_timing(cwd, crate)
    return {
        "unit": unit,
        "frontend": front,
        "codegen": code,
        "rustc_cpu": float(rustc[0][1]),
        "wall": wall,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--release", action="store_true")
    ap.add_argument(
        "--edit",
        action="store_true",
        help="edit one constant in one task's body instead of cleaning the crate (a rebuild "
        "that keeps the incremental cache, as in an edit-build loop)",
    )
    a = ap.parse_args()
    cwd = os.path.abspath(a.dir)
    profile_args = ["--release"] if a.release else []
    profile = ("release" if a.release else "debug") + ("-edit" if a.edit else "")
    print(f"measure.py: warming the dependency cache ({profile})", file=sys.stderr)
    cargo(["build", "--workspace", *profile_args], cwd)
    samples = {c: [] for c in CRATES}
    for r in range(a.runs):
        order = CRATES if r % 2 == 0 else CRATES[::-1]
        for crate in order:
            s = build_once(cwd, crate, profile_args, r if a.edit else None)
            samples[crate].append(s)
            print(
                f"run {r + 1} {crate}: unit {s['unit']:.2f} s (frontend {s['frontend']:.2f}, "
                f"codegen {s['codegen']:.2f}), rustc cpu {s['rustc_cpu']:.2f} s, "
                f"wall {s['wall']:.2f} s",
                file=sys.stderr,
            )
    if a.edit:
        for crate in CRATES:
            edit(cwd, crate, 0)
    keys = ["unit", "frontend", "codegen", "rustc_cpu", "wall"]
    med = {c: {k: statistics.median(s[k] for s in samples[c]) for k in keys} for c in CRATES}
    ratio = {k: med["wf-macro"][k] / med["wf-plain"][k] for k in keys if med["wf-plain"][k] > 0}
    print(f"| {profile}, median of {a.runs} | plain (s) | macro (s) | macro / plain |")
    print("| --- | --- | --- | --- |")
    for k in keys:
        if k in ratio:
            print(
                f"| {k} | {med['wf-plain'][k]:.2f} | {med['wf-macro'][k]:.2f} | {ratio[k]:.2f}x |"
            )
    with open(os.path.join(cwd, f"results-{profile}.json"), "w") as f:
        json.dump({"runs": a.runs, "median": med, "ratio": ratio, "samples": samples}, f, indent=1)


if __name__ == "__main__":
    main()
