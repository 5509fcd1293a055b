"""The chat UI: its HTTP API through gradio_client, its handlers, and that everything it shows is escaped text.

The app is launched once per module on a free loopback port over the session's real index and models.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from rag import Assistant, Citation, ConfigError, Settings
from rag.documents import load_document
from rag.types import Answer
from rag.ui import ChatHandlers, build_ui, launch_options
from rag.ui_render import escape_md, render_answer, render_document, render_passages
from rag.ui_uploads import safe_name, save_uploads

BORDER_QUESTION = "How long is the border between Kazakhstan and Russia?"
BORDER_FILE = "002_0eec3ad352a25b00.txt"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@pytest.fixture(scope="module")
def ui_url(assistant: Assistant) -> Iterator[str]:
    """The real UI over the session index, served on 127.0.0.1 until the module's tests are done."""
    demo = build_ui(assistant)
    options = launch_options(assistant.settings) | {"server_name": "127.0.0.1", "server_port": free_port()}
    demo.launch(prevent_thread_lock=True, quiet=True, **options)
    url = f"http://127.0.0.1:{options['server_port']}/"
    try:
        wait_until_serving(url)
        yield url
    finally:
        demo.close()


@pytest.mark.slow
def test_the_ask_endpoint_answers_with_the_border_length_and_cites_its_article(ui_url: str) -> None:
    result = Client(ui_url, verbose=False).predict(BORDER_QUESTION, api_name="/ask")

    assert result["refused"] is False
    assert "7,600" in result["answer"]
    assert BORDER_FILE in {citation["source"] for citation in result["citations"]}
    cited = next(c for c in result["citations"] if c["source"] == BORDER_FILE)
    assert cited["quote"] and cited["title"] and cited["lines"][0] >= 1


def test_the_ask_endpoint_turns_an_empty_question_into_an_error_message_not_a_traceback(ui_url: str) -> None:
    result = Client(ui_url, verbose=False).predict("   ", api_name="/ask")

    assert result["error_type"] == "InvalidQuestionError"
    assert "empty" in result["error"]
    assert result["citations"] == []


def test_an_empty_question_in_the_chat_becomes_a_polite_message(assistant: Assistant) -> None:
    *_, last = ChatHandlers(assistant).respond("", [], [], {}, 4, False)
    chat = last[0]

    assert chat[-1]["role"] == "assistant"
    assert "couldn't answer" in chat[-1]["content"] and "empty" in chat[-1]["content"]
    assert "Traceback" not in chat[-1]["content"]


def test_a_document_containing_a_script_tag_is_shown_as_text_with_the_quote_marked(tmp_path: Path) -> None:
    page = tmp_path / "evil.txt"
    page.write_text("Headline\n\nThe minister said <script>alert('x')</script> nothing.\nSecond line.\n", encoding="utf-8")
    document = load_document(page, "evil.txt")
    start = document.raw.index("<script>")
    quote = "<script>alert('x')</script>"
    citation = Citation("evil.txt", quote, (3, 3), 0.9, 1, "Headline", (start, start + len(quote)))

    rendered = render_document(document, citation)

    assert "<script>" not in rendered
    assert "<mark>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</mark>" in rendered
    assert '<span class="ln">3</span>' in rendered and "evil.txt" in rendered


def test_template_syntax_in_a_document_cannot_reach_the_html_components_template_engine(tmp_path: Path) -> None:
    page = tmp_path / "template.txt"
    page.write_text("Headline\n\nCost ${price} and {{value}} today.\n", encoding="utf-8")

    rendered = render_document(load_document(page, "template.txt"))

    assert "${" not in rendered and "{{" not in rendered
    assert "&#36;&#123;price&#125;" in rendered


def test_launch_options_bind_loopback_by_default_and_rag_auth_turns_on_the_login() -> None:
    default = launch_options(Settings())
    configured = launch_options(Settings.load(env={"RAG_HOST": "0.0.0.0", "RAG_PORT": "8123", "RAG_AUTH": "ann:s3:cret"}))

    assert (default["server_name"], default["server_port"], default["auth"]) == ("127.0.0.1", 7860, None)
    assert (configured["server_name"], configured["server_port"]) == ("0.0.0.0", 8123)
    assert configured["auth"] == ("ann", "s3:cret")


