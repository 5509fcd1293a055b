"""Synthetic corpora made from the seed articles: perturbed article files, and pre-embedded chunks.

Simplifications, on purpose: sentences are split with a regex, "perturbing" a sentence means swapping
capitalised words for others from the seeds and replacing every number by a random one of the same
length. Two products:
- `write_articles`: files for a real `Assistant.ingest` (real chunking, real embedder).
- `synthetic_chunks`: chunk texts plus vectors for the retrieval benchmark at 10k-100k chunks. Embedding
  100k chunks takes ~30 min on 2 cores, so each distinct seed sentence is embedded once with the real
  model and a chunk's vector is the normalised mean of its sentences' vectors plus small noise.
  Latency and index size do not depend on how the vectors were made.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.documents import load_document

__all__ = ["SeedText", "load_seeds", "perturb", "write_articles", "synthetic_chunks", "SyntheticChunk"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'])")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")
_NUMBER = re.compile(r"\d+")
_NOISE = 0.1  # norm of the noise added to a chunk vector (its unit mean has norm 1)


@dataclass(frozen=True)
class SeedText:
    sentences: list[str]  # distinct sentences of at least six words, across all seeds
    names: list[str]  # capitalised words that occur in the seeds


@dataclass(frozen=True)
class SyntheticChunk:
    text: str
    title: str
    sentence_ids: list[int]  # indexes into SeedText.sentences this chunk was made from


def load_seeds(folder: Path) -> SeedText:
    """Example: load_seeds(Path("seeds")).sentences[0] -> "Kazakhstan's leader met with …"."""
    seen: dict[str, None] = {}
    for path in sorted(folder.glob("*.txt")):
        text = load_document(path).cleaned.text
        for line in text.splitlines():
            for sentence in _SENTENCE_END.split(line.strip()):
                if len(sentence.split()) >= 6:
                    seen.setdefault(sentence.strip(), None)
    sentences = list(seen)
    names = sorted({word for sentence in sentences for word in _CAPITALISED.findall(sentence)})
    return SeedText(sentences, names)


def perturb(sentence: str, names: Sequence[str], rng: random.Random) -> str:
    """Swap about a third of the capitalised words and change every number (same digit count)."""

    def swap(match: re.Match[str]) -> str:
        return rng.choice(names) if rng.random() < 0.35 else match.group(0)

    def renumber(match: re.Match[str]) -> str:
        digits = len(match.group(0))
        return str(rng.randint(10 ** (digits - 1) if digits > 1 else 0, 10**digits - 1))

    return _NUMBER.sub(renumber, _CAPITALISED.sub(swap, sentence))


def write_articles(seeds: SeedText, folder: Path, count: int, sentences_per_article: int = 24, seed: int = 0) -> None:
    """`count` article files of 24 shuffled, perturbed seed sentences (about 13 chunks each at 160 tokens)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        picked = rng.sample(seeds.sentences, min(sentences_per_article, len(seeds.sentences)))
        body = [perturb(sentence, seeds.names, rng) for sentence in picked]
        title = " ".join(body[0].split()[:8])
        paragraphs = "\n".join(" ".join(body[i : i + 3]) for i in range(0, len(body), 3))
        (folder / f"synthetic_{number:05d}.txt").write_text(f"{title}\n{paragraphs}\n", encoding="utf-8")


def synthetic_chunks(seeds: SeedText, count: int, seed: int = 0) -> Iterator[SyntheticChunk]:
    """`count` chunks of 4-7 perturbed sentences each (about the 160-token chunk size)."""
    rng = random.Random(seed)
    ids = range(len(seeds.sentences))
    for _ in range(count):
        picked = rng.sample(ids, rng.randint(4, 7))
        text = " ".join(perturb(seeds.sentences[i], seeds.names, rng) for i in picked)
        yield SyntheticChunk(text=text, title=" ".join(text.split()[:8]), sentence_ids=picked)


def chunk_vectors(chunks: Sequence[SyntheticChunk], sentence_vectors: np.ndarray, rng: np.random.Generator) -> list[list[float]]:
    """Normalised mean of each chunk's sentence vectors, plus noise of norm ~`_NOISE`, normalised again."""
    dim = sentence_vectors.shape[1]
    out = np.empty((len(chunks), dim), dtype=np.float32)
    for row, chunk in enumerate(chunks):
        mean = sentence_vectors[chunk.sentence_ids].mean(axis=0)
        out[row] = mean / np.linalg.norm(mean)
    out += rng.normal(0.0, _NOISE / np.sqrt(dim), size=out.shape).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return [list(map(float, vector)) for vector in out]


def embed_sentences(seeds: SeedText, encode: Callable[[list[str]], list[list[float]]]) -> np.ndarray:
    return np.asarray(encode(seeds.sentences), dtype=np.float32)
