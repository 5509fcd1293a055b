"""The chat UI in a real browser: Debian's chromium driven by Playwright (never `playwright install`).

One server for the module, on its own index of the seeds (the upload test adds and removes a file),
sharing the session's loaded models. Every wait is for something visible; the only clock is Stop's
bounded wait. Screenshots go to the test's tmp dir, and to docs/ with UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from rag import Assistant
from rag.ui import build_ui, launch_options
from tests.test_ui import free_port, wait_until_serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DOCS = Path(__file__).resolve().parents[1] / "docs"
ANSWER_TIMEOUT_MS = 300_000  # the 1.5B model on two shared cores; a generous bound, not a speed check
STOP_TIMEOUT_MS = 5_000  # Stop must end the answer on screen within this (the issue asks 2 s; margin for load)
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
FERRY = (
    "Tinytown ferry returns after winter repairs\n\n"
    "The Tinytown ferry resumed service on 14 March 2023 after three months of repairs.\n"
    "The ferry now carries 240 passengers and crosses Lake Mirrow in 35 minutes.\n"
)
FERRY_QUESTION = "How many passengers does the Tinytown ferry carry?"
# Records, from the first paint, what appears only briefly: status stages, the chips of the pending
# answer while it streams, and upload progress texts.
RECORDER = """
window.__rec = {stages: [], chips: [], progress: []};
new MutationObserver(() => {
  const r = window.__rec, push = (list, v) => { if (v && list[list.length - 1] !== v) list.push(v); };
  document.querySelectorAll('#chat .rag-status').forEach((s) => push(r.stages, s.textContent.trim()));
  const pending = document.querySelector('#chat .rag-status');
  if (pending) push(r.chips, [...pending.parentElement.querySelectorAll('.cite')].map((c) => c.textContent).join(','));
  document.querySelectorAll('.progress-text, .progress-level-inner, .eta-bar').forEach((p) => push(r.progress, p.textContent.trim() || 'bar'));
}).observe(document, {childList: true, subtree: true, characterData: true});
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="BROWSER TEST SKIPPED: /usr/bin/chromium is missing; run `make browser` (apt-get install -y chromium) as root.",
    ),
]