def test_model_output_is_rendered_as_text_not_markdown_or_html() -> None:
    shown = escape_md("**bold** <img src=x onerror=alert(1)> [link](http://x) $x$")

    assert "<img" not in shown and "&lt;img" in shown
    assert "**" not in shown.replace("\\*", "")
    assert "](" not in shown


def test_a_refusal_says_not_in_the_documents_and_lists_no_sources() -> None:
    shown = render_answer(Answer("What is the capital of France?", "I couldn't find the answer to that in the documents.", True))

    assert "Not in the documents" in shown
    assert "Sources" not in shown


def test_an_answer_lists_each_cited_file_title_quote_and_lines_under_the_text() -> None:
    citation = Citation(BORDER_FILE, "a 7,600-kilometre border", (12, 12), 0.8, 1, "Kazakhstan votes", (10, 34))
    shown = render_answer(Answer(BORDER_QUESTION, "The border is 7,600 km long [1].", False, [citation]))

    assert "**[1]**" in shown
    assert "Sources" in shown and escape_md(BORDER_FILE) in shown and "Kazakhstan votes" in shown
    assert escape_md("a 7,600-kilometre border") in shown and "line 12" in shown


def test_uploads_keep_allowed_types_under_a_sanitised_name_in_the_upload_folder_only(
    assistant: Assistant, tmp_path: Path
) -> None:
    settings = assistant.settings.replace(upload_dir=tmp_path / "uploads")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "..evil name;rm -rf.md").write_text("# Note\nSome text.\n")
    (incoming / "tool.exe").write_bytes(b"MZ")
    (incoming / "big.txt").write_text("x" * 2048)
    small = settings.replace(max_file_mb=0.001)

    result = save_uploads(sorted(incoming.iterdir()), small)

    assert result.saved == ["evil_name_rm_-rf.md"]
    assert (tmp_path / "uploads" / "evil_name_rm_-rf.md").is_file()
    reasons = dict(result.rejected)
    assert "accepted" in reasons["tool.exe"] and "limit" in reasons["big.txt"]
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"


def test_an_upload_folder_inside_the_seed_corpus_is_refused(assistant: Assistant, tmp_path: Path) -> None:
    inside = assistant.settings.replace(upload_dir=assistant.settings.corpus_dir / "uploads")
    page = tmp_path / "a.txt"
    page.write_text("text")

    with pytest.raises(ConfigError, match="must not be inside"):
        save_uploads([page], inside)


def test_uploaded_articles_are_indexed_and_listed_in_the_corpus_view(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.txt").write_text("Base article\n\nThe town council met on Monday to discuss the budget.\n")
    fresh = make_assistant(corpus)
    fresh.ingest()
    upload = tmp_path / "incoming" / "Lake Report.md"
    upload.parent.mkdir()
    upload.write_text("# Lake report\n\nThe lake froze over on 3 January for the first time in ten years.\n")

    status, rows, cleared = ChatHandlers(fresh).add_files([str(upload)], progress=lambda *a, **k: None)

    assert "Indexed Lake\\_Report\\.md" in status
    assert ["base.txt", 1] in rows and [f"{fresh.settings.upload_dir.name}/Lake_Report.md", 1] in rows
    assert cleared is None
    assert not (corpus / "Lake_Report.md").exists()


def test_retrieved_passages_show_their_scores_used_ones_first_and_only_a_few_unused(assistant: Assistant) -> None:
    passages = assistant.retrieve(BORDER_QUESTION, top_k=2)

    table = render_passages(passages)

    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    used = sum(1 for passage in passages if passage.number)
    assert rows[0].startswith("| 1 |") and all(not row.startswith("| not used") for row in rows[:used])
    assert len(rows) == used + min(5, len(passages) - used)
    assert escape_md(BORDER_FILE) in table
