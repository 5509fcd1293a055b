"""`make install` from nothing, timed: a temporary clone of HEAD, no venv, a cold pip cache.

    python -m bench.install            # several minutes; prints the result as JSON and stores it in docs/benchmarks.json

It also says whether anything compiled: pip prints "Building wheel for X" and uv "Built X" only for a
package it has to build from source (our own editable package is pure Python and is excluded), and
how much pip downloaded and how much uv's cache (empty at the start: unpacked wheels) holds after.
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
_UNITS = {"kB": 1e-3, "MB": 1.0, "GB": 1e3}


def bench_install(root: Path = ROOT) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rag-install-") as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        # A cold cache: nothing from earlier installs; PIP_VERBOSE cancels the Makefile's -q so downloads and builds are logged.
        uv_cache = Path(scratch) / "uv-cache"
        env.update(PIP_NO_CACHE_DIR="1", PIP_CACHE_DIR=str(Path(scratch) / "pip-cache"), PIP_VERBOSE="1", UV_CACHE_DIR=str(uv_cache))
        started = time.perf_counter()
        lines: list[tuple[float, str]] = []
        with subprocess.Popen(
            ["make", "install"], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append((time.perf_counter() - started, line.rstrip()))
        seconds = time.perf_counter() - started
        log = "\n".join(text for _, text in lines)
        (Path(tempfile.gettempdir()) / "rag-install.log").write_text(  # kept for a look at where the time went
            "\n".join(f"{at:7.1f} {text}" for at, text in lines)
        )
        # The Makefile installs torch (and uv) by pip, then the project by uv, whose first line is "Resolved N packages".
        torch_done = next((at for at, text in lines if text.startswith(("Resolved ", "Obtaining file://"))), None)
        downloaded = sum(float(size) * _UNITS[unit] for size, unit in re.findall(r"Downloading \S+ \(([\d.]+) (kB|MB|GB)\)", log))
        built = sorted(set(re.findall(r"(?:Building wheel for|\bBuilt) (\S+)", log)) - {"rag-news"})
        return {
            "commit": commit.strip(),
            "returncode": process.returncode,
            "seconds": seconds,
            "torch_step_s": torch_done,
            "pip_downloaded_mb": downloaded,
            "uv_cache_mb": _megabytes(uv_cache),
            "compiled": built,
            "cmake_or_compiler_ran": bool(re.search(r"\bcmake\b|\bgcc\b|\bg\+\+\b|\bninja\b", log, re.IGNORECASE)),
            "tail": log[-1500:] if process.returncode else "",
        }


def _megabytes(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6 if folder.is_dir() else 0.0


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
