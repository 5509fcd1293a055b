"""Start the web UI: bring the index up to date with the corpus, then serve on `settings.host:port`."""

from __future__ import annotations

import sys

from rag.assistant import Assistant
from rag.config import Settings

__all__ = ["serve"]


def serve(settings: Settings) -> None:
    from rag.ui import build_ui

    assistant = Assistant(settings)
    report = assistant.ingest()  # incremental: seconds when nothing changed
    print(f"Index: {report.summary()}", file=sys.stderr)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.auth:
        print(f"WARNING: serving on {settings.host} without RAG_AUTH: anyone who can reach it can use it.", file=sys.stderr)
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    build_ui(assistant).queue(default_concurrency_limit=4).launch(
        server_name=settings.host, server_port=settings.port, auth=auth, show_api=True
    )
