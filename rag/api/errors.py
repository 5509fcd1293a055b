"""Every failure as JSON in OpenAI's error shape, `{"error": {"message", "type", "code"}}`, with its status.

Our own `RagError`s carry messages written for users, so they are passed on; anything else is a bug:
it is logged with its traceback and the client gets a generic 500, never the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.api.schemas import ErrorResponse
from rag.errors import (
    ConfigError,
    DocumentNotFoundError,
    IndexError_,
    IndexLockedError,
    IngestError,
    InvalidQuestionError,
    LLMError,
    ModelNotInstalledError,
    RagError,
)

__all__ = ["ApiError", "ERROR_RESPONSES", "error_body", "install_error_handlers", "rag_error_status"]

log = logging.getLogger(__name__)

# status -> OpenAI's error type for it
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    500: "server_error",
    503: "service_unavailable",
}

# Most specific first: the first matching class decides.
_RAG_STATUS: list[tuple[type[RagError], int, str]] = [
    (InvalidQuestionError, 400, "invalid_question"),
    (DocumentNotFoundError, 404, "document_not_found"),
    (IndexLockedError, 503, "index_locked"),
    (IndexError_, 503, "index_unavailable"),
    (LLMError, 503, "llm_unavailable"),
    (ModelNotInstalledError, 503, "model_not_installed"),
    (IngestError, 400, "unreadable_upload"),
    (ConfigError, 500, "config_error"),
]

# For the OpenAPI schema: the error statuses every /v1 route can answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Empty or oversized question, or a malformed body",
        401: "Missing or wrong API key (RAG_API_KEY)",
        503: "Index missing or locked, or the LLM (server) unavailable",
    }.items()
}


class ApiError(Exception):
    """An error the API reports itself (bad upload, unknown route), with its status and code."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def error_body(status: int, message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"), "code": code}}


def _reply(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, code), status_code=status, headers=headers)


def rag_error_status(exc: RagError) -> tuple[int, str]:
    for kind, status, code in _RAG_STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "rag_error"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _reply(exc.status, exc.message, exc.code, headers)

    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> JSONResponse:
        status, code = rag_error_status(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        # A lock or a server being down passes; say when to try again.
        headers = {"Retry-After": "5"} if status == 503 else None
        return _reply(status, str(exc), code, headers)

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _reply(400, _describe(exc.errors()), "invalid_body")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}.get(exc.status_code, "http_error")
        return _reply(exc.status_code, str(exc.detail), code, dict(exc.headers or {}) or None)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _reply(500, "Something went wrong on the server; the details are in its log.", "internal_error")


def _describe(errors: Any) -> str:
    """The first validation problem in words: where it is and what is wrong."""
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        what = str(error.get("msg", "invalid"))
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        return f"Invalid request: {where or 'body'}: {what}."
    return "Invalid request body."
