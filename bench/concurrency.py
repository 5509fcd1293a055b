"""Several users at once on one process: the in-process engine's parallel slots, end to end.

    python -m bench.concurrency [--questions 4] [--users 8]   # ~10 min on 2 cores; adds "concurrency" to docs/benchmarks.json

Runs in its own process (`make bench` starts it as a child), so the memory figures are those of a
process that holds the index, the embedder and the LLM and answers with all slots busy: what
`rag serve` holds, without the UI.

- engine: 4 `ChatLLM.complete` calls at once vs the same 4 one after another (short answers).
- ask: 4 different gold questions through `Assistant.ask`, at once vs one after another.
- users: 8 threads each streaming a question through `Assistant.stream` (the path the UI takes),
  started together: p95 time to the first answer text vs one user alone. The answer is checked
  before any of it is shown, so "first token" here is the first verified text.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bench.answers import gold_questions
from bench.measure import percentile
from rag import Answer, Assistant, Settings

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


def bench_concurrency(assistant: Assistant, questions: list[str], users: int) -> dict[str, Any]:
    llm = assistant.llm
    result: dict[str, Any] = {"parallel_slots": assistant.settings.llm_parallel, "context_per_slot": assistant.settings.llm_context}
    result["memory_loaded_mb"] = _memory_mb()["VmRSS"]
    assistant.ask(questions[0])  # warm: the system prompt's cache, BM25, first allocations

    prompts = [[{"role": "user", "content": f"In one sentence: {q}"}] for q in questions]
    engine = [lambda p=p: llm.complete(p, max_tokens=32) for p in prompts]
    _, sequential = _one_by_one(engine)
    _, together = _at_once(engine)
    result["engine"] = {"n": len(engine), "sequential_s": sequential, "concurrent_s": together, "ratio": together / sequential}

    asks = [lambda q=q: assistant.ask(q) for q in questions]
    _, sequential = _one_by_one(asks)
    answers, together = _at_once(asks)
    result["ask"] = {
        "n": len(asks),
        "sequential_s": sequential,
        "concurrent_s": together,
        "ratio": together / sequential,
        "refused": sum(a.refused for a in answers),
    }

    alone = [_first_text(assistant, q) for q in questions[:2]]
    crowd, wall = _at_once([lambda q=q: _first_text(assistant, q) for q in (questions * users)[:users]])
    ttft = [row["ttft_s"] for row in crowd]
    single = sorted(row["ttft_s"] for row in alone)[len(alone) // 2]
    result["users"] = {
        "n": users,
        "single_ttft_s": single,
        "single_runs": alone,
        "ttft_p50_s": percentile(ttft, 0.5),
        "ttft_p95_s": percentile(ttft, 0.95),
        "ratio_p95": percentile(ttft, 0.95) / single,
        "wall_s": wall,
    }
    memory = _memory_mb()
    result.update(memory_after_mb=memory["VmRSS"], memory_peak_mb=memory["VmHWM"])
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--questions", type=int, default=4, help="different gold questions (answerable, round-robin by category)")
    parser.add_argument("--users", type=int, default=8, help="simultaneous streaming users")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: a temporary one under /tmp)")
    parser.add_argument("--store", type=Path, default=ROOT / "docs" / "benchmarks.json", help="JSON to add the result to")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rag-concurrency-") as scratch:
        settings = Settings.from_mapping({"corpus_dir": ROOT / "seeds", "index_dir": args.index or Path(scratch) / "index"})
        assistant = Assistant(settings)
        assistant.ingest()
        gold = [row["question"] for row in gold_questions(ROOT / "eval" / "gold.jsonl", args.questions)]
        result = bench_concurrency(assistant, gold, args.users)
    print(json.dumps(result, indent=2))
    if args.store:
        stored = json.loads(args.store.read_text()) if args.store.is_file() else {}
        stored["concurrency"] = result
        args.store.write_text(json.dumps(stored, indent=2, default=str), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
