"""The `rag` command: ingest, ask, serve, eval. Library errors become one-line messages and exit codes.

Exit codes: 0 success, 1 a runtime failure (index, model, LLM), 2 bad input (empty question, bad option).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from rag.config import Settings
from rag.errors import ConfigError, InvalidQuestionError, RagError
from rag.types import Answer, Progress

__all__ = ["main"]

T = TypeVar("T")


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.ensure_object(dict).setdefault("settings", Settings.load())
    return settings


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except (InvalidQuestionError, ConfigError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except RagError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


@click.group()
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), help="TOML settings file (else rag.toml, RAG_* env vars)."
)
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Offline, cited question answering over a folder of news articles."""
    ctx.ensure_object(dict)["settings"] = _run(lambda: Settings.load(toml_path=config))


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again (after a model change or damage).")
@click.pass_context
def ingest(ctx: click.Context, path: Path | None, rebuild: bool) -> None:
    """Index the articles in PATH (default: the corpus folder, seeds/)."""
    from rich.progress import Progress

    from rag.assistant import Assistant

    assistant = Assistant(_settings(ctx))
    with Progress(transient=True) as bar:
        task = bar.add_task("Ingesting", total=None)

        def progress(done: int, total: int, current: str) -> None:
            bar.update(task, completed=done, total=total, description=f"Ingesting {current}".rstrip())

        report = _run(lambda: assistant.ingest(path, rebuild=rebuild, progress=progress))
    for skipped in report.skipped:
        click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
    click.echo(report.summary())


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer, citations and passages as JSON.")
@click.option("--top-k", type=click.IntRange(1, 20), default=None, help="Passages given to the model.")
@click.option("--explain", is_flag=True, help="Also print how the answer was reached: evidence, every check, why it refused.")
@click.pass_context
def ask(ctx: click.Context, question: str, as_json: bool, top_k: int | None, explain: bool) -> None:
    """Answer QUESTION from the indexed articles, with citations."""
    from rag.assistant import Assistant, validate_question

    settings = _settings(ctx)
    _run(lambda: validate_question(question, settings.max_question_chars))  # before loading any model
    assistant = Assistant(settings)
    if as_json:
        answer = _run(lambda: assistant.ask(question, top_k=top_k))
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    final = _run(lambda: _echo_stream(assistant.stream(question, top_k=top_k)))
    for event in final.events:
        click.echo(f"  {event.label}: {event.text}")
    click.echo()
    for citation in final.citations:
        dated = f" ({citation.date})" if citation.date else ""
        click.echo(f"[{citation.marker}] {citation.source}{dated} lines {citation.lines[0]}-{citation.lines[1]}: “{citation.quote}”")
    if explain:
        click.echo()
        click.echo("\n".join(final.trace.lines()))


def _echo_stream(events: Iterator[str | Progress | Answer]) -> Answer:
    """Progress on stderr (a terminal only), then the verified text as it arrives."""
    for event in events:
        if isinstance(event, Answer):
            click.echo()
            return event
        if isinstance(event, Progress):
            if sys.stderr.isatty():
                click.echo(f"\r\033[K{event.message}", nl=False, err=True)
            continue
        if sys.stderr.isatty():
            click.echo("\r\033[K", nl=False, err=True)
        click.echo(event, nl=False)
    raise RagError("The answer stream ended without an answer.")


@main.command()
@click.option("--host", default=None, help="Bind address (RAG_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (RAG_PORT, default 7860).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Start the web UI at / and the HTTP API at /v1 on one port (ingesting the corpus first if stale)."""
    from rag.server import serve as run_server

    overrides: dict[str, Any] = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    _run(lambda: run_server(_settings(ctx).replace(**overrides)))


@main.command(name="eval")
@click.option("--gate", is_flag=True, help="Exit non-zero when a metric of either split crosses eval/thresholds.toml.")
@click.option("--baseline", is_flag=True, help="Also score the default llama-index pipeline on the same questions.")
@click.option("--limit", type=int, default=None, help="Only the first N gold questions of the split (a quick look).")
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all"]),
    default="all",
    show_default=True,
    help="Which questions: dev (tune on these only), test (kept out of tuning) or all.",
)
@click.option(
    "--ablate",
    default=None,
    metavar="NAME[,NAME…]",
    help="Also run with each named step off (verify_claims, extractive_fallback, time_aware, premise_check, "
    "sentence_evidence, or legacy = all five): an ablation table in the report.",
)
@click.pass_context
def evaluate(ctx: click.Context, gate: bool, baseline: bool, limit: int | None, split: str, ablate: str | None) -> None:
    """Score answers, citations and refusals on the gold set (eval/gold.jsonl), per split."""
    # eval/ sits beside rag/ in a checkout and is not installed; the console script does not put it on sys.path.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    try:
        from eval.harness import run_cli
    except ImportError:
        raise click.ClickException("The eval harness is not available: run from the repository root.") from None
    code = _run(lambda: run_cli(_settings(ctx), gate=gate, baseline=baseline, limit=limit, split=split, ablate=ablate))
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
