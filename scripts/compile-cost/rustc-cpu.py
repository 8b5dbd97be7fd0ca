#!/usr/bin/env python3
"""RUSTC_WRAPPER for measure.py: runs rustc and appends `CRATE_NAME CPU_SECONDS` (user + system
time of rustc and its children) to the file named by $COMPILE_COST_LOG."""

import os
import resource
import subprocess
import sys

args = sys.argv[1:]
code = subprocess.call(args)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
name = args[args.index("--crate-name") + 1] if "--crate-name" in args else None
log = os.environ.get("COMPILE_COST_LOG")
if name and log:
    with open(log, "a") as f:
        f.write(f"{name} {u.ru_utime + u.ru_stime:.3f}\n")
sys.exit(code)
