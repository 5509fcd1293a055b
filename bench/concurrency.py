"""Several users at once on one process: the in-process engine's parallel slots, end to end.

    python -m bench.concurrency [--questions 8] [--users 8] [--parallel 2]   # ~10 min on 2 cores; adds "concurrency" to docs/benchmarks.json

Runs in its own process (`make bench` starts it as a child), so the memory figures are those of a
process that holds the index, the embedder and the LLM and answers with all slots busy: what
`rag serve` holds, without the UI.

- single user: 8 different gold questions one after another through `Assistant.stream` (what
  `ask` does), timed to the first answer text and to the end.
- engine: 4 `ChatLLM.complete` calls (32 tokens) at once vs one after another.
- ask: the first 4 of those questions through `Assistant.ask` at once vs their single-user times.
- users: 8 threads each streaming one of the 8 questions (the path the UI takes), released
  together: p95 time to the first answer text vs the single-user median. The answer is checked
  before any of it is shown, so "first token" here is the first verified text.

Every phase runs on a freshly loaded engine (see `_fresh`), so no phase reuses another's prompt cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bench.answers import gold_questions
from bench.measure import percentile
from rag import Answer, Assistant, Settings
from rag.llm import make_llm
from rag.models import load_embedder

__all__ = ["bench_concurrency", "main"]

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def _memory_mb() -> dict[str, float]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def _at_once(tasks: Sequence[Callable[[], T]]) -> tuple[list[T], float]:
    """Run every task on its own thread, released together; their results and the wall time."""
    gate = threading.Barrier(len(tasks) + 1)

    def run(task: Callable[[], T]) -> T:
        gate.wait()
        return task()

    with ThreadPoolExecutor(len(tasks)) as pool:
        futures = [pool.submit(run, task) for task in tasks]
        gate.wait()
        started = time.perf_counter()
        results = [future.result() for future in futures]
        return results, time.perf_counter() - started


def _one_by_one(tasks: Sequence[Callable[[], T]]) -> tuple[list[T], float]:
    started = time.perf_counter()
    results = [task() for task in tasks]
    return results, time.perf_counter() - started


def _first_text(assistant: Assistant, question: str) -> dict[str, Any]:
    started = time.perf_counter()
    first: float | None = None
    answer: Answer | None = None
    for event in assistant.stream(question):
        if isinstance(event, Answer):
            answer = event
        elif isinstance(event, str) and first is None:
            first = time.perf_counter() - started
    total = time.perf_counter() - started
    return {"ttft_s": first if first is not None else total, "total_s": total, "refused": bool(answer and answer.refused)}


def _fresh(settings: Settings, embedder: Any, warm: str, previous: Assistant | None = None) -> Assistant:
    """An assistant on a newly loaded engine, warmed on one unmeasured question.

    Each phase gets its own engine: llama.cpp keeps finished prompts in a RAM cache, so running the
    same questions a second time on one engine would measure that cache, not the concurrency.
    """
    if previous is not None:
        previous.llm.close()
    assistant = Assistant(settings, llm=make_llm(settings), embedder=embedder)
    assistant.ask(warm)  # the fixed system prompts' cache and first allocations, as in a running server
    return assistant


def bench_concurrency(settings: Settings, embedder: Any, questions: list[str], warm: str, users: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "parallel_slots": settings.llm_parallel,
        "context_per_slot": settings.llm_context,
        "load_start": os.getloadavg()[0],  # other processes on the machine skew every figure here
    }
    few = questions[: max(1, min(4, len(questions)))]
    prompts = [[{"role": "user", "content": f"In one sentence: {q}"}] for q in few]

    one = _fresh(settings, embedder, warm)
    result["memory_loaded_mb"] = _memory_mb()["VmRSS"]
    alone, _ = _one_by_one([partial(_first_text, one, q) for q in questions[:users]])
    _, engine_sequential = _one_by_one([partial(one.llm.complete, p, max_tokens=32) for p in prompts])

    many = _fresh(settings, embedder, warm, one)
    _, engine_together = _at_once([partial(many.llm.complete, p, max_tokens=32) for p in prompts])
    answers, together = _at_once([partial(many.ask, q) for q in few])
    sequential = sum(row["total_s"] for row in alone[: len(few)])
    result["engine"] = {
        "n": len(prompts),
        "sequential_s": engine_sequential,
        "concurrent_s": engine_together,
        "ratio": engine_together / engine_sequential,
    }
    result["ask"] = {
        "n": len(few),
        "sequential_s": sequential,
        "concurrent_s": together,
        "ratio": together / sequential,
        "refused": sum(a.refused for a in answers),
    }

    crowd_assistant = _fresh(settings, embedder, warm, many)
    crowd, wall = _at_once([partial(_first_text, crowd_assistant, q) for q in (questions * users)[:users]])
    ttft = [row["ttft_s"] for row in crowd]
    single = statistics.median(row["ttft_s"] for row in alone)
    result["users"] = {
        "n": users,
        "single_ttft_s": single,
        "single_runs": alone,
        "crowd_runs": crowd,
        "ttft_p50_s": percentile(ttft, 0.5),
        "ttft_p95_s": percentile(ttft, 0.95),
        "ratio_p95": percentile(ttft, 0.95) / single,
        "wall_s": wall,
    }
    memory = _memory_mb()
    result.update(memory_after_mb=memory["VmRSS"], memory_peak_mb=memory["VmHWM"], load_end=os.getloadavg()[0])
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--questions", type=int, default=8, help="different gold questions (answerable, round-robin by category)")
    parser.add_argument("--users", type=int, default=8, help="simultaneous streaming users")
    parser.add_argument("--parallel", type=int, default=Settings.llm_parallel, help="in-process LLM slots (RAG_LLM_PARALLEL)")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a temporary one under /tmp)")
    parser.add_argument("--store", type=Path, default=ROOT / "docs" / "benchmarks.json", help="JSON to add the result to")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rag-concurrency-") as scratch:
        index = args.index or Path(scratch) / "index"
        settings = Settings.from_mapping({"corpus_dir": ROOT / "seeds", "index_dir": index, "llm_parallel": args.parallel})
        embedder = load_embedder(settings)
        Assistant(settings, embedder=embedder).ingest()
        gold = [row["question"] for row in gold_questions(ROOT / "eval" / "gold.jsonl", args.questions + 1)]
        result = bench_concurrency(settings, embedder, gold[:-1], gold[-1], args.users)
    print(json.dumps(result, indent=2))
    if args.store:
        stored = json.loads(args.store.read_text()) if args.store.is_file() else {}
        stored["concurrency" if args.parallel == Settings.llm_parallel else f"concurrency_parallel_{args.parallel}"] = result
        args.store.write_text(json.dumps(stored, indent=2, default=str), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
