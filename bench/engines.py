"""The project's LLM engine (xllamacpp, in-process) side by side with llama-cpp-python, which it replaced.

    python -m bench.engines --llama-cpp-python /path/to/bin/python   # adds "engines" to docs/benchmarks.json

llama-cpp-python is not a dependency any more (it compiles for ~5 min on install), so it runs in a
worker process of a Python that has it. Both load the same packaged GGUF with the same context and
threads and answer the same evidence prompts at temperature 0, taking turns (who goes first
alternates), so that the machine's drift falls on both: the figures are ratios within one run.
Each prompt has different evidence, so neither engine answers from a cached prompt beyond the
shared instructions, which both reuse.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from rag import Settings
from rag.answering import evidence_messages
from rag.llm import make_llm
from rag.llm_engines import default_threads
from rag.models import packaged_llm_path
from rag.sentences import sentence_spans

__all__ = ["bench_engines", "main"]

ROOT = Path(__file__).resolve().parents[1]
_WORKER = """
import json, sys, time
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=int(sys.argv[2]), n_threads=int(sys.argv[3]), n_threads_batch=int(sys.argv[3]),
            chat_format="chatml", verbose=False)
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    started, first, text = time.perf_counter(), None, ""
    for chunk in llm.create_chat_completion(messages=request["messages"], max_tokens=request["max_tokens"], temperature=0, stream=True):
        delta = chunk["choices"][0]["delta"].get("content")
        if delta:
            first = first if first is not None else time.perf_counter() - started
            text += delta
    print(json.dumps({"ttft": first, "seconds": time.perf_counter() - started, "text": text}), flush=True)
"""


def prompts(count: int, characters: int = 1500) -> list[list[dict[str, str]]]:
    """Evidence prompts of ~400 tokens, each from a different stretch of the seed articles."""
    sentences = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences += [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]
    result, start = [], 0
    for _ in range(count):
        lines: list[str] = []
        while sum(len(line) for line in lines) < characters:
            lines.append(f"[{len(lines) + 1}] {sentences[start % len(sentences)]}")
            start += 1
        result.append(evidence_messages("What do these sentences report, in one sentence?", lines))
    return result


def bench_engines(python: str, count: int = 6, max_tokens: int = 64) -> dict[str, Any]:
    settings = Settings()
    path = packaged_llm_path(settings.model_cache)
    threads = str(default_threads(settings.llm_threads))
    worker = subprocess.Popen(
        [python, "-c", _WORKER, str(path), str(settings.llm_context), threads],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert worker.stdin is not None and worker.stdout is not None
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError("the llama-cpp-python worker did not start")
    llm = make_llm(settings)

    def ours(messages: list[dict[str, str]]) -> dict[str, Any]:
        started, first, text = time.perf_counter(), None, ""
        for piece in llm.stream(messages, max_tokens=max_tokens):
            first = first if first is not None else time.perf_counter() - started
            text += piece
        return {"ttft": first, "seconds": time.perf_counter() - started, "text": text}

    def theirs(messages: list[dict[str, str]]) -> dict[str, Any]:
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps({"messages": messages, "max_tokens": max_tokens}) + "\n")
        worker.stdin.flush()
        return dict(json.loads(worker.stdout.readline()))

    runs: dict[str, list[dict[str, Any]]] = {"xllamacpp": [], "llama-cpp-python": []}
    engines = {"xllamacpp": ours, "llama-cpp-python": theirs}
    ours(prompts(1)[0])  # both engines warm: the shared instructions are in each one's prompt cache
    theirs(prompts(1)[0])
    for i, messages in enumerate(prompts(count)):
        order = list(engines) if i % 2 == 0 else list(reversed(engines))
        for name in order:
            runs[name].append(engines[name](messages))
    summary: dict[str, Any] = {
        "prompts": count, "max_tokens": max_tokens, "prompt_tokens": llm.count_tokens(prompts(1)[0]),
        "parallel": settings.llm_parallel,
    }
    worker.stdin.close()
    worker.wait(timeout=60)
    llm.close()
    for name, results in runs.items():
        summary[name] = {
            "ttft_p50": statistics.median(r["ttft"] for r in results),
            "seconds_p50": statistics.median(r["seconds"] for r in results),
        }
    summary["ttft_ratio"] = summary["xllamacpp"]["ttft_p50"] / summary["llama-cpp-python"]["ttft_p50"]
    summary["seconds_ratio"] = summary["xllamacpp"]["seconds_p50"] / summary["llama-cpp-python"]["seconds_p50"]
    summary["same_text"] = sum(a["text"] == b["text"] for a, b in zip(runs["xllamacpp"], runs["llama-cpp-python"], strict=True))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-cpp-python", required=True, help="a Python interpreter that has llama-cpp-python installed")
    parser.add_argument("--prompts", type=int, default=6)
    args = parser.parse_args()
    result = bench_engines(args.llama_cpp_python, args.prompts)
    print(json.dumps(result, indent=2))
    store = ROOT / "docs" / "benchmarks.json"
    results = json.loads(store.read_text()) if store.is_file() else {}
    results["engines" if result["parallel"] > 1 else "engines_one_slot"] = result
    store.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
