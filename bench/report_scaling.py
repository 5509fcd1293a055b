"""The "Concurrency and install" section of docs/benchmarks.md (from `bench.concurrency`, `bench.install`, `bench.engines`)."""

from __future__ import annotations

from typing import Any

__all__ = ["scaling_lines"]


def _status(ok: bool) -> str:
    return "met" if ok else "**missed**"


def scaling_lines(results: dict[str, Any]) -> list[str]:
    lines = ["## Concurrency and install", ""]
    runs = [r for r in (results.get("concurrency"), *(v for k, v in sorted(results.items()) if k.startswith("concurrency_parallel_"))) if r]
    runs = [r for r in runs if "error" not in r]
    if runs:
        first = runs[0]
        lines += [
            "One process with the index, the embedder and the in-process LLM (xllamacpp, slots of "
            f"{first['context_per_slot']} tokens), on the seeds (`python -m bench.concurrency [--parallel N]`). "
            "*At once* = one thread per request, released together; *one by one* = the same requests in a row. "
            "Each phase runs on a freshly loaded engine, so none reuses another's prompt cache. "
            "The users are `Assistant.stream` callers (the path the UI takes). An answer is verified before any of it "
            "is shown, so its first text comes when the answer is complete: time to first text is answer time. "
            "Each row is its own run; compare the ratios, not seconds across rows (machines and load differ).",
            "",
            "| slots | what | target | one by one | at once | ratio | |",
            "|---|---|---|---|---|---|---|",
        ]
        for run in runs:
            lines += _concurrency_rows(run)
        lines += [
            "",
            "Why the slots buy nothing here: they share the same 2 cores, and most of an answer's work is prompt "
            "processing (a few hundred evidence tokens, then short checks with their own prompts), which is "
            "compute-bound: batching two prompts costs about as much as running them in turn, and two slots slow "
            "every single answer. So the default is one slot; requests still never wait on a Python lock, they queue "
            "in the engine. Batching pays off in token generation (memory-bound) and on machines with more cores or "
            "a GPU (`RAG_LLM_PARALLEL`).",
            "",
        ]
    else:
        run = results.get("concurrency") or {}
        lines += [f"Concurrency not measured in this run ({run.get('error', '`--users 0` or `--no-llm`')}).", ""]
    install = results.get("install") or {}
    if install:
        compiled = ", ".join(install["compiled"]) or "nothing"
        torch = install.get("torch_step_s")
        lines += [
            f"`make install` from nothing (`python -m bench.install`: a temporary clone of commit `{install['commit']}`, "
            f"no venv, empty pip and uv caches): **{install['seconds'] / 60:.1f} min** (target ≤ 2 min: "
            f"{_status(install['seconds'] <= 120)}), exit code {install['returncode']}; built from source: **{compiled}** "
            f"({'a C/C++ build step ran' if install.get('cmake_or_compiler_ran') else 'no C/C++ build step ran'}). "
            + (f"pip installed torch (from the machine's file) and uv in the first {torch:.0f} s; " if torch else "")
            + f"uv then fetched and unpacked the rest in parallel ({install.get('uv_cache_mb', 0) / 1024:.2f} GB in its cache, "
            "the LLM's 22 wheels, 1.07 GiB, most of it). With pip alone the same install took 3.5 min.",
            "",
        ]
    runs = [run for run in (results.get("engines"), results.get("engines_one_slot")) if run]
    return lines + (_engine_lines(runs) if runs else [])


def _engine_lines(runs: list[dict[str, Any]]) -> list[str]:
    first = runs[0]
    lines = [
        f"Single user, xllamacpp vs llama-cpp-python 0.3.36 (`python -m bench.engines`; in each run the engines take turns "
        f"on {first['prompts']} evidence prompts of ~{first['prompt_tokens']} tokens, {first['max_tokens']} tokens out, same "
        "GGUF, context per slot and threads; `RAG_LLM_PARALLEL=1 python -m bench.engines` for the one-slot run):",
        "",
        "| xllamacpp slots | TTFT p50 ours / theirs | ratio | answer p50 ours / theirs | ratio | same text | within 10 % |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        ours, theirs = run["xllamacpp"], run["llama-cpp-python"]
        within = abs(run["seconds_ratio"] - 1) <= 0.10 and abs(run["ttft_ratio"] - 1) <= 0.10
        lines.append(
            f"| {run.get('parallel', '?')} | {ours['ttft_p50']:.2f} s / {theirs['ttft_p50']:.2f} s | {run['ttft_ratio']:.2f}× "
            f"| {ours['seconds_p50']:.2f} s / {theirs['seconds_p50']:.2f} s | {run['seconds_ratio']:.2f}× "
            f"| {run['same_text']}/{run['prompts']} | {_status(within)} |"
        )
    return lines + [
        "",
        "With one slot (the default) the engines are level; two slots cost the single user 15-25 % "
        "on this 2-core machine. Answer texts differ on 2 of 6 prompts at temperature 0 (both engines are llama.cpp, "
        "of different versions).",
        "",
    ]


def _concurrency_rows(run: dict[str, Any]) -> list[str]:
    engine, ask, users, slots = run["engine"], run["ask"], run["users"], run["parallel_slots"]
    return [
        f"| {slots} | {engine['n']} `ChatLLM.complete` calls (32 tokens) | — | {engine['sequential_s']:.1f} s | "
        f"{engine['concurrent_s']:.1f} s | {engine['ratio']:.2f}× | |",
        f"| {slots} | {ask['n']} gold questions through `Assistant.ask` | ≤ 0.7× | {ask['sequential_s']:.1f} s | "
        f"{ask['concurrent_s']:.1f} s | {ask['ratio']:.2f}× | {_status(ask['ratio'] <= 0.7)} |",
        f"| {slots} | {users['n']} users streaming: p95 time to first text | ≤ 2× one user's | {users['single_ttft_s']:.1f} s "
        f"(one user) | p50 {users['ttft_p50_s']:.1f} s, p95 {users['ttft_p95_s']:.1f} s | {users['ratio_p95']:.2f}× "
        f"| {_status(users['ratio_p95'] <= 2)} |",
        f"| {slots} | memory of that process (VmRSS after / peak VmHWM) | ≤ 3 GB | loaded {run['memory_loaded_mb'] / 1024:.2f} GB "
        f"| {run['memory_after_mb'] / 1024:.2f} / {run['memory_peak_mb'] / 1024:.2f} GB | | "
        f"{_status(run['memory_peak_mb'] <= 3 * 1024)} |",
    ]
