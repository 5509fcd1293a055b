"""Answer latency (ours vs llama-index's default query engine) and the memory of a running `rag serve`.

Both pipelines use the same embedder and LLM objects and the same questions, one after the other.
"Correct" means the answer matches every `must` pattern of the gold question (case-insensitive) —
the same rule the eval harness uses for answer correctness, without its citation checks.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from llama_index.core.schema import MetadataMode

from rag import Answer, Assistant
from rag.llm import as_llama_index

__all__ = ["gold_questions", "bench_answers", "bench_baseline", "bench_serve_rss"]


def gold_questions(path: Path, count: int) -> list[dict[str, Any]]:
    """`count` answerable gold questions, taken round-robin across categories so each kind is present."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_category: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["answerable"]:
            by_category.setdefault(row["category"], []).append(row)
    picked: list[dict[str, Any]] = []
    while len(picked) < count and any(by_category.values()):
        for group in by_category.values():
            if group and len(picked) < count:
                picked.append(group.pop(0))
    return picked


def _correct(text: str, must: list[str]) -> bool:
    return all(re.search(pattern, text, re.IGNORECASE) for pattern in must)


def bench_answers(assistant: Assistant, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for gold in questions:
        started = time.perf_counter()
        first: float | None = None
        answer: Answer | None = None
        for event in assistant.stream(gold["question"]):
            if isinstance(event, Answer):
                answer = event
            elif first is None:
                first = time.perf_counter() - started
        total = time.perf_counter() - started
        assert answer is not None
        rows.append(
            {
                "id": gold["id"],
                "ttft_s": first if first is not None else total,
                "total_s": total,
                "prompt_tokens": answer.trace.prompt_tokens,  # every LLM call of the answer, checks included
                "correct": _correct(answer.text, gold["must"]),
                "cited_right_file": any(c.source in gold["sources"] for c in answer.citations),
                "refused": answer.refused,
            }
        )
    return rows


def bench_baseline(corpus: Path, assistant: Assistant, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """llama-index's defaults: `VectorStoreIndex.from_documents` + `as_query_engine(streaming=True)`."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.prompts.default_prompts import DEFAULT_TEXT_QA_PROMPT

    index = VectorStoreIndex.from_documents(SimpleDirectoryReader(str(corpus)).load_data(), embed_model=assistant.embedder)
    engine = index.as_query_engine(llm=as_llama_index(assistant.llm), streaming=True)
    rows = []
    for gold in questions:
        started = time.perf_counter()
        response = engine.query(gold["question"])
        first: float | None = None
        parts = []
        for token in response.response_gen:  # type: ignore[union-attr]
            if first is None:
                first = time.perf_counter() - started
            parts.append(token)
        total = time.perf_counter() - started
        context = "\n\n".join(n.node.get_content(metadata_mode=MetadataMode.LLM) for n in response.source_nodes)
        # Approximate: the default text-QA template as one user message.
        prompt = [{"role": "user", "content": DEFAULT_TEXT_QA_PROMPT.format(context_str=context, query_str=gold["question"])}]
        rows.append(
            {
                "id": gold["id"],
                "ttft_s": first if first is not None else total,
                "total_s": total,
                "prompt_tokens": assistant.llm.count_tokens(prompt),
                "correct": _correct("".join(parts), gold["must"]),
            }
        )
    return rows


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _memory_mb(pid: int) -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, from /proc."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def bench_serve_rss(corpus: Path, work: Path, questions: list[str], ready_limit_s: float = 300) -> dict[str, Any]:
    """Start `rag serve` on a free port, read its memory idle, then after answering through its `/ask` API."""
    port = _free_port()
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(corpus.resolve()),
        "RAG_INDEX_DIR": str(work / "serve-index"),
        "RAG_UPLOAD_DIR": str(work / "serve-uploads"),
        "RAG_PORT": str(port),
        "RAG_HOST": "127.0.0.1",
    }
    rag = Path(sys.executable).with_name("rag")
    log = (work / "serve.log").open("wb")
    process = subprocess.Popen([str(rag), "serve"], env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    result: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + ready_limit_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"rag serve exited with {process.returncode}: {(work / 'serve.log').read_text()[-800:]}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"rag serve was not ready after {ready_limit_s:.0f} s") from None
                time.sleep(1)
        time.sleep(3)  # let start-up allocations settle
        idle = _memory_mb(process.pid)
        result.update(idle_rss_mb=idle["VmRSS"], startup_peak_mb=idle["VmHWM"])
        from gradio_client import Client

        client = Client(url, verbose=False)
        for question in questions:
            client.predict(question, api_name="/ask")
        answering = _memory_mb(process.pid)
        result.update(answering_rss_mb=answering["VmRSS"], answering_peak_mb=answering["VmHWM"], questions=len(questions))
    except Exception as exc:  # noqa: BLE001 - a broken server is reported in the results, not a crashed bench
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    return result
