"""Typed request and response bodies of the HTTP API; FastAPI builds the OpenAPI schema (/docs) from them.

The chat shapes follow OpenAI's chat-completions format so any OpenAI client works unchanged; what that
format has no field for (citations, refusals, the checked final text) is added as top-level fields,
as answer engines do. Unknown request fields are ignored, as OpenAI clients send many we do not use.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MODEL_ID = "news-qa"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- chat -------------------------------------------------------------------------------------
class ContentPart(_Lenient):
    type: str = "text"
    text: str | None = None


class ChatMessageIn(_Lenient):
    role: str = Field(description="system, user, assistant (others are ignored)")
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatRequest(_Lenient):
    model: str = Field(MODEL_ID, description=f"Any value is accepted; answers come from {MODEL_ID!r}.")
    messages: list[ChatMessageIn] = Field(
        min_length=1, max_length=200, description="The last message is the user's question; earlier turns are the history."
    )
    stream: bool = False
    max_tokens: int | None = Field(
        None, ge=1, description="Caps the answer's draft, in tokens; never above the server's RAG_MAX_ANSWER_TOKENS."
    )
    top_k: int | None = Field(None, ge=1, le=20, description="Extension: passages given to the model (RAG_TOP_K).")


class CitationOut(BaseModel):
    marker: int = Field(description="The [n] in the answer text that points here")
    source: str = Field(description="Document id, as in /v1/documents")
    title: str
    quote: str = Field(description="Verbatim from the original file")
    lines: tuple[int, int] = Field(description="1-based first and last line of the quote in the original file")
    chars: tuple[int, int] = Field(description="[start, end) character offsets of the quote")
    score: float
    date: str = ""


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: Literal["stop", "length"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int = Field(description="Text deltas the model streamed (one per token)")
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    usage: Usage
    citations: list[CitationOut]
    refused: bool = Field(description="True when the documents do not answer the question")
    standalone_question: str = Field("", description="The question after a follow-up was condensed with its history")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop", "length"] | None = None


class ChatCompletionChunk(BaseModel):
    """One SSE event of `stream: true`; only the last one carries citations, refused, answer and usage."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str = MODEL_ID
    choices: list[ChunkChoice]
    citations: list[CitationOut] | None = None
    refused: bool | None = None
    answer: str | None = Field(None, description="The checked final text; authoritative when it differs from the deltas")
    answer_replaced: bool | None = Field(None, description="True when `answer` differs from the joined deltas")
    usage: Usage | None = None


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "rag-news"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# --- documents ----------------------------------------------------------------------------------
class DocumentOut(BaseModel):
    source: str = Field(description="Document id: the file name, prefixed by its folder for uploads")
    title: str
    date: str = Field(description="When the reported events happened, '' when the text does not say")
    chunks: int


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentOut]


class Line(BaseModel):
    number: int = Field(description="1-based, as in a citation's `lines`")
    text: str


class DocumentText(DocumentOut):
    text: str = Field(description="The original file's text (decoded), which citation offsets refer to")
    lines: list[Line]


class Rejected(BaseModel):
    filename: str
    reason: str


class UploadResult(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentOut] = Field(description="The uploaded documents now in the index")
    rejected: list[Rejected]
    summary: str = Field(description="The ingest report")


class Deleted(BaseModel):
    id: str
    object: Literal["document"] = "document"
    deleted: bool = True


# --- health and errors ------------------------------------------------------------------------
class IndexHealth(BaseModel):
    ready: bool
    documents: int = 0
    chunks: int = 0
    location: str
    error: str = ""


class LLMHealth(BaseModel):
    backend: Literal["in-process", "server"]
    url: str = ""
    loaded: bool = Field(description="In-process: the model is in memory. Server: it answered /models.")
    error: str = ""


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    index: IndexHealth
    llm: LLMHealth


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str


class ErrorResponse(BaseModel):
    error: ErrorDetail
