"""The comparison point: llama-index's default cited pipeline on the same models and corpus.

`VectorStoreIndex` over the raw seed files (`SimpleDirectoryReader`, default sentence splitter, an
in-memory vector store) and `CitationQueryEngine` with its defaults (2 retrieved chunks, 512-token
citation chunks, its own prompt). The embedder and LLM objects are the assistant's, passed in
explicitly (the LLM through `as_llama_index`, llama-index's own LLM interface): llama-index's global
defaults would reach for OpenAI. There is no cleaning, hybrid
retrieval, relevance gate or citation check, which is what the comparison is meant to show.

Its answers are reduced to the same `Outcome` as ours: citations are the files of the source
nodes its [n] markers point at, a refusal is an empty answer or one that says it cannot answer, and
retrieval ranks are the retrieved chunks in order. It gives no quotes, so quote faithfulness is n/a.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from eval.metrics import Outcome
from rag.llm import ChatLLM, as_llama_index

__all__ = ["Baseline", "cited_files", "looks_like_refusal"]

# Its prompt labels chunks "Source 1:", so the model writes [1], [1, 2] or [Source 1]; all are citations.
_MARKER = re.compile(r"\[((?:source\s*)?\d+(?:\s*(?:,|and)\s*(?:source\s*)?\d+)*)\]", re.IGNORECASE)


class Baseline:
    def __init__(self, corpus: Path, *, llm: ChatLLM, embedder: Any) -> None:
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
        from llama_index.core.query_engine import CitationQueryEngine

        documents = SimpleDirectoryReader(str(corpus)).load_data()
        index = VectorStoreIndex.from_documents(documents, embed_model=embedder)
        self.engine = CitationQueryEngine.from_args(index, llm=as_llama_index(llm))
        self.top_k = int(getattr(self.engine.retriever, "_similarity_top_k", 2))

    def ask(self, question: str) -> Outcome:
        from llama_index.core.schema import QueryBundle

        started = time.perf_counter()
        bundle = QueryBundle(question)
        # What `query` does, in two steps, so the retrieved chunks (not the citation sub-chunks) give the ranks.
        retrieved = self.engine.retrieve(bundle)
        response = self.engine.synthesize(bundle, retrieved)
        seconds = time.perf_counter() - started
        text = str(getattr(response, "response", "") or "").strip()
        sources = [_file_name(node) for node in response.source_nodes]
        refused = looks_like_refusal(text)
        return Outcome(
            text=text,
            refused=refused,
            cited=() if refused else cited_files(text, sources),
            ranking=tuple((_file_name(node),) for node in retrieved),
            seconds=seconds,
            top_k=self.top_k,
            extra={"citations": [{"source": s, "marker": i + 1} for i, s in enumerate(sources)]},
        )


def _file_name(node: Any) -> str:
    metadata = node.node.metadata
    return str(metadata.get("file_name") or Path(str(metadata.get("file_path", ""))).name)


def cited_files(text: str, sources: list[str]) -> tuple[str, ...]:
    """Distinct files of the source chunks the answer's markers point at, in order; out-of-range markers are ignored."""
    cited: list[str] = []
    for group in _MARKER.findall(text):
        for number in re.findall(r"\d+", group):
            index = int(number) - 1
            if 0 <= index < len(sources) and sources[index] not in cited:
                cited.append(sources[index])
    return tuple(cited)


def looks_like_refusal(text: str) -> bool:
    """For pipelines without a refusal flag: an empty answer or one that says it cannot answer."""
    stripped = text.strip()
    return not stripped or stripped.lower() in {"empty response", "none"} or bool(_REFUSAL_WORDS.search(stripped))


_REFUSAL_WORDS = re.compile(
    r"not (?:be )?(?:found|mentioned|provided|stated|specified|available|included|given)|no (?:information|mention|data)"
    r"|(?:do|does|did)(?: not|n't) (?:contain|mention|provide|say|state|include|specify|know|have)"
    r"|(?:cannot|can't|could not|couldn't|unable to) (?:find|answer|determine|be determined|provide)"
    r"|not in (?:the )?(?:documents|context|sources|passages)|there is no",
    re.IGNORECASE,
)
