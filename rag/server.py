"""Start the web UI: bring the index up to date with the corpus, then serve on `settings.host:port`."""

from __future__ import annotations

import sys

from rag.assistant import Assistant
from rag.config import Settings

__all__ = ["serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(settings: Settings) -> None:
    """Ingest (incremental: seconds when nothing changed), then block serving the Gradio UI."""
    from rag.ui import build_ui, launch_options

    assistant = Assistant(settings)
    report = assistant.ingest()
    print(f"Index: {report.summary()}", file=sys.stderr)
    if settings.upload_dir.is_dir() and any(settings.upload_dir.iterdir()):
        print(f"Uploads: {assistant.ingest(settings.upload_dir).summary()}", file=sys.stderr)
    if settings.host not in _LOOPBACK and not settings.auth:
        print(f"WARNING: serving on {settings.host} without RAG_AUTH: anyone who can reach it can use it.", file=sys.stderr)
    print(f"Open http://{settings.host}:{settings.port} in a browser (Ctrl+C stops).", file=sys.stderr)
    build_ui(assistant).launch(**launch_options(settings))
