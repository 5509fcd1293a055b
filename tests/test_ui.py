"""The chat UI without a browser: its handlers on the real Assistant, its rendering, its API via gradio_client.

The app is launched once per module on a free loopback port over the session's real index and models.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from rag import Assistant, Citation, Settings
from rag.documents import load_document
from rag.types import Answer, DocumentInfo, EventAnswer, Trace
from rag.ui import ChatHandlers, build_ui, launch_options, page_options
from rag.ui.render import (
    escape_html,
    render_answer,
    render_document,
    render_documents,
    render_draft,
    render_passages,
    render_status,
    renumber,
    renumbered,
)

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


def cite(marker: int, source: str = BORDER_FILE, quote: str = "a 7,600-kilometre border") -> Citation:
    return Citation(source, quote, (9, 9), 0.8, marker, "Kazakh leader meets Putin", (10, 34), "2022-11-28")


def chips(html: str) -> list[str]:
    return re.findall(r'<(?:button|span)[^>]*class="cite[^"]*"[^>]*>(\d+)</', html)


# --- point 1: chips, numbered 1..n in reading order, no Markdown on screen -------------------------


def test_markers_become_chips_numbered_1_to_n_in_reading_order_without_asterisks() -> None:
    answer = Answer("q", "Putin called [4][2]. Mirziyoyev wrote [2] and **Japarov** too [7].", False, [cite(2), cite(4), cite(7)])

    shown = render_answer(answer, message=3)

    assert chips(shown.split('class="rag-sources"')[0]) == ["1", "2", "2", "3"]
    assert "*" not in shown and "Japarov" in shown
    assert 'class="cite at-3-0"' in shown  # chip 1 points at message 3, first citation (old marker 4)
    assert [c.marker for c in renumbered(answer)[1]] == [1, 2, 3]


def test_the_streamed_draft_and_the_final_answer_number_their_chips_alike() -> None:
    text = "The border is long [3]. It is 7,600 km [1] [3]."
    answer = Answer("q", text, False, [cite(1), cite(3)])

    final = chips(render_answer(answer).split('class="rag-sources"')[0])
    for cut in range(len(text) + 1):  # every prefix the stream can show
        streamed = chips(render_draft(text[:cut]))
        assert streamed == final[: len(streamed)]
    assert renumber(text) == {3: 1, 1: 2}


def test_hover_text_of_a_chip_carries_the_title_and_the_quote() -> None:
    shown = render_answer(Answer("q", "It is 7,600 km [1].", False, [cite(1)]))

    title = re.search(r'<button[^>]*title="([^"]*)"', shown)
    assert title and "Kazakh leader meets Putin" in title.group(1) and "7,600-kilometre border" in title.group(1)


def test_model_and_document_text_is_shown_as_text_never_as_markup() -> None:
    hostile = '<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) ${a} **b**'
    shown = render_answer(Answer("q", hostile + " [1]", False, [cite(1, quote=hostile)]))

    assert "<script" not in shown and "<img" not in shown and "](javascript:" not in shown and "${" not in shown
    visible_answer = re.sub(r"<[^>]+>", "", shown.split('class="rag-sources"')[0])  # the quote may hold `*`; the answer not
    assert "&lt;script&gt;" in shown and "*" not in visible_answer


def test_a_document_containing_a_script_tag_is_shown_as_text_with_the_quote_marked(tmp_path: Path) -> None:
    page = tmp_path / "evil.txt"
    page.write_text("Headline\n\nThe minister said <script>alert('x')</script> nothing.\nSecond line.\n", encoding="utf-8")
    document = load_document(page, "evil.txt")
    start = document.raw.index("<script>")
    quote = "<script>alert('x')</script>"
    citation = Citation("evil.txt", quote, (3, 3), 0.9, 1, "Headline", (start, start + len(quote)))

    rendered = render_document(document, citation, "Answer 1 · source 1")

    assert "<script>" not in rendered
    assert "<mark>&lt;script&gt;alert&#40;&#x27;x&#x27;&#41;&lt;/script&gt;</mark>" in rendered
    assert '<span class="ln">3</span>' in rendered and "Answer 1 · source 1" in rendered


# --- point 2: progress with elapsed time, Stop -----------------------------------------------------


def test_the_status_line_shows_the_stage_and_the_elapsed_seconds() -> None:
    shown = render_status("Reading 5 sentences from 3 articles…", "run1", 4.6, "So far [2]")

    assert "Reading 5 sentences from 3 articles…" in shown and ">4 s<" in shown and 'data-run="run1"' in shown
    assert 'role="status"' in shown and chips(shown) == ["1"]


def test_an_answer_streams_its_stages_disables_ask_and_ends_with_chips_and_the_panel_on_its_source(
    assistant: Assistant,
) -> None:
    updates = chat_updates(ChatHandlers(assistant).respond(BORDER_QUESTION, [], [], {}, 5, False))

    first, last = updates[0], updates[-1]
    assert 'class="rag-status"' in first[0][-1]["content"]  # the status at once
    assert first[1]["value"] == "" and first[1]["interactive"] is False  # the box cleared and locked
    assert first[6]["interactive"] is False and first[7]["visible"] is True  # Ask disabled, Stop shown
    chat, _, history, known, panel = last[:5]
    assert "7,600" in chat[-1]["content"] and chips(chat[-1]["content"])[0] == "1"
    assert known["1"][0].marker == 1 and history[-1]["role"] == "assistant"
    assert "Answer 1 · source 1" in panel and "<mark>" in panel
    assert last[6]["interactive"] is True and last[7]["visible"] is False


def chat_updates(updates: AsyncIterator[Any]) -> list[Any]:
    """Every update an (async) chat handler yields, run to its end as Gradio would."""

    async def collect() -> list[Any]:
        return [update async for update in updates]

    return asyncio.run(collect())


def test_an_answer_stopped_while_the_model_drafts_it_ends_and_the_model_is_free_for_the_next(assistant: Assistant) -> None:
    from tests.test_llm import _wait_idle

    async def stop_while_drafting() -> list[str]:
        updates = ChatHandlers(assistant).respond(BORDER_QUESTION, [], [], {}, 5, False)
        shown = []
        async for update in updates:
            shown.append(update[0][-1]["content"])
            if "Writing the answer" in shown[-1]:
                break
        await updates.aclose()  # what Stop does to the running handler (Gradio cancels its task)
        return shown

    shown = asyncio.run(stop_while_drafting())

    assert "Writing the answer" in shown[-1] and not any("rag-answer" in s and "rag-status" not in s for s in shown)
    assert not any(slot.get("is_processing") for slot in _wait_idle(assistant.llm))  # the model call was cancelled
    assert assistant.llm.complete([{"role": "user", "content": "Say yes."}], max_tokens=2).text  # and takes the next


def test_after_stop_the_answer_sends_no_further_update_that_would_paint_over_stopped(assistant: Assistant) -> None:
    from tests.test_llm import _wait_idle

    async def stop_after_the_first_update() -> tuple[list[Any], list[Any]]:
        handlers = ChatHandlers(assistant)
        updates = handlers.respond(BORDER_QUESTION, [], [], {}, 5, False)
        first = await anext(updates)
        await handlers.stop(first[0])  # Stop runs as its own event, beside Gradio's cancel of the answer's task
        return first, [update async for update in updates]

    first, after = asyncio.run(stop_after_the_first_update())

    assert 'class="rag-status"' in first[0][-1]["content"]
    assert after == []  # the next stage would have drawn the status back over "Stopped" and locked Ask again
    assert not any(slot.get("is_processing") for slot in _wait_idle(assistant.llm))  # and the model call ended


def test_stop_returns_only_once_the_answers_own_task_has_ended(assistant: Assistant) -> None:
    from tests.test_llm import _wait_idle

    async def stop_from_another_task() -> tuple[bool, int, int]:
        handlers = ChatHandlers(assistant)
        seen: list[Any] = []
        shown = asyncio.Event()

        async def answer() -> None:  # as Gradio's queue runs an answer: its own task iterating the handler
            async for update in handlers.respond(BORDER_QUESTION, [], [], {}, 5, False):
                seen.append(update)
                shown.set()

        task = asyncio.create_task(answer())
        await shown.wait()
        await handlers.stop(seen[0][0])
        count = len(seen)
        await asyncio.sleep(0.5)
        return task.done(), count, len(seen)

    ended, at_stop, later = asyncio.run(stop_from_another_task())

    assert ended and later == at_stop  # nothing can follow "Stopped" onto the page
    assert not any(slot.get("is_processing") for slot in _wait_idle(assistant.llm))


def test_stop_keeps_the_words_so_far_and_gives_ask_back(assistant: Assistant) -> None:
    pending = render_status("Writing…", "r", 3, "The border is")
    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": [{"type": "text", "text": pending}]}]

    stopped, box, ask, stop = asyncio.run(ChatHandlers(assistant).stop(chat))

    assert "Stopped" in stopped[-1]["content"] and "The border is" in stopped[-1]["content"]
    assert "rag-status" not in stopped[-1]["content"]
    assert box["interactive"] is True and ask["interactive"] is True and stop["visible"] is False


# --- point 3: the panel follows the newest answer; a refusal clears it and says why ----------------


def test_a_refusal_says_why_and_clears_the_source_panel(assistant: Assistant) -> None:
    refusal = Answer("q", "The documents do not say.", True, trace=Trace(refusal_reason="No passage mentions a ferry."))

    shown = render_answer(refusal)
    panel = ChatHandlers(assistant)._newest_panel(refusal, 1, {})

    assert "Not in the documents" in shown and "No passage mentions a ferry." in shown and "Sources" not in shown
    assert "No source for this answer" in panel and "No passage mentions a ferry." in panel


def test_a_chip_of_an_older_answer_opens_that_answers_citation(assistant: Assistant) -> None:
    known = {"1": [cite(1)], "3": [cite(1, "004_9f8dad8495adc576.txt", "Tokayev"), cite(2)]}

    panel = ChatHandlers(assistant).open_source("1:0:1712345", known)

    assert "Answer 1 · source 1" in panel and BORDER_FILE in panel and "<mark>" in panel


def test_the_source_panel_refuses_a_forged_citation_pointing_outside(assistant: Assistant) -> None:
    forged = Citation(source="../../../../etc/passwd", quote="root", lines=(1, 1), score=1.0, marker=1)
    panel = ChatHandlers(assistant).open_source("0:0", {"0": [forged]})
    assert "root:" not in panel and "not an indexed document" in panel


# --- point 4: documents with titles and dates, one-step upload, removal ----------------------------


def test_the_document_list_shows_titles_dates_and_chunks() -> None:
    rows = render_documents([DocumentInfo("a.txt", "Lake report", "2023-01-03", 2), DocumentInfo("b.txt", "", "", 1)])

    assert rows == [["Lake report", "2023-01-03", "a.txt", 2], ["b.txt", "–", "b.txt", 1]]


def test_an_upload_is_indexed_in_one_step_listed_by_title_and_removed_after_confirmation(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "base.txt").write_text("Base article\n\nThe town council met on Monday to discuss the budget.\n")
    fresh = make_assistant(corpus)
    fresh.ingest()
    upload = tmp_path / "incoming" / "Lake Report.md"
    upload.parent.mkdir()
    upload.write_text("# Lake report\n\nThe lake froze over on 3 January for the first time in ten years.\n")
    handlers = ChatHandlers(fresh)
    steps: list[Any] = []

    status, rows, picker, label, cleared = handlers.upload([str(upload)], progress=lambda *a, **k: steps.append(a))

    assert "Added 1 file" in status and "Lake report" in status and "base.txt" not in status
    source = f"{fresh.settings.upload_dir.name}/Lake_Report.md"
    assert any(row[0] == "Lake report" and row[2:] == [source, 1] for row in rows)
    assert steps and label["label"] == "Documents (2)" and cleared is None
    row, question = handlers.ask_remove(source)
    assert row["visible"] is True and "Lake report" in question
    hidden, done, rows, _, label = handlers.remove(source)
    assert hidden["visible"] is False and "Removed" in done and label["label"] == "Documents (1)"
    assert all(r[2] != source for r in rows)


# --- point 7: per-event answers ----------------------------------------------------------------------


def test_an_answer_covering_two_elections_shows_each_with_its_year() -> None:
    events = [EventAnswer("2022", "81.31 per cent [2]", ("b.txt",)), EventAnswer("2019", "70.96 per cent [1]", ("a.txt",))]
    answer = Answer("q", "He won 70.96 per cent in 2019 [1] and 81.31 per cent in 2022 [2].", False, [cite(1), cite(2)], events=events)

    shown = render_answer(answer)

    table = shown[shown.index('class="rag-events"') :]
    assert re.search(r"<th[^>]*>2022</th><td>81\.31 per cent <button[^>]*>2</button>", table)
    assert re.search(r"<th[^>]*>2019</th><td>70\.96 per cent <button[^>]*>1</button>", table)


# --- the app itself ------------------------------------------------------------------------------------


def test_launch_and_mount_options_bind_loopback_by_default_and_rag_auth_turns_on_the_login() -> None:
    default = launch_options(Settings())
    configured = launch_options(Settings.load(env={"RAG_HOST": "0.0.0.0", "RAG_PORT": "8123", "RAG_AUTH": "ann:s3:cret"}))

    assert (default["server_name"], default["server_port"], default["auth"]) == ("127.0.0.1", 7860, None)
    assert (configured["server_name"], configured["server_port"]) == ("0.0.0.0", 8123)
    assert configured["auth"] == ("ann", "s3:cret")
    assert set(page_options()) <= set(default) and "button.cite" in page_options()["css"]


def test_retrieved_passages_show_their_scores_used_ones_first_and_the_checks(assistant: Assistant) -> None:
    passages = assistant.retrieve(BORDER_QUESTION, top_k=2)

    table = render_passages(passages, ["Refused: nothing"])

    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    used = sum(1 for passage in passages if passage.number)
    assert rows[0].startswith("| 1 |") and all(not row.startswith("| not used") for row in rows[:used])
    assert "How the answer was checked" in table and "Refused: nothing" in table
    assert escape_html("x") == "x"


@pytest.mark.slow
def test_the_ask_endpoint_answers_with_the_border_length_and_cites_its_article(ui_url: str) -> None:
    result = Client(ui_url, verbose=False).predict(BORDER_QUESTION, api_name="/ask")

    assert result["refused"] is False and "7,600" in result["answer"]
    cited = next(c for c in result["citations"] if c["source"] == BORDER_FILE)
    assert cited["quote"] and cited["title"] and cited["lines"][0] >= 1


def test_the_ask_endpoint_turns_an_empty_question_into_an_error_message_not_a_traceback(ui_url: str) -> None:
    result = Client(ui_url, verbose=False).predict("   ", api_name="/ask")

    assert result["error_type"] == "InvalidQuestionError" and "empty" in result["error"]
    assert result["citations"] == []


def test_an_empty_question_in_the_chat_becomes_a_polite_message(assistant: Assistant) -> None:
    *_, last = chat_updates(ChatHandlers(assistant).respond("", [], [], {}, 4, False))

    assert "couldn't answer" in last[0][-1]["content"] and "empty" in last[0][-1]["content"]
    assert last[6]["interactive"] is True  # Ask is back