@pytest.fixture(scope="module")
def app_url(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real UI over its own index of the seeds, on 127.0.0.1, for this module's tests."""
    base = tmp_path_factory.mktemp("browser-index")
    settings = assistant.settings.replace(index_dir=base / "index", upload_dir=base / "uploads")
    own = Assistant(settings, llm=assistant.llm, embedder=assistant.embedder)
    own.ingest()
    demo = build_ui(own)
    options = launch_options(settings) | {"server_name": "127.0.0.1", "server_port": free_port()}
    demo.launch(prevent_thread_lock=True, quiet=True, **options)
    url = f"http://127.0.0.1:{options['server_port']}/"
    try:
        wait_until_serving(url)
        yield url
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    page.add_init_script(RECORDER)
    page.goto(url)
    expect(page.locator("#chat")).to_be_visible(timeout=60_000)
    return page


def ask(page: Page, question: str) -> Locator:
    """Type the question and press Enter; the finished answer's message once it is there."""
    before = page.locator("#chat .bot").count()
    box = page.get_by_placeholder("Ask about the news articles…")
    box.fill(question)
    box.press("Enter")
    return finished(page, before)


def finished(page: Page, before: int = 0) -> Locator:
    """The answer after the first `before` bot messages, once it is final: sources, a refusal, an error."""
    answer = page.locator("#chat .bot").nth(before)  # pinned by position: `.last` would move on with the chat
    expect(answer.locator(".rag-sources, .refusal, .rag-error").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("#ask")).to_be_enabled()
    return answer


def chip_numbers(answer: Locator) -> list[int]:
    return [int(text) for text in answer.locator(".rag-answer button.cite").all_inner_texts()]


def first_seen(numbers: list[int]) -> list[int]:
    return list(dict.fromkeys(numbers))


def save_shot(page: Page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS / name)


def test_chips_number_1_to_n_open_their_source_from_any_answer_by_mouse_or_keyboard_and_axe_passes(
    browser: Browser, app_url: str, tmp_path: Path
) -> None:
    page = open_page(browser, app_url, DESKTOP)
    page.get_by_role("button", name="What share of the vote did Tokayev win in 2019 and in 2022?").click()  # examples send
    first = finished(page)
    rec: dict[str, Any] = page.evaluate("window.__rec")
    assert any(re.search(r"\d+ s$", stage) for stage in rec["stages"]), f"no status with elapsed seconds: {rec['stages']}"
    assert len(rec["stages"]) > 1, f"the status never moved on: {rec['stages']}"
    assert "*" not in first.inner_text()
    numbers = first_seen(chip_numbers(first))
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2, f"chips not 1..n in reading order: {numbers}"
    for streamed in filter(None, rec["chips"]):  # what the chips read while streaming is a prefix of the final
        seq = first_seen([int(n) for n in streamed.split(",")])
        assert seq == numbers[: len(seq)], f"chips changed after streaming: {streamed} -> {numbers}"
    events = first.locator(".rag-events")  # the answer covers two elections: one row per year
    expect(events.locator("th", has_text="2019")).to_be_visible()
    expect(events.locator("th", has_text="2022")).to_be_visible()
    panel = page.locator("#source-panel")
    expect(panel.locator(".doc-which")).to_have_text(re.compile(r"Answer 1 · source 1", re.I))  # follows the newest

    second = ask(page, "How long is the border between Kazakhstan and Russia?")
    expect(second).to_contain_text("7,600")
    assert "*" not in second.inner_text()
    expect(panel.locator(".doc-which")).to_have_text(re.compile(r"Answer 2 · source 1", re.I))

    chip = first.locator(".rag-answer button.cite", has_text=re.compile(r"^2$")).first  # chip [2] of the first answer
    quote = re.search(r"“(.+?)(?:…)?”$", chip.get_attribute("title") or "")
    cited_file = first.locator(".rag-sources li").nth(1).locator(".src-meta").inner_text().split(" · ")[0]
    chip.click()
    expect(panel.locator(".doc-which")).to_have_text(re.compile(r"Answer 1 · source 2", re.I))
    expect(panel.locator(".doc-file")).to_contain_text(cited_file)
    expect(panel.locator("mark").first).to_be_in_viewport()
    marked = " ".join(" ".join(panel.locator("mark").all_inner_texts()).split())
    assert quote and " ".join(quote.group(1).split())[:40] in marked, (quote, marked)
    # Frame the first answer (its text, years and chip [2] opened) inside the chat's own scroll box.
    first.locator(".rag-answer").evaluate(
        "el => { const box = el.closest('.bubble-wrap') || el.closest('[role=log]'); if (box) box.scrollTop = 0; }"
    )
    page.evaluate("window.scrollTo(0, 0)")
    save_shot(page, tmp_path, "ui-screenshot.png")

    second.locator("button.cite").first.focus()  # keyboard: a chip takes focus, Enter opens it
    page.keyboard.press("Enter")
    expect(panel.locator(".doc-which")).to_have_text(re.compile(r"Answer 2 · source 1", re.I))

    from axe_playwright_python.sync_playwright import Axe

    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    page.close()


def test_stop_ends_the_answer_at_once_and_the_next_question_is_answered(browser: Browser, app_url: str, tmp_path: Path) -> None:
    page = open_page(browser, app_url, DESKTOP)
    box = page.get_by_placeholder("Ask about the news articles…")
    box.fill("What did Tokayev promise after the election?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#chat .rag-status")).to_be_visible(timeout=30_000)  # shown from the moment Ask is pressed
    expect(page.locator("#ask")).to_be_disabled()
    expect(page.get_by_placeholder("Answering… press Stop to ask something else")).to_be_disabled()  # not silently dropped

    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#chat .rag-stopped")).to_be_visible(timeout=STOP_TIMEOUT_MS)
    expect(page.locator("#ask")).to_be_enabled(timeout=STOP_TIMEOUT_MS)
    expect(page.locator("#chat .rag-status")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "stopped.png"))

    page.locator("#new-chat").focus()  # keyboard only from here: Shift+Tab back to the question box, Enter asks
    for _ in range(60):
        if page.evaluate("document.activeElement?.closest('#question') !== null"):
            break
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement?.closest('#question') !== null"), "Tab never reaches the question box"
    page.keyboard.type("How long is the border between Kazakhstan and Russia?")
    page.keyboard.press("Enter")
    answer = finished(page, 1)
    expect(answer).to_contain_text("7,600")
    page.close()


