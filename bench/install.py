"""`make install` from nothing, timed: a temporary clone of HEAD, no venv, a cold pip cache.

    python -m bench.install            # ~several minutes; prints the result as JSON and stores it in docs/benchmarks.json

It also says whether anything compiled: pip prints "Building wheel for X" only for a package it
has to build from source (our own editable package is pure Python and is excluded).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["bench_install"]

ROOT = Path(__file__).resolve().parents[1]


def bench_install(root: Path = ROOT) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rag-install-") as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        # A cold cache: nothing from earlier installs; PIP_VERBOSE cancels the Makefile's -q so builds are logged.
        env.update(PIP_NO_CACHE_DIR="1", PIP_CACHE_DIR=str(Path(scratch) / "pip-cache"), PIP_VERBOSE="1")
        started = time.perf_counter()
        done = subprocess.run(["make", "install"], cwd=clone, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        log = done.stdout + done.stderr
        (Path(scratch) / "install.log").write_text(log)
        built = sorted(set(re.findall(r"Building wheel for (\S+)", log)) - {"rag-news"})
        return {
            "commit": commit.strip(),
            "returncode": done.returncode,
            "seconds": seconds,
            "compiled": built,
            "cmake_or_compiler_ran": bool(re.search(r"\bcmake\b|\bgcc\b|\bg\+\+\b|\bninja\b", log, re.IGNORECASE)),
            "tail": log[-1500:] if done.returncode else "",
        }


def main() -> None:
    result = bench_install()
    print(json.dumps(result, indent=2))
    store = ROOT / "docs" / "benchmarks.json"
    results = json.loads(store.read_text()) if store.is_file() else {}
    results["install"] = result
    store.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    sys.exit(0 if result["returncode"] == 0 else 1)


if __name__ == "__main__":
    main()
