"""`ChatLLM` on both engines: the packaged model in-process, and a real OpenAI-compatible server on loopback.

Every behaviour the answering code relies on is checked on both paths with the real model:
constrained JSON, token log-probabilities, streaming, cancellation, token counts, parallel requests,
and errors that say what to do. Generations are kept to a few tokens; each costs about a second.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage

from rag import Assistant, LLMError, Settings
from rag.llm import ChatLLM, Completion, as_llama_index, generate, make_llm
from rag.llm_engines import HttpEngine, InProcessEngine
from tests.test_servers import _free_port, openai_llm_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
VERDICT = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "enum": ["yes", "no"]},
        "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
    },
    "required": ["answer", "confidence"],
    "additionalProperties": False,
}
PARIS = [{"role": "user", "content": "Is Paris the capital of France? Answer yes or no."}]
COUNT = [{"role": "user", "content": "Count from 1 to 200, separated by commas."}]
COUNT_AS_TOLD = [{"role": "system", "content": "You do exactly what you are told."}, *COUNT]


@pytest.fixture(scope="module")
def server_llm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatLLM]:
    with openai_llm_server(tmp_path_factory.mktemp("llm-server") / "llm.log") as url:
        llm = make_llm(Settings(llm_url=url, llm_timeout=60.0))
        yield llm
        llm.close()


@pytest.fixture(params=["in-process", "server"])
def llm(request: pytest.FixtureRequest, assistant: Assistant) -> ChatLLM:
    if request.param == "in-process":
        local = assistant.llm  # the session's model: one copy in memory
        assert isinstance(local, ChatLLM) and isinstance(local.engine, InProcessEngine)
        return local
    remote: ChatLLM = request.getfixturevalue("server_llm")
    assert isinstance(remote.engine, HttpEngine)
    return remote


def _wait_idle(llm: ChatLLM, limit_s: float = 30) -> list[dict[str, object]]:
    """The slots once none is processing; a cancelled generation stops at its next token."""
    deadline = time.monotonic() + limit_s
    slots = llm.slots()
    while any(slot.get("is_processing") for slot in slots) and time.monotonic() < deadline:
        time.sleep(0.1)
        slots = llm.slots()
    return slots


def test_json_schema_output_parses_and_obeys_the_schema(llm: ChatLLM) -> None:
    result = llm.complete(PARIS, max_tokens=40, json_schema=VERDICT)
    data = json.loads(result.text)
    assert set(data) == {"answer", "confidence"}
    assert data["answer"] in ("yes", "no") and isinstance(data["confidence"], int) and 0 <= data["confidence"] <= 100
    assert result.completion_tokens > 0 and result.prompt_tokens > 0


def test_log_probabilities_come_with_top_alternatives(llm: ChatLLM) -> None:
    result = llm.complete(PARIS, max_tokens=2, top_logprobs=5)
    assert len(result.logprobs) == result.completion_tokens == 2
    first = result.logprobs[0]
    assert result.text.startswith(first.token)
    assert first.logprob <= 0 and 2 <= len(first.top) <= 5
    assert first.top[first.token] == pytest.approx(first.logprob, abs=1e-4)  # greedy: the chosen token is the best one
    assert max(first.top.values()) == pytest.approx(first.logprob, abs=1e-4)
    assert first.token.strip().lower() == "yes"
    assert any(token.strip().lower() == "no" for token in first.top) or len(first.top) == 5
    assert llm.complete(PARIS, max_tokens=2).logprobs == []  # not asked for, not computed


def test_streamed_deltas_join_to_the_text_of_a_plain_completion(llm: ChatLLM) -> None:
    usage: list[Completion] = []
    deltas = list(llm.stream(COUNT, max_tokens=12, usage=usage))
    whole = llm.complete(COUNT, max_tokens=12)
    assert len(deltas) > 1
    assert "".join(deltas) == whole.text  # greedy decoding: the same tokens either way
    assert [(u.text, u.prompt_tokens, u.completion_tokens) for u in usage] == [(whole.text, whole.prompt_tokens, whole.completion_tokens)]


def test_a_metered_copy_counts_every_call_and_what_the_prompt_cache_saved(llm: ChatLLM) -> None:
    metered = llm.metered()
    first = metered.complete(COUNT, max_tokens=2)
    again = "".join(metered.stream(COUNT, max_tokens=2))  # the same prompt: llama.cpp reuses its cached prefix

    assert again and [c.prompt_tokens for c in metered.calls or []] == [first.prompt_tokens] * 2
    assert (metered.calls or [])[1].cached_tokens > first.prompt_tokens // 2  # most of it read from the cache
    assert all(0 <= c.cached_tokens <= c.prompt_tokens for c in metered.calls or [])
    assert llm.calls is None  # the original records nothing: each answer meters its own copy


@pytest.fixture(scope="module")
def reproducible_llm() -> Iterator[ChatLLM]:
    llm = make_llm(Settings(llm_reproducible=True))
    yield llm
    llm.close()


def test_a_reproducible_answer_does_not_depend_on_the_request_before_it(reproducible_llm: ChatLLM) -> None:
    """Without it llama.cpp reuses the previous prompt's shared part, computed in other batches: the logits
    differ in their last bits, and a greedy small model now and then picks another word."""
    facts = " ".join(f"On day {day} turnout was {40 + day} percent." for day in range(1, 25))
    ask = [{"role": "system", "content": "Answer in one short sentence."}, {"role": "user", "content": f"{facts} Day 7?"}]
    other = [ask[0], {"role": "user", "content": f"{facts} Which day had 55 percent?"}]

    before = reproducible_llm.complete(ask, max_tokens=6, top_logprobs=3)
    reproducible_llm.complete(other, max_tokens=6)
    after = reproducible_llm.complete(ask, max_tokens=6, top_logprobs=3)

    assert after.text == before.text
    assert [(t.token, t.logprob, t.top) for t in after.logprobs] == [(t.token, t.logprob, t.top) for t in before.logprobs]
    # Only the system prompt's saved state is reused, never the other question's shared facts.
    assert 0 < after.cached_tokens == before.cached_tokens < after.prompt_tokens // 4


def test_a_reproducible_stream_closed_early_frees_its_slot_and_streams_what_a_completion_returns(
    reproducible_llm: ChatLLM,
) -> None:
    stream = reproducible_llm.stream(COUNT_AS_TOLD, max_tokens=200)
    first = [next(stream) for _ in range(3)]
    stream.close()  # type: ignore[attr-defined]
    assert "".join(first).startswith("1")
    streamed = "".join(reproducible_llm.stream(COUNT_AS_TOLD, max_tokens=8))
    assert streamed == reproducible_llm.complete(COUNT_AS_TOLD, max_tokens=8).text


def test_closing_a_stream_early_stops_the_generation_and_frees_the_slot(llm: ChatLLM) -> None:
    stream = llm.stream(COUNT, max_tokens=200)
    first = [next(stream) for _ in range(3)]
    stream.close()  # type: ignore[attr-defined]
    assert "".join(first).startswith("1")
    slots = _wait_idle(llm)
    assert not any(slot.get("is_processing") for slot in slots)
    assert llm.complete(PARIS, max_tokens=2).text  # the engine takes the next request


def test_stop_sequences_end_the_answer(llm: ChatLLM) -> None:
    result = llm.complete(COUNT, max_tokens=30, stop=["5"])
    assert result.text.startswith("1") and "5" not in result.text and "4" in result.text


def test_prompt_tokens_are_counted_like_the_engine_counts_them(llm: ChatLLM) -> None:
    assert llm.count_tokens(PARIS) == llm.complete(PARIS, max_tokens=1).prompt_tokens


def test_four_concurrent_completions_all_succeed_in_parallel_slots(llm: ChatLLM) -> None:
    questions = [[{"role": "user", "content": f"What is {n} plus {n}? Reply with the number only."}] for n in (2, 3, 4, 5)]
    results: dict[int, Completion] = {}
    errors: list[BaseException] = []

    def ask(index: int) -> None:
        try:
            results[index] = llm.complete(questions[index], max_tokens=4)
        except BaseException as exc:  # noqa: BLE001 - collected and reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [results[i].text.strip() for i in range(4)] == ["4", "6", "8", "10"]


def test_a_prompt_beyond_the_context_is_an_llm_error_that_says_what_to_do(llm: ChatLLM) -> None:
    huge = [{"role": "user", "content": "word " * 6000}]
    with pytest.raises(LLMError, match="Shorten the question or") as raised:
        llm.complete(huge, max_tokens=1)
    assert ("RAG_LLM_CONTEXT" in str(raised.value)) == isinstance(llm.engine, InProcessEngine)
    with pytest.raises(LLMError, match="Shorten the question or"):
        list(llm.stream(huge, max_tokens=1))


def test_an_invalid_json_schema_is_an_llm_error(llm: ChatLLM) -> None:
    with pytest.raises(LLMError):
        llm.complete(PARIS, max_tokens=4, json_schema={"type": "no-such-type"})


def test_a_server_that_is_down_is_an_llm_error_naming_its_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    down = make_llm(Settings(llm_url=url, llm_timeout=5.0))
    with pytest.raises(LLMError, match="cannot be reached") as raised:
        down.complete(PARIS, max_tokens=1)
    assert url in str(raised.value)
    with pytest.raises(LLMError, match="cannot be reached"):
        list(down.stream(PARIS, max_tokens=1))


def test_generate_accepts_llama_index_messages_and_dicts(assistant: Assistant) -> None:
    llm = assistant.llm
    assert isinstance(llm, ChatLLM)
    as_messages = "".join(generate(llm, [ChatMessage(role="user", content=PARIS[0]["content"])], max_tokens=3))
    as_dicts = "".join(generate(llm, PARIS, max_tokens=3))
    assert as_messages == as_dicts and as_dicts.lower().startswith("yes")


def test_the_llama_index_adapter_chats_and_completes_with_the_same_model(assistant: Assistant) -> None:
    llm = assistant.llm
    assert isinstance(llm, ChatLLM)
    adapted = as_llama_index(llm)
    prompt = "Reply with exactly one word: ready"
    expected = llm.complete([{"role": "user", "content": prompt}], max_tokens=llm.max_tokens).text
    assert adapted.complete(prompt).text == expected
    assert adapted.chat([ChatMessage(role="user", content=prompt)]).message.content == expected
    assert "".join(r.delta or "" for r in adapted.stream_chat([ChatMessage(role="user", content=prompt)])) == expected
    assert adapted.metadata.is_chat_model and adapted.metadata.context_window == llm.context_window


def test_loading_the_engine_keeps_python_s_signal_handling() -> None:
    """The engine installs its own SIGINT/SIGTERM handlers; `make_llm` must put Python's back."""
    script = textwrap.dedent(
        """
        import os, signal, time
        from rag import Settings
        from rag.llm import make_llm
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a background parent may have left SIGINT ignored
        llm = make_llm(Settings(llm_parallel=1, llm_context=512))
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(300):  # short sleeps: the signal may land on one of the engine's threads
                time.sleep(0.1)
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert "KeyboardInterrupt" in done.stdout, done.stderr[-2000:]
    assert done.returncode == -signal.SIGTERM, done.stderr[-2000:]


def test_an_engine_never_closed_leaves_no_saved_slot_states_behind(tmp_path: Path) -> None:
    """A one-shot process (`rag ask`) exits without closing its LLM: its temporary files must go with it."""
    script = textwrap.dedent(
        """
        import tempfile
        from pathlib import Path
        from rag import Settings
        from rag.llm import make_llm
        plain = make_llm(Settings(llm_parallel=1, llm_context=512))
        print("plain:", sorted(p.name for p in Path(tempfile.gettempdir()).iterdir()), flush=True)
        reproducible = make_llm(Settings(llm_parallel=1, llm_context=512, llm_reproducible=True))
        reproducible.complete([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], max_tokens=2)
        print("reproducible:", sorted(p.name for p in Path(tempfile.gettempdir()).iterdir()), flush=True)
        """
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "plain: []" in done.stdout  # no slot states without reproducible answers
    assert "reproducible: ['rag-llm-slots-" in done.stdout  # …which save them while the process runs
    assert list(tmp_path.iterdir()) == []  # …and remove them at exit, unclosed
