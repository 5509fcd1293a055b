"""Evidence for the model: the few sentences of the retrieved passages that bear on the question.

A 1.5B model finds a fact better in five sentences than in five paragraphs, and prompt processing is
where answer time goes, so the retrieved chunks are cut into sentences (pysbd), each scored against
the question's focus (`focus`: the question less the words most candidates share; embedding cosine
blended with the share of those words a sentence contains), and the best few are numbered [1]..[n]
under a token budget. A sentence that opens with a pronoun brings the sentence before it, so "He
gave ..." still says who. The same sentence in two files (a wire story and its copy) is one evidence
item citing both. When the question names no year (or several) and the best sentences all come from
one event, the best sentence of another dated event joins them if it is nearly as relevant, so that
the answer can give both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.dating import year_of
from rag.sentences import sentence_spans
from rag.types import Passage

__all__ = ["Evidence", "Embed", "Scorer", "focus", "select_evidence", "whole_passages", "content_stems", "evidence_lines", "closest_sentence"]

Embed = Callable[[list[str]], list[list[float]]]

_PRONOUN_START = re.compile(r"^(?:He|She|It|They|His|Her|Its|Their|This|These|That|Those)\b")
WORD = re.compile(r"[A-Za-z0-9]+(?:[.,]\d+)*")
STOP_WORDS = frozenset(
    "a an the of in on at to for by with and or is was were are be been has have had that this its it as from his her "
    "their he she they which who whom whose what when where why how did does do many much according said says".split()
)
_OTHER_EVENT = 0.85  # a sentence of another dated event joins when it scores at least this share of the best
_EVENTS_FACT = 0.5  # an event's sentence holding the kind of fact asked for joins at this share of the best
_LEAD = 1.0  # bonus of the sentences of the top-ranked passage: they are all read
_RANK = 0.3  # bonus of the other passages by their hybrid-retrieval rank
_KIND = 0.1  # bonus of a sentence that holds the kind of fact asked for
_SHARED = 0.3  # a question word in more than this share of the candidate sentences is not what is asked


@dataclass(frozen=True)
class Evidence:
    number: int  # the [n] the model sees
    text: str  # what the model reads: the sentence, with the one before it when it opens with a pronoun
    sentence: str  # the sentence itself: what a citation quotes
    passage: Passage
    span: tuple[int, int]  # the sentence's [start, end) in passage.text
    score: float
    copies: tuple[tuple[Passage, tuple[int, int]], ...] = field(default=())  # the same sentence in other files
    referents: tuple[tuple[int, str], ...] = ()  # (where a description in `text` ends, whom it means): `rag.referents`

    @property
    def shown(self) -> str:
        """What the model reads: `text`, with "The Chinese leader (Xi Jinping)" where the articles say whom it means."""
        return self.named("({})")

    def named(self, mark: str = "[{}]") -> str:
        """`text` with each described person's name beside the description; "[…]" is how a quotation adds words."""
        text = self.text
        for end, name in sorted(self.referents, reverse=True):
            text = f"{text[:end]} {mark.format(name)}{text[end:]}"
        return text

    @property
    def date(self) -> str:
        return self.passage.date

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.passage.source, *(p.source for p, _ in self.copies)]))


