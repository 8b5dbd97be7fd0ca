#!/usr/bin/env python3
"""Where the generated crates' compile time goes (docs/compile-cost.md).

    profile.py DIR [--time-passes]

For each crate of the workspace gen.py wrote, reruns cargo's own rustc command for it (read
from `cargo build -v` after `cargo clean -p`) into a temporary directory with
`--emit=llvm-ir -C codegen-units=1`, and prints the LLVM IR it produced, in lines, grouped by
what the code is (serde deserialization, task handlers, `definition()`, schemas, ...): the
debug build's codegen time follows the IR's size. With --time-passes, also runs the command
once more with `-Ztime-passes` and prints the slowest passes; that flag is unstable, so this
sets RUSTC_BOOTSTRAP=1 for that one diagnostic rustc run (never for the measurements).
The size of the macros' own output is printed too (WORKFLOW_MACROS_DEBUG=1).
"""

import argparse
import collections
import os
import re
import shlex
import subprocess
import sys
import tempfile

CRATES = ["wf-plain", "wf-macro"]

# (pattern on the demangled fn name, group); the first match wins
GROUPS = [
    (r"serde_json|serde_core::de|serde::de|Deserialize|__Visitor|__FieldVisitor|Deserializer", "serde: deserialize"),
    (r"serde_core::ser|serde::ser|Serialize|Serializer", "serde: serialize"),
    (r"__handler|::callee", "task companions: callee() and JSON handler"),
    (r"::definition$", "workflow definition()"),
    (r"schemars|JsonSchema", "schemars: JSON Schemas"),
    (r"big_flow", "the flow fn (plain) / run() (macro)"),
    (r"drop_in_place", "drop glue"),
    (r"wf_(macro|plain)::(step_|pack_item|check_item|poll|recover|retry)", "task fns"),
    (r"core::|alloc::|std::|futures|tokio", "std, futures, tokio generics"),
]


def rustc_command(cwd, crate):
    subprocess.run(["cargo", "clean", "-p", crate], cwd=cwd, check=True, capture_output=True)
    out = subprocess.run(
        ["cargo", "build", "--workspace", "-v"], cwd=cwd, check=True, capture_output=True, text=True
    ).stderr
    name = crate.replace("-", "_")
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Running `") and f"--crate-name {name} " in line:
            return shlex.split(line[len("Running `") : -1])
    sys.exit(f"profile.py: no rustc command for {crate} in cargo's output")


def retarget(cmd, out_dir, emit):
    """The command writing into `out_dir` only, with plain-text diagnostics."""
    res, skip = [], False
    for i, a in enumerate(cmd):
        if skip:
            skip = False
            continue
        if a == "--out-dir":
            res += ["--out-dir", out_dir]
            skip = True
        elif a.startswith("incremental="):
            res[-1:] = []  # drop the preceding -C with it
        elif a.startswith("--error-format") or a.startswith("--json"):
            continue
        elif a.startswith("--emit="):
            res.append(f"--emit={emit}")
        else:
            res.append(a)
    return res


def ir_sizes(path):
    sizes, fn = collections.Counter(), None
    for line in open(path):
        if line.startswith("define "):
            fn = re.search(r'@"?([^"(]+)"?\(', line).group(1)
        elif line.startswith("}"):
            fn = None
        elif fn:
            sizes[fn] += 1
    names = list(sizes)
    demangled = subprocess.run(
        ["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True
    ).stdout.splitlines()
    groups, counts = collections.Counter(), collections.Counter()
    for n, d in zip(names, demangled):
        d = re.sub(r"::h[0-9a-f]{16}$", "", d)
        g = next((g for p, g in GROUPS if re.search(p, d)), "other")
        groups[g] += sizes[n]
        counts[g] += 1
    return groups, counts


def expansion_size(cwd):
    subprocess.run(["cargo", "clean", "-p", "wf-macro"], cwd=cwd, check=True, capture_output=True)
    err = subprocess.run(
        ["cargo", "build", "--workspace"],
        cwd=cwd,
        env=dict(os.environ, WORKFLOW_MACROS_DEBUG="1"),
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    sizes = collections.Counter()
    parts = re.split(r"^#\[(task|workflow)\] expansion:\n", err, flags=re.M)
    for kind, text in zip(parts[1::2], parts[2::2]):
        # cargo's own lines (`   Compiling ..`, `    Finished ..`) may follow the last one
        text = re.sub(r"^\s+(Compiling|Finished) .*$", "", text, flags=re.M)
        sizes[kind] += len(text.strip())
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--time-passes", action="store_true")
    a = ap.parse_args()
    cwd = os.path.abspath(a.dir)
    for crate in CRATES:
        cmd = rustc_command(cwd, crate)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                retarget(cmd, tmp, "llvm-ir") + ["-C", "codegen-units=1"], cwd=cwd, check=True
            )
            (ll,) = [f for f in os.listdir(tmp) if f.endswith(".ll")]
            groups, counts = ir_sizes(os.path.join(tmp, ll))
        total = sum(groups.values())
        print(f"\n{crate}: {total} lines of LLVM IR (debug) in {sum(counts.values())} fns")
        for g, n in groups.most_common():
            print(f"  {n:7} {100 * n / total:5.1f}%  {counts[g]:4} fns  {g}")
        if a.time_passes:
            with tempfile.TemporaryDirectory() as tmp:
                r = subprocess.run(
                    retarget(cmd, tmp, "metadata,link") + ["-Ztime-passes"],
                    cwd=cwd,
                    env=dict(os.environ, RUSTC_BOOTSTRAP="1"),
                    capture_output=True,
                    text=True,
                    check=True,
                )
            passes = [
                (float(m.group(1)), m.group(2))
                for m in re.finditer(r"time:\s+([\d.]+);.*\t(\S+)", r.stderr)
            ]
            print("  slowest passes (-Ztime-passes, nested passes included in their parents):")
            for t, p in sorted(passes, reverse=True)[:12]:
                print(f"    {t:6.3f} s  {p}")
    sizes = expansion_size(cwd)
    src = os.path.getsize(os.path.join(cwd, "wf-macro/src/lib.rs"))
    print(
        f"\nmacro output (WORKFLOW_MACROS_DEBUG=1): #[task] {sizes['task']} bytes, "
        f"#[workflow] {sizes['workflow']} bytes of tokens, for {src} bytes of source"
    )


if __name__ == "__main__":
    main()
