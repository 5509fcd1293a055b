"""One process, one port: the HTTP API under `/v1` (+ `/healthz`, `/docs`) and the Gradio UI at `/`.

`serve` brings the index up to date with the corpus (and the uploads folder), then runs uvicorn on
`settings.host:port` (127.0.0.1 unless RAG_HOST says otherwise). RAG_AUTH protects the UI with
Gradio's login; RAG_API_KEY protects `/v1` with a Bearer token.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from fastapi import FastAPI

from rag.api import create_app
from rag.assistant import Assistant
from rag.config import Settings

__all__ = ["build_app", "serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_app(assistant: Assistant) -> FastAPI:
    """The API app with the UI mounted at "/" (after the API routes, which therefore take precedence)."""
    import gradio as gr

    from rag.ui import build_ui, launch_options

    app = create_app(assistant)
    # The UI's launch options (auth, upload cap, theme, CSS…) are mount options too; keep those mount takes.
    accepted = inspect.signature(gr.mount_gradio_app).parameters
    options: dict[str, Any] = {k: v for k, v in launch_options(assistant.settings).items() if k in accepted}
    mounted: FastAPI = gr.mount_gradio_app(app, build_ui(assistant), path="/", **options)
    return mounted


def serve(settings: Settings) -> None:
    """Ingest (incremental: seconds when nothing changed), then block serving the UI and the API."""
    import uvicorn

    assistant = Assistant(settings)
    report = assistant.ingest()
    print(f"Index: {report.summary()}", file=sys.stderr)
    if settings.upload_dir.is_dir() and any(settings.upload_dir.iterdir()):
        print(f"Uploads: {assistant.ingest(settings.upload_dir).summary()}", file=sys.stderr)
    if settings.host not in _LOOPBACK:
        if not settings.auth:
            print(f"WARNING: serving the UI on {settings.host} without RAG_AUTH: anyone who can reach it can use it.", file=sys.stderr)
        if not settings.api_key:
            print(f"WARNING: serving /v1 on {settings.host} without RAG_API_KEY: anyone who can reach it can use it.", file=sys.stderr)
    url = f"http://{settings.host}:{settings.port}"
    print(f"Open {url} in a browser; the API is at {url}/v1 (docs: {url}/docs). Ctrl+C stops.", file=sys.stderr)
    uvicorn.run(build_app(assistant), host=settings.host, port=settings.port, log_level="warning", timeout_graceful_shutdown=5)