class Scorer:
    """Question-to-sentence relevance, with sentence embeddings cached across questions."""

    def __init__(self, embed: Embed) -> None:
        self._embed = embed
        self._cache: dict[str, list[float]] = {}

    def vectors(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if len(self._cache) > 50_000:  # a long-running server must not grow without bound
                self._cache.clear()
            self._cache.update(zip(missing, self._embed(missing), strict=True))
        return [self._cache[t] for t in texts]

    def relevance(self, question: str, sentences: Sequence[str]) -> list[float]:
        if not sentences:
            return []
        query, *rest = self.vectors([question, *sentences])
        wanted = content_stems(question)
        scores = []
        for sentence, vector in zip(sentences, rest, strict=True):
            cosine = sum(x * y for x, y in zip(query, vector, strict=False))
            overlap = len(wanted & content_stems(sentence)) / len(wanted) if wanted else 0.0
            scores.append(0.7 * cosine + 0.3 * overlap)
        return scores


def closest_sentence(question: str, passages: Sequence[Passage], scorer: Scorer) -> float:
    """The highest cosine between the question and one sentence of `passages`.

    A paragraph's embedding blends its sentences: a short question about one of them ("were social media
    restricted during the 2019 vote") can sit under the refusal line against its paragraph and well above
    it against the sentence that answers it.
    """
    contexts = [context for context, _, _, _ in _sentences(passages)]
    if not contexts:
        return 0.0
    query, *vectors = scorer.vectors([question, *contexts])
    return max(sum(x * y for x, y in zip(query, vector, strict=False)) for vector in vectors)


def content_stems(text: str) -> set[str]:
    """Content words cut to five letters, so "congratulated" meets "congratulations"."""
    return {w.lower()[:5] for w in WORD.findall(text) if w.lower() not in STOP_WORDS}


def select_evidence(
    question: str,
    passages: Sequence[Passage],
    scorer: Scorer,
    *,
    count: int,
    token_budget: int,
    keep: Callable[[Passage], bool] = lambda passage: True,
    spread_events: bool = False,
    fits: Callable[[str, str], bool] = lambda question, sentence: False,
) -> list[Evidence]:
    """The best `count` sentences of `passages` (those `keep` accepts), numbered in order of relevance."""
    kept = [p for p in passages if keep(p)]
    items = _sentences(kept)
    contexts = [context for context, _, _, _ in items]
    relevance = scorer.relevance(focus(question, contexts), contexts)
    # The passage's rank from hybrid retrieval (BM25 + dense over the whole paragraph) and whether the
    # sentence holds the kind of fact asked for (a figure, an age, a name) both count beside its own
    # similarity: a short sentence such as "the 66-year-old career diplomat" resembles little of the question.
    # The best paragraph is read whole (its sentences explain each other: "the leaders' meeting"); the
    # rest of the budget goes to the best sentences of the other passages.
    rank = {id(p): i for i, p in enumerate(kept)}
    scores = [
        r + (_LEAD if rank[id(passage)] == 0 else _RANK / (1 + rank[id(passage)] / 2)) + (_KIND if fits(question, sentence) else 0.0)
        for r, (_, sentence, passage, _) in zip(relevance, items, strict=True)
    ]
    ranked = sorted(zip(scores, items, strict=True), key=lambda pair: -pair[0])
    chosen: list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]] = []
    tokens = 0
    for score, item in ranked:
        context, sentence, passage, span = item
        if any(_same(sentence, other[1]) or other[1] in context or sentence in other[0] for _, other in chosen):
            continue
        cost = _tokens(context)
        if len(chosen) >= count or (len(chosen) >= 2 and tokens + cost > token_budget):
            continue
        chosen.append((score, item))
        tokens += cost
    if spread_events and chosen:
        chosen = _spread(chosen, ranked)
        chosen = _each_events_fact(chosen, ranked, lambda sentence: fits(question, sentence), count)
    return [
        Evidence(n, context, sentence, passage, span, score, _copies(items, sentence, passage.source))
        for n, (score, (context, sentence, passage, span)) in enumerate(chosen, start=1)
    ]


def focus(question: str, candidates: Sequence[str], shared: float = _SHARED) -> str:
    """The question without the content words that more than `shared` of its candidate sentences hold.

    Those words say what every candidate is about ("Tokayev", "election"), not what is asked: "How long
    is the new presidential term Tokayev won in the snap election?" resembles every lead sentence more
    than "... a week after winning a new seven-year term", until its focus, "How long is the new
    presidential term ... won in the snap", is what is scored. IDF, per question, over its own
    candidates, with no word list. A question all of whose content words are shared is kept whole.
    """
    if not candidates:
        return question
    stems = [content_stems(c) for c in candidates]
    common = {s for s in content_stems(question) if sum(s in c for c in stems) > shared * len(stems)}
    words = WORD.findall(question)
    kept = [w for w in words if w.lower()[:5] not in common or w.lower() in STOP_WORDS]
    return " ".join(kept) if content_stems(" ".join(kept)) else question


