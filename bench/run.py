"""Run every benchmark in one process and write the report.

    python -m bench                                   # the full run behind `make bench` (~15-20 min on 2 cores)
    python -m bench --sizes 1000 --repeats 1 --ingest-files 3 --queries 10 --no-llm --out /tmp/b.md   # the smoke

Order matters for memory: `rag serve` (a second process with its own LLM) is measured before this
process loads the LLM, so at most one copy of the model is resident at a time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.answers import bench_answers, bench_baseline, bench_serve_rss, gold_questions
from bench.corpus import embed_sentences, load_seeds
from bench.measure import bench_ingest, bench_retrieval
from bench.report import write_markdown, write_plot
from rag import Assistant, Settings
from rag.models import load_embedder

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="retrieval index sizes in chunks, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="ingest runs (the median is reported)")
    parser.add_argument("--passes", type=int, default=2, help="passes over the gold questions per retrieval size")
    parser.add_argument("--queries", type=int, default=0, help="gold questions per retrieval pass (0: all of them)")
    parser.add_argument("--ingest-files", type=int, default=100, help="synthetic articles for the ingest run (~13 chunks each)")
    parser.add_argument("--questions", type=int, default=10, help="gold questions for the answer-latency run")
    parser.add_argument("--no-llm", action="store_true", help="skip everything that needs the LLM (answers, baseline, rag serve)")
    parser.add_argument("--users", type=int, default=8, help="simultaneous users in the concurrency run (0: skip it)")
    parser.add_argument("--report-only", action="store_true", help="rewrite --out from its .json (e.g. after bench.install)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--plot", type=Path, default=None, help="default: --out with .png")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    return parser.parse_args(argv)


def _log(message: str, started: float) -> None:
    print(f"[bench {time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)


def machine_info() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    ram_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
    packages = ["chromadb", "llama-index-core", "xllamacpp", "sentence-transformers", "torch"]
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count() or 1,
        "ram_gb": ram_kb / 2**20,
        "os": f"{platform.system()} {platform.release()}",
        "versions": ", ".join([f"Python {platform.python_version()}", *(f"{p} {version(p)}" for p in packages)]),
        "load_start": os.getloadavg()[0],
    }


def _concurrency(work: Path, users: int) -> dict[str, Any]:
    """`bench.concurrency` in a child process, so its memory figures are a serving process's alone."""
    store = work / "concurrency.json"
    command = [sys.executable, "-m", "bench.concurrency", "--users", str(users), "--index", str(work / "concurrency-index")]
    done = subprocess.run([*command, "--store", str(store)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr[-800:]}
    return dict(json.loads(store.read_text())["concurrency"])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = _arguments(argv)
    if args.report_only:
        stored = json.loads(args.out.with_suffix(".json").read_text(encoding="utf-8"))
        write_markdown(args.out, stored)
        return dict(stored)
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine_info(), "args": {k: str(v) for k, v in vars(args).items()}}
    seeds_dir = ROOT / "seeds"
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        # Explicit defaults, not Settings.load(): a developer's RAG_* variables must not change the figures.
        settings = Settings.from_mapping({"corpus_dir": seeds_dir, "index_dir": work / "index"})
        embedder = load_embedder(settings)
        seeds = load_seeds(seeds_dir)
        _log(f"{len(seeds.sentences)} distinct seed sentences; ingest benchmark", started)
        results["ingest"] = bench_ingest(settings, embedder, seeds, work, args.ingest_files, args.repeats)
        _log(f"ingest {results['ingest']['ratio']:.0%} of raw", started)
        vectors = embed_sentences(seeds, embedder.get_text_embedding_batch)
        questions = [row["question"] for row in gold_questions(ROOT / "eval" / "gold.jsonl", args.queries or 1000)]
        results["retrieval"] = []
        for size in (int(s) for s in args.sizes.split(",")):
            row = bench_retrieval(settings, embedder, seeds, vectors, questions, work, size, args.passes)
            results["retrieval"].append(row)
            _log(f"{size:,} chunks: build {row['build_s']:.1f} s, hybrid p50 {row['hybrid_p50_ms']:.1f} ms", started)
        if not args.no_llm:
            gold = gold_questions(ROOT / "eval" / "gold.jsonl", args.questions)
            results["serve"] = bench_serve_rss(seeds_dir, work, [g["question"] for g in gold[:2]])
            _log(f"rag serve memory: {results['serve']}", started)
            if args.users:
                results["concurrency"] = _concurrency(work, args.users)
                _log(f"concurrency: {results['concurrency'].get('ask', results['concurrency'])}", started)
            assistant = Assistant(settings, embedder=embedder)
            assistant.ingest()
            results["answers"] = bench_answers(assistant, gold)
            _log("answers done", started)
            results["baseline"] = bench_baseline(seeds_dir, assistant, gold)
            _log("baseline done", started)
    previous = args.out.with_suffix(".json")
    if previous.is_file():  # measured separately (`python -m bench.install`): kept across runs
        results.setdefault("install", json.loads(previous.read_text(encoding="utf-8")).get("install"))
    results["machine"]["load_end"] = os.getloadavg()[0]
    results["seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    write_markdown(args.out, results)
    write_plot(args.plot or args.out.with_suffix(".png"), results)
    _log(f"wrote {args.out}", started)
    return results
