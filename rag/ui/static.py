"""The page's CSS and its one script: citation chips that talk to Python, the ticking elapsed time, scrolling.

The script is attached with `demo.load(js=...)`, so it travels with the Blocks whether they are launched
on their own or mounted in a FastAPI app. It sends a clicked chip as "message:position:nonce" through
a hidden textbox (`#cite-pick`; its .change fires, .input does not for a value set by script): the
nonce makes a second click on the same chip a change too.
"""

from __future__ import annotations

__all__ = ["BOOT_JS", "PAGE_CSS", "PANEL_CSS", "SCROLL_TO_MARK"]

# Runs once per page load. Event delegation on `document`: the chatbot re-renders messages freely.
BOOT_JS = r"""
() => {
  if (window.__ragUi) return;
  window.__ragUi = true;
  const pick = (value) => {
    const box = document.querySelector('#cite-pick textarea, #cite-pick input');
    if (!box) return;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('click', (event) => {
    const chip = event.target.closest('#chat button.cite');
    const at = chip && /(?:^|\s)at-(\d+)-(\d+)(?:\s|$)/.exec(chip.className);
    if (!at) return;
    event.preventDefault();
    event.stopPropagation();
    document.querySelectorAll('#chat button.cite.active').forEach((c) => c.classList.remove('active'));
    document.querySelectorAll(`#chat button.cite.at-${at[1]}-${at[2]}`).forEach((c) => c.classList.add('active'));
    pick(`${at[1]}:${at[2]}:${Date.now()}`);
    // On a phone the panel is below the chat: bring it up now (its own script recentres a new passage).
    const panel = document.querySelector('#source-panel');
    const shown = panel && (panel.querySelector('mark') || panel);
    const box = shown && shown.getBoundingClientRect();
    if (box && (box.top < 0 || box.bottom > window.innerHeight)) shown.scrollIntoView({block: 'center'});
  }, true);
  // Elapsed seconds between server updates: each run's clock starts from the server's count.
  const starts = new Map();
  setInterval(() => {
    document.querySelectorAll('#chat .rag-elapsed[data-run]').forEach((el) => {
      const run = el.dataset.run;
      if (!starts.has(run)) starts.set(run, Date.now() - 1000 * Number(el.dataset.s || 0));
      el.textContent = `${Math.floor((Date.now() - starts.get(run)) / 1000)} s`;
    });
  }, 500);
  // A new question scrolls the chat so that it and the start of its answer are in view.
  let seen = 0;
  new MutationObserver(() => {
    const chat = document.querySelector('#chat');
    const asked = chat ? chat.querySelectorAll('.message-row.user-row, .user.message') : [];
    if (asked.length > seen) asked[asked.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
    seen = asked.length;
  }).observe(document.body, {childList: true, subtree: true});
}
"""

# On a phone the panel's own scroll moves the page to the highlighted passage, right under the chat.
SCROLL_TO_MARK = (
    "watch('value', () => { const m = element.querySelector('mark') || element.querySelector('.cited');"
    " if (m) m.scrollIntoView({block: 'center'}); });"
)

PANEL_CSS = """
.panel-empty { color: #4a4a55; padding: 1rem; }
.panel-note-head { font-weight: 600; margin-bottom: .3rem; }
.doc-which { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #4a4a55; }
.doc-head { margin-bottom: .5rem; }
.doc-title { font-weight: 600; font-size: 1.05rem; }
.doc-file { font-family: var(--font-mono); font-size: .85rem; color: #4a4a55; overflow-wrap: anywhere; }
.doc-quote { margin: .4rem 0; padding-left: .6rem; border-left: 3px solid #b8860b; font-style: italic; }
.doc-view { max-height: min(34rem, 60vh); overflow: auto; font-family: var(--font-mono); font-size: .8rem;
  border: 1px solid var(--border-color-primary); border-radius: 6px; }
.doc-line { display: flex; white-space: pre-wrap; word-break: break-word; }
.doc-line.cited { background: rgba(245, 197, 24, .15); }
.ln { flex: 0 0 3.2rem; text-align: right; padding-right: .6rem; color: #4a4a55;
  user-select: none; border-right: 1px solid var(--border-color-primary); margin-right: .5rem; }
mark { background: #ffe066; color: #111; padding: 0 1px; }
"""

# Page-level: the chat's own HTML (chips, status, sources, refusals) and the layout at phone width.
PAGE_CSS = """
footer { visibility: hidden; }
#source-col { position: sticky; top: 0; align-self: flex-start; }
#chat .rag-answer p { margin: 0 0 .5em; }
button.cite { display: inline-block; vertical-align: super; font-size: .7em; line-height: 1.2; min-width: 1.5em;
  padding: 0 .35em; margin: 0 .1em; border-radius: .7em; border: 1px solid #3b5bb5; background: #e8eefc;
  color: #17306e; font-weight: 600; cursor: pointer; font-family: inherit; }
button.cite:hover, button.cite.active { background: #3b5bb5; color: #fff; }
button.cite:focus-visible { outline: 2px solid #17306e; outline-offset: 2px; }
span.cite.pending { display: inline-block; vertical-align: super; font-size: .7em; line-height: 1.2;
  padding: 0 .35em; margin: 0 .1em; border-radius: .7em; border: 1px dashed #5a5a66; color: #3a3a44; }
.rag-status { display: flex; align-items: center; gap: .45em; color: #3a3a44; font-size: .92em; }
.rag-elapsed { font-variant-numeric: tabular-nums; color: #4a4a55; }
.rag-spinner { width: .8em; height: .8em; border-radius: 50%; border: 2px solid #b9c3e0; border-top-color: #3b5bb5;
  animation: rag-spin 1s linear infinite; flex: none; }
@keyframes rag-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .rag-spinner { animation: none; } }
.rag-sources { margin-top: .6em; border-top: 1px solid var(--border-color-primary); padding-top: .4em; font-size: .9em; }
.rag-sources .src-head, .refusal-head { font-weight: 600; margin: 0 0 .3em; }
.rag-sources ol { list-style: none; padding: 0; margin: 0; }
.rag-sources li { margin: 0 0 .45em; }
.src-title { font-weight: 600; }
.src-meta { display: block; font-size: .85em; color: #4a4a55; overflow-wrap: anywhere; }
.src-quote { display: block; font-style: italic; color: #2e2e36; }
.rag-events { border-collapse: collapse; margin: .4em 0; font-size: .92em; }
.rag-events caption { text-align: left; font-weight: 600; padding-bottom: .2em; }
.rag-events th { text-align: left; padding: .2em .6em .2em 0; white-space: nowrap; vertical-align: top; }
.rag-events td { padding: .2em 0; }
.refusal { border-left: 3px solid #8a6d00; padding-left: .7em; }
.refusal-why, .refusal-hint { font-size: .9em; color: #3a3a44; }
.rag-stopped { font-style: italic; color: #3a3a44; }
/* The theme's primary and stop colours give white text below 4.5:1 contrast. */
#ask { background: #3730a3; border-color: #3730a3; color: #fff; }
#ask:disabled { background: #6b6b78; border-color: #6b6b78; }
#stop { background: #b42318; border-color: #b42318; color: #fff; }
#ask-row { align-items: stretch; flex-wrap: nowrap; gap: .5rem; }
#ask-row > * { min-width: 0; }
@media (max-width: 760px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #main-row { flex-direction: column; }
  #source-col { position: static; width: 100%; }
  #ask, #stop { min-width: 4.2rem !important; }
}
"""