def whole_passages(passages: Sequence[Passage]) -> list[Evidence]:
    """Today's context as evidence items: each numbered passage whole (the ablation without sentence evidence)."""
    context = [p for p in passages if p.number and p.duplicate_of is None]
    return [Evidence(n, p.text, p.text, p, (0, len(p.text)), p.score) for n, p in enumerate(context, start=1)]


def evidence_lines(evidence: Sequence[Evidence], dated: bool) -> list[str]:
    """The evidence as the model reads it: "[2] (2019) Tokayev won nearly 71 percent ..."."""
    lines = []
    for item in evidence:
        year = year_of(item.date) if dated else ""
        label = f"({year}) " if year else ""
        lines.append(f"[{item.number}] {label}{item.shown}")
    return lines


def _sentences(passages: Sequence[Passage]) -> list[tuple[str, str, Passage, tuple[int, int]]]:
    items = []
    for passage in passages:
        spans = sentence_spans(passage.text)
        for index, (start, end) in enumerate(spans):
            sentence = passage.text[start:end]
            if len(WORD.findall(sentence)) < 3:
                continue
            context = sentence
            if index and _PRONOUN_START.match(sentence):
                before = spans[index - 1]
                context = passage.text[before[0] : end]
            items.append((" ".join(context.split()), sentence, passage, (start, end)))
    return items


def _spread(
    chosen: list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]],
    ranked: list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]],
) -> list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]]:
    years = {year_of(item[2].date) for _, item in chosen}
    best = max(score for score, _ in chosen) - _LEAD
    for score, item in ranked:
        year = year_of(item[2].date)
        if year and year not in years and score >= _OTHER_EVENT * best and (score, item) not in chosen:
            years.add(year)
            if len(chosen) >= 2:
                chosen = chosen[:-1]
            chosen.append((score, item))
    return chosen


def _each_events_fact(
    chosen: list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]],
    ranked: list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]],
    holds: Callable[[str], bool],
    count: int,
) -> list[tuple[float, tuple[str, str, Passage, tuple[int, int]]]]:
    """Each event's evidence holds the kind of fact asked for when one of its sentences does.

    "How old was he when he won?" over two elections needs both ages, and the sentence with one of them
    ("handpicked the 66-year-old career diplomat") resembles little of the question, so the event's lead
    sentence, about the vote, outranks it. A question that asks for no particular kind is left as it is:
    every sentence holds it.
    """
    best = max(score for score, _ in chosen) - _LEAD
    for year in sorted({year_of(item[2].date) for _, item in chosen} - {""}):
        if any(year_of(item[2].date) == year and holds(item[1]) for _, item in chosen):
            continue
        extra = next((pair for pair in ranked if year_of(pair[1][2].date) == year and holds(pair[1][1])), None)
        if extra is None or extra[0] < _EVENTS_FACT * best or any(extra[1][1] in item[0] for _, item in chosen):
            continue
        spare = [pair for pair in chosen[1:] if not holds(pair[1][1])]  # the best sentence stays
        if len(chosen) >= count and spare:
            chosen = [pair for pair in chosen if pair is not spare[-1]]
        if len(chosen) < count:
            chosen.append(extra)
    return chosen


def _copies(
    items: list[tuple[str, str, Passage, tuple[int, int]]], sentence: str, source: str
) -> tuple[tuple[Passage, tuple[int, int]], ...]:
    found: dict[str, tuple[Passage, tuple[int, int]]] = {}
    for _, other, passage, span in items:
        if passage.source != source and passage.source not in found and _same(sentence, other):
            found[passage.source] = (passage, span)
    return tuple(found.values())


def _same(a: str, b: str) -> bool:
    """The same sentence up to an outlet's style ("81%" / "81 percent", "St." / "Saint")."""
    words_a, words_b = {w.lower() for w in WORD.findall(a)}, {w.lower() for w in WORD.findall(b)}
    union = words_a | words_b
    return bool(union) and len(words_a & words_b) / len(union) >= 0.75


def _tokens(text: str) -> int:
    # ~1.3 tokens per English word for Qwen's tokenizer: enough to keep the prompt inside its budget.
    return int(len(text.split()) * 1.3) + 4
