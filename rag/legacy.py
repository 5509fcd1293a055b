"""The first version's answer path, kept as the ablation's baseline (`rag eval --ablate legacy`).

Whole passages in the prompt, the draft's citations checked lexically; no evidence sentences, no
claim verification, no event dates, no premise check, no quoting. It runs when all five of those
settings are off.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace

from rag.answering import answer_messages, finish_answer, refusal
from rag.config import Settings
from rag.llm import ChatLLM
from rag.retrieval import HybridRetriever
from rag.types import Answer, Progress, Trace

__all__ = ["CHECKS", "is_legacy", "legacy_answer"]

CHECKS = ("verify_claims", "extractive_fallback", "time_aware", "premise_check", "sentence_evidence")
Embed = Callable[[list[str]], list[list[float]]]


def is_legacy(settings: Settings) -> bool:
    """Every answer check switched off: the first version's pipeline."""
    return not any(getattr(settings, name) for name in CHECKS)


def legacy_answer(
    settings: Settings, llm: ChatLLM, embed: Embed, retriever: HybridRetriever, question: str, top_k: int | None
) -> Generator[Progress, None, Answer]:
    yield Progress("searching", "Searching the articles…")
    found = retriever.retrieve(question, top_k)
    if found.best_similarity < settings.min_relevance or not found.context:
        return refusal(question, found.passages, question, 0.0)
    yield Progress("writing", "Writing the answer…")
    draft = "".join(llm.stream(answer_messages(question, found.context), max_tokens=settings.max_answer_tokens))
    answer = finish_answer(question, question, draft, found.passages, embed, settings.min_support, 0.0)
    shown = [f"[{passage.number}] {passage.text}" for passage in found.context]  # what its prompt held
    return replace(answer, trace=Trace(shown, draft))  # its token counts: the Assistant's, from its metered LLM
