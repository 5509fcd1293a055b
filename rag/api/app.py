"""The HTTP API as a FastAPI app: `/v1` (OpenAI-compatible chat, models, documents) and `/healthz`.

It only calls the `Assistant` it is given. `RAG_API_KEY` (Bearer) protects everything under `/v1`;
`/healthz`, `/docs` (with its assets under `/docs-assets`) and `/openapi.json` stay open so probes and
people can find their way in. The docs page works offline: Swagger UI 5's files come from the
`fastapi-offline` package, not a CDN.

Example:
    app = create_app(Assistant())
    uvicorn.run(app, host="127.0.0.1", port=7860)
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

import fastapi_offline
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from rag.api import chat, documents
from rag.api.errors import ApiError, install_error_handlers
from rag.api.limits import BodyLimit
from rag.api.schemas import ChatCompletionChunk, Health, IndexHealth, LLMHealth
from rag.api.state import assistant_of
from rag.assistant import Assistant
from rag.errors import RagError
from rag.streaming import AnswerSlots
from rag.uploads import max_upload_bytes

__all__ = ["ANSWER_SLOTS", "create_app"]

# Answers generated at once. The LLM runs a few requests in parallel; beyond that they only queue
# inside it while holding memory for their context, so later requests wait here instead.
ANSWER_SLOTS = 4
CHAT_BODY_BYTES = 1 << 20
DOCS_ASSETS = "/docs-assets"
# Swagger UI 5 (which reads OpenAPI 3.1, the version FastAPI writes) as shipped in the package.
SWAGGER_UI_DIR = Path(fastapi_offline.__file__).parent / "static"

_DESCRIPTION = """
Cited answers from the indexed news articles, in OpenAI's chat-completions format.

* `POST /v1/chat/completions`: the last user message is the question, earlier turns the history.
  The response adds top-level `citations` (marker, source, title, quote, lines, chars, score) and
  `refused`. With `stream: true`, the final SSE chunk carries them and the checked final `answer`.
* `/v1/documents`: list, upload (multipart field `file`), read with line numbers, delete.
* Errors: `{"error": {"message", "type", "code"}}` with status 400, 401, 404, 413, 500 or 503.
* Auth: when the server sets `RAG_API_KEY`, send `Authorization: Bearer <key>`.
"""

_bearer = HTTPBearer(auto_error=False, description="The server's RAG_API_KEY; not needed when it has none.")


async def require_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    expected = assistant_of(request).settings.api_key
    if not expected:
        return
    if credentials is None:
        raise ApiError(401, "Missing API key: send the header `Authorization: Bearer <RAG_API_KEY>`.", "missing_api_key")
    # Constant-time comparison: the time taken says nothing about how much of a guess was right.
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise ApiError(401, "Wrong API key: use the value of the server's RAG_API_KEY.", "invalid_api_key")


def create_app(assistant: Assistant, *, answer_slots: int = ANSWER_SLOTS) -> FastAPI:
    app = FastAPI(
        title="News QA API",
        version="1.0",
        description=_DESCRIPTION,
        docs_url=None,  # served by _serve_docs from local files: the product runs without network
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.assistant = assistant
    app.state.answer_slots = AnswerSlots(answer_slots)
    install_error_handlers(app)

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])
    # Bodies are capped before they are parsed: a chat request never needs 1 MiB (questions are at most
    # RAG_MAX_QUESTION_CHARS), an upload request carries at most MAX_FILES files of RAG_MAX_FILE_MB.
    upload_cap = documents.MAX_FILES * max_upload_bytes(assistant.settings) + CHAT_BODY_BYTES
    v1.include_router(chat.router, max_body_size=CHAT_BODY_BYTES)
    v1.include_router(documents.router, max_body_size=upload_cap)
    app.add_middleware(
        BodyLimit,
        limits={"/v1/chat/": (CHAT_BODY_BYTES, "request_too_large"), "/v1/documents": (upload_cap, "file_too_large")},
    )

    # The UI is mounted at "/" after this app's routes, so without this an unknown /v1 path would
    # get Gradio's HTML 404 instead of a JSON error.
    @v1.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(path: str) -> None:
        raise ApiError(404, f"There is no endpoint /v1/{path}; see /docs for the API.", "not_found")

    app.include_router(v1)
    _document_stream_chunks(app)
    _serve_docs(app)
    app.add_api_route(
        "/healthz", healthz, methods=["GET"], response_model=Health, tags=["health"],
        responses={503: {"model": Health, "description": "The index is missing or the LLM server is down"}},
    )  # fmt: skip
    return app


def _document_stream_chunks(app: FastAPI) -> None:
    """Make the schema say what the API does: SSE chunks documented, 400 instead of FastAPI's 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            chunk = ChatCompletionChunk.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(chunk.pop("$defs", {}))
            components["ChatCompletionChunk"] = chunk
            ok = schema["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]
            ok.setdefault("content", {})["text/event-stream"] = {"schema": {"$ref": "#/components/schemas/ChatCompletionChunk"}}
            # Validation failures are answered with 400 in OpenAI's shape (see errors.py), never FastAPI's 422.
            for operations in schema["paths"].values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _serve_docs(app: FastAPI) -> None:
    """`/docs`: Swagger UI from the files of the `fastapi-offline` package, mounted at DOCS_ASSETS."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=SWAGGER_UI_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # behind a proxy that serves the app under a prefix
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - docs",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            # No validator badge: it would send the schema's URL to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )


async def healthz(request: Request, response: Response) -> Health:
    """Index and model status; 503 while questions cannot be answered."""
    assistant = assistant_of(request)
    index = await run_in_threadpool(_index_health, assistant)
    llm = await _llm_health(assistant)
    ready = index.ready and (llm.backend == "in-process" or llm.loaded)
    response.status_code = 200 if ready else 503
    return Health(status="ok" if ready else "unavailable", index=index, llm=llm)


def _index_health(assistant: Assistant) -> IndexHealth:
    location = assistant.settings.chroma_url or str(assistant.settings.index_dir)
    try:
        sources = assistant.sources()
    except RagError as exc:
        return IndexHealth(ready=False, location=location, error=str(exc))
    chunks = sum(sources.values())
    error = "" if chunks else "The index is empty. Run `rag ingest` first."
    return IndexHealth(ready=chunks > 0, documents=len(sources), chunks=chunks, location=location, error=error)


async def _llm_health(assistant: Assistant) -> LLMHealth:
    settings = assistant.settings
    if not settings.llm_url:
        # Loaded on the first question, not by a probe: loading takes seconds and ~2 GB.
        loaded = getattr(assistant, "_llm", None) is not None
        return LLMHealth(backend="in-process", loaded=loaded)
    url = settings.llm_url.rstrip("/")
    headers: dict[str, Any] = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    try:
        async with httpx.AsyncClient(timeout=3.0) as client:
            reply = await client.get(f"{url}/models", headers=headers)
        reply.raise_for_status()
    except httpx.HTTPError as exc:
        return LLMHealth(backend="server", url=url, loaded=False, error=f"The LLM server at {url} is unavailable: {exc}")
    return LLMHealth(backend="server", url=url, loaded=True)
