"""`Assistant`: the one object other code needs — ingest a corpus, ask cited questions, stream answers.

Models and the index are loaded lazily and shared between threads; an ingest swaps in a fresh
retriever under a lock, so questions asked meanwhile see either the old or the new index, whole.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag.answering import (
    clean_condensed,
    condense_messages,
    merge_answers,
    normalise_history,
    resolve_ellipsis,
    split_compound,
)
from rag.checker import ModelChecker
from rag.chunking import make_splitter
from rag.config import Settings
from rag.documents import Document, load_document
from rag.errors import DocumentNotFoundError, IndexMissingError, InvalidQuestionError
from rag.evidence import Scorer
from rag.index import ChunkStore, remove_embedded_index, write_lock
from rag.ingest import ingest_folder
from rag.legacy import is_legacy, legacy_answer
from rag.llm import ChatLLM, make_llm
from rag.models import load_embedder
from rag.pipeline import AnswerPipeline
from rag.retrieval import HybridRetriever
from rag.types import Answer, DocumentInfo, IngestReport, Passage, Progress
from rag.verify import Verifier

__all__ = ["Assistant", "validate_question"]

Event = str | Progress | Answer


class Assistant:
    """Cited question answering over a folder of articles.

    Example:
        assistant = Assistant()
        assistant.ingest()
        assistant.ask("How long is the border between Kazakhstan and Russia?").citations[0].source
    """

    def __init__(
        self, settings: Settings | None = None, *, llm: ChatLLM | None = None, embedder: BaseEmbedding | None = None
    ) -> None:
        self.settings = settings or Settings.load()
        self._llm = llm
        self._embedder = embedder
        self._store: ChunkStore | None = None
        self._retriever: HybridRetriever | None = None
        self._sentence_scorer: Scorer | None = None
        self._lock = threading.RLock()

    # --- components, loaded on first use ------------------------------------------------------
    @property
    def embedder(self) -> BaseEmbedding:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings)
            return self._embedder

    @property
    def llm(self) -> ChatLLM:
        with self._lock:
            if self._llm is None:
                self._llm = make_llm(self.settings)
            return self._llm

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                model = self.embedder
                self._store = ChunkStore(self.settings, self.settings.embed_package, _dimension(model))
            return self._store

    def _retrieval(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                self.store.open()
                if self.store.count() == 0:
                    raise IndexMissingError(f"The index at {self.store.location} is empty. Run `rag ingest` first.")
                self._retriever = HybridRetriever(self.store, self.embedder, self.settings)
            return self._retriever

    # --- ingest -------------------------------------------------------------------------------
    def ingest(
        self,
        path: str | Path | None = None,
        *,
        rebuild: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> IngestReport:
        folder = Path(path) if path is not None else self.settings.corpus_dir
        with self._lock:
            if rebuild:
                self._rebuild()
            tokenizer = self.embedder._model.tokenizer  # type: ignore[attr-defined]
            splitter = make_splitter(
                lambda text: tokenizer.encode(text, add_special_tokens=False, verbose=False),
                self.settings.chunk_size,
                self.settings.chunk_overlap,
            )
            same = folder.resolve() == self.settings.corpus_dir.resolve()
            prefix = "" if same else f"{folder.resolve().name}/"
            report = ingest_folder(
                folder,
                self.store,
                self.embedder,
                splitter,
                max_file_mb=self.settings.max_file_mb,
                prefix=prefix,
                progress=progress,
            )
            self._retriever = None  # BM25 and the dense view are rebuilt on the next question
            return report

    def _rebuild(self) -> None:
        with write_lock(self.settings):
            try:
                self.store.drop()
            except Exception:  # noqa: BLE001 - an unreadable embedded index is removed from disk instead
                if self.settings.chroma_url:
                    raise
                remove_embedded_index(self.settings)
            self._store = None

    # --- asking -------------------------------------------------------------------------------
    def retrieve(self, question: str, top_k: int | None = None) -> list[Passage]:
        question = validate_question(question, self.settings.max_question_chars)
        return self._retrieval().retrieve(question, top_k).passages

    def ask(
        self, question: str, history: Sequence[Any] | None = None, *, top_k: int | None = None, max_tokens: int | None = None
    ) -> Answer:
        final = None
        for event in self.stream(question, history, top_k=top_k, max_tokens=max_tokens):
            if isinstance(event, Answer):
                final = event
        assert final is not None  # stream always ends with an Answer
        return final

    def stream(
        self, question: str, history: Sequence[Any] | None = None, *, top_k: int | None = None, max_tokens: int | None = None
    ) -> Iterator[Event]:
        """`Progress` events while it works, then the verified answer text in pieces, then the `Answer`.

        Nothing unverified is shown: the text streamed is the checked `Answer.text`. Closing the
        generator (a Stop button, a client gone) cancels the model call in flight. `max_tokens` caps
        this answer's draft below `settings.max_answer_tokens` (RAG_MAX_ANSWER_TOKENS), never above it.
        """
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        settings = self.settings
        if max_tokens is not None:
            settings = self.settings.replace(max_answer_tokens=max(1, min(max_tokens, self.settings.max_answer_tokens)))
        retriever = self._retrieval()
        turns = normalise_history(history)
        if turns:
            yield Progress("condensing", "Reading the conversation…")
        standalone = self._condense(question, turns)
        parts = split_compound(standalone)
        answers: list[Answer] = []
        for part in parts:
            answer = yield from self._answer(retriever, part, top_k, settings)
            answers.append(answer)
        seconds = time.perf_counter() - started
        if len(answers) == 1:
            final = replace(answers[0], question=question, standalone_question=standalone, seconds=seconds)
        else:
            final = merge_answers(question, standalone, answers, seconds)
        yield from re.findall(r"\S+\s*", final.text)
        yield final

    def _answer(
        self, retriever: HybridRetriever, question: str, top_k: int | None, settings: Settings | None = None
    ) -> Generator[Event, None, Answer]:
        """One (non-compound) question's verified `Answer`, with `Progress` on the way; `settings`: this call's."""
        settings = settings or self.settings
        llm = self.llm.metered()  # every model call of this answer, counted once here
        if is_legacy(settings):
            answer = yield from legacy_answer(settings, llm, self.embedder.get_text_embedding_batch, retriever, question, top_k)
        else:
            model = ModelChecker(llm) if settings.verify_claims else None
            verifier = Verifier(
                self._scorer(), model.yes_no if model else None, settings.verify_threshold, model.extract if model else None,
                dated=settings.time_aware, article=retriever.source_text, collection=retriever.source_texts(),
            )
            answer = yield from AnswerPipeline(settings, llm, retriever, self._scorer(), verifier).run(question, top_k)
        calls = llm.calls or []
        trace = replace(
            answer.trace,
            prompt_tokens=sum(c.prompt_tokens for c in calls),
            cached_tokens=sum(c.cached_tokens for c in calls),
            llm_calls=len(calls),
        )
        return replace(answer, trace=trace)

    def _scorer(self) -> Scorer:
        with self._lock:
            if self._sentence_scorer is None:
                self._sentence_scorer = Scorer(self.embedder.get_text_embedding_batch)
            return self._sentence_scorer

    def _condense(self, question: str, history: list[tuple[str, str]]) -> str:
        if not history:
            return question
        resolved = resolve_ellipsis(question, history)
        if resolved is not None:
            return resolved
        output = "".join(self.llm.stream(condense_messages(question, history), max_tokens=80))
        return clean_condensed(output, question, history)

    def document_dates(self) -> dict[str, str]:
        """Each indexed file's event date ("2022-11-20", "2022"; "" when its text and its neighbours are silent)."""
        return dict(self._retrieval().dates)

    # --- corpus view ----------------------------------------------------------------------------
    def sources(self) -> dict[str, int]:
        """Indexed files and their chunk counts."""
        return {source: entry.chunks for source, entry in sorted(self.store.manifest().items())}

    def document(self, source: str) -> Document:
        """An indexed file, read again from where it was ingested; nothing outside the index is served."""
        entry = self.store.manifest().get(source)
        if entry is None or not entry.root:
            raise DocumentNotFoundError(f"{source!r} is not an indexed document.")
        root = Path(entry.root).resolve()
        relative = source.split("/", 1)[1] if root != self.settings.corpus_dir.resolve() and "/" in source else source
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise DocumentNotFoundError(f"{source!r} is no longer readable under {root}.")
        return load_document(path, source, self.settings.max_file_mb)

    def documents(self) -> list[DocumentInfo]:
        """Every indexed file with its headline, event date (when its text states one) and chunk count."""
        # The lead's date lookup may not exist yet in every checkout; without it the date is unknown.
        lookup = getattr(self, "document_dates", None)
        dates: dict[str, str] = lookup() if callable(lookup) else {}
        return [
            DocumentInfo(source=source, title=entry.title, date=dates.get(source, ""), chunks=entry.chunks)
            for source, entry in sorted(self.store.manifest().items())
        ]

    def remove(self, source: str) -> None:
        """Take a file out of the index; an uploaded file is also deleted from the uploads folder.

        A file of the corpus folder (seeds/) is never touched on disk: only its index entry goes, and
        the next `ingest()` of that folder brings it back.
        """
        with self._lock, write_lock(self.settings):
            entry = self.store.manifest().get(source)
            if entry is None:
                raise DocumentNotFoundError(f"{source!r} is not an indexed document; the document list names those that are.")
            self.store.forget_many([source])
            self._retriever = None  # BM25 and the dense view are rebuilt without it on the next question
            uploads = self.settings.upload_dir.resolve()
            corpus = self.settings.corpus_dir.resolve()
            root = Path(entry.root).resolve() if entry.root else None
            if root is None or root != uploads or root == corpus or root.is_relative_to(corpus):
                return
            # Sources from a folder other than the corpus carry that folder's name as a prefix (see `ingest`).
            path = (root / source.split("/", 1)[-1]).resolve()
            if path.is_relative_to(uploads) and path.is_file():
                path.unlink()


def validate_question(question: str, limit: int) -> str:
    """The question, stripped; an `InvalidQuestionError` saying what is wrong otherwise."""
    if not isinstance(question, str):
        raise InvalidQuestionError("The question must be text.")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
    if not cleaned:
        raise InvalidQuestionError("The question is empty. Type a question about the documents.")
    if len(cleaned) > limit:
        raise InvalidQuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {limit:,} (RAG_MAX_QUESTION_CHARS). "
            f"Ask something shorter."
        )
    if not any(ch.isalnum() for ch in cleaned):
        raise InvalidQuestionError("The question has no words in it. Type a question about the documents.")
    return " ".join(cleaned.split())


def _dimension(embedder: BaseEmbedding) -> int:
    model = getattr(embedder, "_model", None)
    if model is not None and hasattr(model, "get_embedding_dimension"):
        return int(model.get_embedding_dimension())
    return len(embedder.get_text_embedding("dimension probe"))
