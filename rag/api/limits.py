"""Refuse an oversized request body from its declared length, as a JSON 413, before any of it is read.

FastAPI's own per-route `max_body_size` (set too, in `create_app`) also stops bodies sent without a
length, but answers a declared one with a plain-text 413 before the app sees it; OpenAI clients
expect the JSON error shape.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.api.errors import error_body

__all__ = ["BodyLimit"]


class BodyLimit:
    """Pure ASGI (no buffering, so SSE streams pass untouched): path prefix -> (byte cap, error code)."""

    def __init__(self, app: ASGIApp, limits: dict[str, tuple[int, str]]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix, (cap, code) in self.limits.items():
                if path.startswith(prefix) and _declared_length(scope) > cap:
                    message = f"The request body is larger than this endpoint's {cap / (1 << 20):.1f} MiB limit."
                    await JSONResponse(error_body(413, message, code), status_code=413)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
