#!/usr/bin/env python3
"""Picks the saved corpus of a fuzz target: the hand-written seeds of corpus/<target>/ plus at
most N inputs of work/<target>/ chosen greedily for the coverage edges they add.

Usage: pick_corpus.py TARGET [N]   (run from fuzz/, after `cargo fuzz build --sanitizer none -O`)

libFuzzer's merge writes every input's features (edges only, with -use_counters=0) to a control
file; the greedy set cover over those features keeps the few inputs that matter most. Picked
inputs are copied into corpus/<target>/ as pick-<sha1 prefix> (with .asl.json for the definition target). Prints the share of the whole
scratch corpus's edges that the saved corpus covers.
"""
import os, shutil, subprocess, sys, tempfile

target = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 30
binary = f"target/x86_64-unknown-linux-gnu/release/{target}"
with tempfile.TemporaryDirectory() as tmp:
    control = os.path.join(tmp, "control")
    subprocess.run([binary, "-merge=1", "-use_counters=0", "-max_len=4096",
                    f"-merge_control_file={control}", os.path.join(tmp, "out"),
                    f"corpus/{target}", f"work/{target}"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   preexec_fn=lambda: os.makedirs(os.path.join(tmp, "out"), exist_ok=True))
    lines = open(control).read().splitlines()
count = int(lines[0])
files = lines[2:2 + count]
features = {}
for line in lines[2 + count:]:
    if line.startswith("FT "):
        parts = line.split()
        features[int(parts[1])] = set(map(int, parts[2:]))
everything = set().union(*features.values()) if features else set()
chosen = {i for i, f in enumerate(files) if f.startswith(f"corpus/{target}/")}
covered = set().union(*(features.get(i, set()) for i in chosen))
picked = []
while len(picked) < limit:
    best, gain = None, 0
    for i, fs in features.items():
        if i in chosen:
            continue
        g = len(fs - covered)
        if g > gain or (g == gain and g > 0 and os.path.getsize(files[i]) < os.path.getsize(files[best])):
            best, gain = i, g
    if best is None:
        break
    chosen.add(best)
    picked.append(best)
    covered |= features[best]
# Inputs of the definition target are ASL documents, named as every ASL file of the repository.
suffix = ".asl.json" if target == "definition" else ""
for i in picked:
    name = os.path.basename(files[i])
    shutil.copy(files[i], f"corpus/{target}/pick-{name[:12]}{suffix}")
print(f"{target}: {len(picked)} picked, {len(chosen)} saved, "
      f"{len(covered)} of {len(everything)} features ({100 * len(covered) / max(1, len(everything)):.1f}%)")