def test_an_uploaded_article_is_listed_with_its_title_answers_cited_and_once_removed_is_refused(
    browser: Browser, app_url: str, tmp_path: Path
) -> None:
    article = tmp_path / "ferry news.txt"
    article.write_text(FERRY, encoding="utf-8")
    page = open_page(browser, app_url, DESKTOP)
    page.get_by_text("Documents (5)").click()
    page.locator("#upload input[type=file]").set_input_files(str(article))
    expect(page.locator("#upload-status")).to_contain_text("Added 1 file", timeout=120_000)
    expect(page.locator("#upload-status")).to_contain_text("Tinytown ferry returns after winter repairs")
    assert page.evaluate("window.__rec.progress"), "no upload progress was shown"
    listing = page.locator("#doc-list")
    expect(listing).to_contain_text("Tinytown ferry returns after winter repairs")
    expect(page.get_by_text("Documents (6)")).to_be_visible()

    answer = ask(page, FERRY_QUESTION)
    expect(answer).to_contain_text("240")
    expect(answer.locator(".rag-sources")).to_contain_text("ferry_news.txt")

    page.locator("#remove-pick input").click()
    page.get_by_role("option", name=re.compile("Tinytown ferry")).click()
    page.get_by_role("button", name="Remove…").click()
    expect(page.locator("#confirm-row")).to_contain_text("Tinytown ferry returns after winter repairs")
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.locator("#remove-status")).to_contain_text("Removed")
    expect(listing).not_to_contain_text("Tinytown ferry")
    expect(page.get_by_text("Documents (5)")).to_be_visible()

    refused = ask(page, FERRY_QUESTION)
    expect(refused.locator(".refusal")).to_be_visible()
    expect(page.locator("#source-panel")).to_contain_text("No source for this answer")  # a refusal clears the panel
    page.close()


def test_on_a_phone_nothing_scrolls_sideways_and_the_source_opens_right_under_the_answer(
    browser: Browser, app_url: str, tmp_path: Path
) -> None:
    page = open_page(browser, app_url, PHONE)
    box = page.get_by_placeholder("Ask about the news articles…")
    fits = box.evaluate(
        "el => { const c = document.createElement('canvas').getContext('2d'); const s = getComputedStyle(el);"
        " c.font = `${s.fontSize} ${s.fontFamily}`; const pad = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);"
        " return c.measureText(el.placeholder).width <= el.clientWidth - pad; }"
    )
    assert fits, "the question box's placeholder is cut off at phone width"
    page.get_by_role("button", name="How long is the border between Kazakhstan and Russia?").click()
    answer = finished(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"

    answer.locator(".rag-answer button.cite").first.click()
    panel = page.locator("#source-panel")
    expect(panel.locator("mark").first).to_be_in_viewport()
    answer_bottom = answer.evaluate("el => el.getBoundingClientRect().bottom + window.scrollY")
    panel_top = panel.evaluate("el => el.getBoundingClientRect().top + window.scrollY")
    assert 0 <= panel_top - answer_bottom <= PHONE["height"], (answer_bottom, panel_top)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    answer.scroll_into_view_if_needed()
    save_shot(page, tmp_path, "ui-phone.png")
    page.close()
