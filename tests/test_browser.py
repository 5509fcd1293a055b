"""The chat UI in a real browser: Debian's chromium driven by Playwright (never `playwright install`).

Asks a seed question, waits for the streamed answer, opens a citation in the source panel, starts a new
conversation. The screenshot goes to the test's tmp dir, and to docs/ui-screenshot.png with
UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.test_ui import ui_url  # noqa: F401 - the module-scoped app fixture, launched again for this module

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# The seed articles that report who congratulated Tokayev.
CONGRATULATION_FILES = {
    "000_c4217337000ec9ec.txt",
    "001_28dff82cf651b50f.txt",
    "003_1fe1cf70b43fcba7.txt",
    "004_9f8dad8495adc576.txt",
}
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "ui-screenshot.png"
ANSWER_TIMEOUT_MS = 300_000  # the 1.5B model on two shared cores; a generous bound, not a speed check

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="BROWSER TEST SKIPPED: /usr/bin/chromium is missing; run `make browser` (apt-get install -y chromium) as root.",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def test_a_question_streams_a_cited_answer_whose_source_opens_highlighted_and_new_conversation_clears_it(
    browser: Browser,
    ui_url: str,  # noqa: F811 - the imported fixture, requested by name
    tmp_path: Path,
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(ui_url)
    question = page.get_by_placeholder("Ask a question about the news articles…")
    question.fill("Who congratulated Tokayev?")
    question.press("Enter")

    answer = page.locator("#chat .bot.message").last
    expect(answer).to_be_visible(timeout=60_000)
    sources = page.locator("#citations label")
    expect(sources.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)  # the picker fills when the final Answer arrives
    expect(answer).to_contain_text(re.compile(r"\[\d+\]"))
    expect(answer).to_contain_text("Sources")

    label = sources.first.inner_text()
    cited_file = re.search(r"\d{3}_[0-9a-f]{16}\.txt", label)
    assert cited_file, f"citation label without a seed file name: {label!r}"
    assert cited_file.group(0) in CONGRATULATION_FILES
    sources.first.click()

    panel = page.locator("#source-panel")
    highlighted = panel.locator("mark").first
    expect(highlighted).to_be_visible(timeout=30_000)
    expect(highlighted).to_be_in_viewport()
    expect(panel.locator(".doc-file")).to_contain_text(cited_file.group(0))
    assert highlighted.inner_text().strip(), "the highlighted quote is empty"

    # Frame the question and the start of its answer rather than the end of the sources list.
    page.locator("#chat .user.message").last.evaluate("el => el.scrollIntoView({block: 'start'})")
    shot = tmp_path / "ui-screenshot.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, SCREENSHOT)

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#chat .message")).to_have_count(0)
    expect(page.locator("#citations label")).to_have_count(0)
    expect(panel.locator("mark")).to_have_count(0)
    page.close()
