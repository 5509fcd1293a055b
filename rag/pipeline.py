"""One question (part) from retrieval to a verified `Answer`: the path every UI, CLI and API answer takes.

retrieve -> (year filter) -> evidence sentences -> draft from the LLM -> each claim verified against
its evidence sentence -> unsupported claims replaced by the evidence quoted, or dropped -> the
question's names checked against the cited articles -> per-event labels -> markers renumbered 1..n.

`run` is a generator: it yields `Progress` events while it works and returns the `Answer`, so the
caller can show the stages and can stop it (closing the generator cancels the LLM call in flight).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace

from rag.answering import REFUSAL, evidence_messages, says_documents_do_not_say, with_markers
from rag.citations import evidence_citations, numbers_in, split_claims
from rag.config import Settings
from rag.dating import year_of
from rag.evidence import Evidence, Scorer, closest_sentence, evidence_lines, select_evidence, whole_passages
from rag.llm import ChatLLM, Messages
from rag.premise import PremiseCheck
from rag.question_kind import answers_question, asks_for_a_kind, is_yes_no, speaks_of
from rag.quoting import most_relevant, quotable
from rag.referents import with_referents
from rag.retrieval import HybridRetriever
from rag.types import Answer, Check, Citation, EventAnswer, Passage, Progress, Trace
from rag.verify import Verifier, settled, without_yes_no

__all__ = ["AnswerPipeline", "Step"]

Step = Generator[Progress, None, Answer]
_POOL = 20  # retrieved passages whose sentences compete to be evidence
_DRAFT_TICK = 8  # draft tokens between two progress events: how soon a Stop reaches the model


@dataclass
class _Kept:
    text: str  # the claim, markers removed
    evidence: Evidence
    quoted: bool = False  # the evidence sentence itself stands in for an unsupported claim
    year: str = ""  # the event year the claim stated from beside the quoted sentence, which the quote must keep


class AnswerPipeline:
    def __init__(self, settings: Settings, llm: ChatLLM, retriever: HybridRetriever, scorer: Scorer, verifier: Verifier) -> None:
        self.settings, self.llm, self.retriever, self.scorer, self.verifier = settings, llm, retriever, scorer, verifier

    def run(self, question: str, top_k: int | None = None) -> Step:
        settings = self.settings
        yield Progress("searching", "Searching the articles…")
        found = self.retriever.retrieve(question, top_k)
        premise = PremiseCheck(question, self.retriever, enabled=settings.premise_check, time_aware=settings.time_aware)
        pool = found.passages[: max(_POOL, len(found.context))]
        close = found.best_similarity >= settings.min_relevance or closest_sentence(question, pool, self.scorer) >= settings.min_relevance
        if not close or not found.context:
            return self._refuse(question, found.passages, "no passage of the articles is close enough to the question")
        if settings.sentence_evidence:
            evidence = select_evidence(
                question, pool, self.scorer, count=settings.evidence_sentences, token_budget=settings.evidence_tokens,
                keep=premise.keep, spread_events=_each_event(settings, premise), fits=answers_question,
            )  # a person the sentence describes ("The Chinese leader") is named beside it, where the question needs it
            evidence = with_referents(question, evidence, self.retriever.source_text, self.retriever.source_texts())
        else:
            evidence = whole_passages([p for p in found.passages if premise.keep(p)])
        if not evidence:
            return self._correct_or_refuse(question, found.passages, pool, premise, [], "no evidence from the year asked about")
        articles = len({s for item in evidence for s in item.sources})
        yield Progress("reading", f"Reading {len(evidence)} {'sentences' if settings.sentence_evidence else 'passages'} from {articles} article{'s' * (articles != 1)}…")
        lines = evidence_lines(evidence, dated=settings.time_aware)
        yield Progress("writing", "Writing the answer…")
        draft = yield from self._draft(evidence_messages(question, lines))
        claims = [replace(c, text=settled(question, c.text)) for c in split_claims(draft) if re.search(r"\w", c.text)]
        yield Progress("checking", f"Checking {max(len(claims), 1)} claim{'s' * (len(claims) > 1)} against the evidence…")
        checks: list[Check] = []
        kept: list[_Kept] = []
        rejected: list[Evidence] = []  # sentences that, asked the question again, answered it otherwise
        declined = not claims or says_documents_do_not_say(draft)
        if not declined:
            for claim in claims:
                item, closest, claim_checks = self._support(question, claim.text, claim.markers, evidence, premise)
                checks.extend(claim_checks)
                if item is not None:
                    kept.append(_Kept(claim.text, item))
                elif closest is not None and settings.extractive_fallback and quotable(question, closest, self.retriever.source_texts()):
                    # The model's wording was doubted, but the sentence it paraphrased holds the kind of fact
                    # asked for: the sentence itself, quoted, is the faithful answer if it answers as the claim
                    # did (a yes/no question's sentence settles it either way).
                    # A claim whose name the sentence does not tell from its rivals has no answer worth agreeing with:
                    # the quote keeps each name in its place, so the sentence answering the question is enough.
                    indistinct = any(c.kind in ("rival", "clause") and not c.passed for c in claim_checks)
                    agree_with = "" if indistinct else claim.text
                    if is_yes_no(question) or self._confirmed(question, agree_with, closest, checks, vague=not answers_question(question, claim.text)):
                        year = self.verifier.year_read(closest)
                        quote = _Kept(closest.text, closest, quoted=True, year=year if year in numbers_in(claim.text) else "")
                        ranked_first = most_relevant(question, evidence, premise, closest, self.retriever.source_texts()) if is_yes_no(question) else []
                        kept.extend([*(_Kept(e.text, e, quoted=True) for e in ranked_first), quote])
                    else:
                        rejected.append(closest)
                elif closest is not None and settings.extractive_fallback and is_yes_no(question):  # its sentence settles nothing asked
                    kept.extend(_Kept(e.text, e, quoted=True) for e in most_relevant(question, evidence, premise, closest, self.retriever.source_texts()))
        if len({year_of(k.evidence.date) for k in kept}) == 1:  # one event's true figure may measure another thing of it
            measured = [(k, self.verifier.measures(question, k.evidence) if numbers_in(k.text) - numbers_in(question) else None) for k in kept]
            checks.extend(c for _, c in measured if c)
            rejected.extend(k.evidence for k, c in measured if c and not c.passed)
            kept = [k for k, c in measured if not c or c.passed]
        if not kept and settings.extractive_fallback:
            candidates = [e for e in evidence if not any(e is r for r in rejected)]
            cited = [e for e in candidates if any(e.number in c.markers for c in claims)] if not declined else []
            quoted, fallback_checks = self._quote_best(question, candidates, premise, cited)
            checks.extend(fallback_checks)
            kept.extend(quoted)
        trace = Trace(lines, draft, checks)  # its token counts: the Assistant's, from its metered LLM
        if not kept:
            reason = "the model found no answer in the evidence" if declined else "no claim of the draft is stated by the evidence"
            return self._correct_or_refuse(question, found.passages, pool, premise, checks, reason, trace, evidence)
        unnamed = premise.unnamed([k.evidence for k in kept])
        if unnamed:  # claims cited to articles that never name what the question names go first
            naming = [k for k in kept if not set(premise.unnamed([k.evidence])) & set(unnamed)]
            if naming and not premise.unnamed([k.evidence for k in naming]):
                kept, unnamed = naming, []
        if unnamed:
            checks.append(Check(question, "premise", False, 0.0, note=f"the cited articles never mention {', '.join(unnamed)}"))
            return self._refuse(question, found.passages, f"the cited articles never mention {', '.join(unnamed)}", _with(trace, checks))
        unsupported = premise.unsupported([k.evidence for k in kept])
        if unsupported:  # "the runner-up received 81.31 %" cited to the winner's sentence; a June visit for "after November"
            checks.append(Check(question, "premise", False, 0.0, note=unsupported))
            return self._refuse(question, found.passages, unsupported, _with(trace, checks))
        pooled = [] if is_yes_no(question) else premise.pooled([k.evidence for k in kept])
        for name, joined in pooled[:1]:  # a figure for two cities answers no question about one of them
            item = next(k.evidence for k in kept if premise.pooled([k.evidence]))
            text = f"The articles give this for {joined} together, not for {name} alone: “{item.text}” [1]"
            return self._correction(question, found.passages, item, text, f"the cited sentence gives it for {joined} together", trace, checks)
        several = _each_event(settings, premise)
        if several:
            kept = self._other_event(question, kept, evidence, checks, premise)
        # A question over evidence from two events answered for one of them says which: "69-year-old
        # Tokayev" is true of the 2022 election, and the reader asked about his wins.
        events_shown = several and len({year_of(item.date) for item in evidence} - {""}) > 1
        return self._compose(question, kept, found.passages, _with(trace, checks), label_years=events_shown)

    # --- claims ---------------------------------------------------------------------------------
    def _support(
        self, question: str, claim: str, markers: Sequence[int], evidence: Sequence[Evidence], premise: PremiseCheck
    ) -> tuple[Evidence | None, Evidence | None, list[Check]]:
        """The sentence that states the claim (or None), the one it paraphrased if the model doubted it, the checks."""
        if self.settings.verify_claims:
            placed = (premise.settled_clause(), next(iter(premise.years), ""))  # the evidence's year settles that clause
            verdict = self.verifier.verify(question, claim, markers, evidence, placed)
            return verdict.evidence, verdict.closest, verdict.checks
        # Without verification a claim keeps its first valid marker, or the sentence most like it.
        by_number = {e.number: e for e in evidence}
        marked = [by_number[n] for n in markers if n in by_number]
        if marked:
            return marked[0], None, []
        scores = self.scorer.relevance(f"{question} {claim}", [e.text for e in evidence])
        best = max(zip(scores, evidence, strict=True), key=lambda pair: pair[0])
        return (best[1] if best[0] >= self.settings.min_support else None), None, []

    def _confirmed(self, question: str, claim: str, item: Evidence, checks: list[Check], vague: bool = False) -> bool:
        if vague:  # a claim without the kind of fact asked for has no answer to agree with: the sentence must give one
            answers = self.verifier.answers(question, item)
            checks.append(answers)
            if not answers.passed:
                return False
            claim = ""
        check = self.verifier.reask(question, claim, item)
        checks.append(check)
        return check.passed

    def _quote_best(
        self, question: str, evidence: Sequence[Evidence], premise: PremiseCheck, cited: Sequence[Evidence] = ()
    ) -> tuple[list[_Kept], list[Check]]:
        """The sentence the draft cited or the most relevant one, quoted if the model reads an answer in it and states one."""
        checks: list[Check] = []
        # It answers in the draft's place, so for a question about one year it must be of that year.
        evidence = [e for e in evidence if premise.dated_as_asked(e.passage)]
        # "Did only Russia vote against it?" is settled by the sentence that joins Russia with another name,
        # which the model's reading misses ("answers" 0.25): the joining is read off the sentence instead.
        for item in [e for e in evidence if is_yes_no(question) and speaks_of(question, e.text)]:
            for name, joined in premise.pooled([item])[:1]:
                checks.append(Check(question, "premise", True, 1.0, item.sentence, item.passage.source, f"it gives {joined}, not {name} alone"))
                return [_Kept(item.text, item, quoted=True)], checks
        # Two sentences may answer: the one the draft cited, where the model found its answer though its wording was
        # doubted ("You have received a convincing mandate of trust", cited for "what did Tokayev receive?"), and the
        # most relevant one, which the draft may have passed over for a sentence that does not answer.
        fits = [e for e in evidence if answers_question(question, e.text)]
        first_cited = [e for e in fits if any(e is c for c in cited)][:1]
        first_ranked = [e for e in sorted(evidence, key=lambda e: -e.score)[:3] if e in fits][:1]
        typed = [*first_cited, *(e for e in first_ranked if not any(e is c for c in first_cited))]
        for item in typed:  # of the kind asked for, and no other
            check = self.verifier.answers(question, item)
            checks.append(check)
            # The yes/no reading alone passes the winner's sentence for "who was the runner-up?" now and then: the short
            # answer asked of it must be there too. A yes/no question has none to copy (asked again, the model answers
            # NONE of every sentence): the sentence must speak of its subject and predicate (`yes_no.settles`).
            if not check.passed or premise.unnamed([item]):
                continue
            if quotable(question, item, self.retriever.source_texts()) if is_yes_no(question) else self._confirmed(question, "", item, checks):
                return [_Kept(item.text, item, quoted=True)], checks
        return [], checks

    def _other_event(
        self, question: str, kept: list[_Kept], evidence: Sequence[Evidence], checks: list[Check], premise: PremiseCheck
    ) -> list[_Kept]:
        """An undated question answered for one event only: add the other event's sentence when it answers too."""
        cited_years = {year_of(k.evidence.date) for k in kept}
        for item in sorted(evidence, key=lambda e: -e.score):
            year = year_of(item.date)
            if not year or year in cited_years or any(item is k.evidence for k in kept) or not cited_years - {""}:
                continue
            if premise.unshared(cited_years - {""}, year):
                continue
            if not answers_question(question, item.text):
                continue
            check = self.verifier.answers(question, item)
            checks.append(check)
            # A yes/no reading misses an answer worded unlike the question ("handpicked the 66-year-old career diplomat"
            # for "his age when he won"): where a kind of fact is asked for, the short answer asked again decides.
            if check.passed or (asks_for_a_kind(question) and self._confirmed(question, "", item, checks)):
                kept = [*kept, _Kept(item.text, item, quoted=True)]
                cited_years.add(year)
        return kept

    # --- results --------------------------------------------------------------------------------
    def _compose(self, question: str, kept: list[_Kept], passages: list[Passage], trace: Trace, label_years: bool = False) -> Answer:
        years = {year_of(k.evidence.date) for k in kept} - {""}
        several = len(years) > 1
        numbers: dict[int, int] = {}
        sentences: list[str] = []
        citations: list[Citation] = []
        events: dict[str, list[str]] = {}
        for k in kept:
            marker = numbers.setdefault(id(k.evidence), len(numbers) + 1)
            text = f"“{k.evidence.named() if k.text == k.evidence.text else k.text}”" if k.quoted else without_yes_no(question, k.text)
            year = year_of(k.evidence.date)
            # A sentence that names a year of its own ("resigned in 2019") is not labelled with its article's.
            label = year if several or k.year else self.verifier.year_read(k.evidence) if label_years else ""
            if label and label not in text:
                text = f"{text.rstrip('.')} ({label})."
            sentence = with_markers(text if re.search(r"[.!?”]$", text) else text + ".", f"[{marker}]")
            if sentence not in sentences:
                sentences.append(sentence)
                events.setdefault(year or "date not stated", []).append(sentence)
            if not any(c.marker == marker for c in citations):
                citations.extend(evidence_citations(k.evidence, marker))
        event_answers = (
            [EventAnswer(label, " ".join(texts), tuple(sorted({c.source for c in citations if f"[{c.marker}]" in " ".join(texts)})))
             for label, texts in sorted(events.items())]
            if several else []
        )
        return Answer(question, " ".join(sentences), False, citations, passages, question, 0.0, event_answers, trace)

    def _correct_or_refuse(
        self, question: str, passages: list[Passage], pool: list[Passage], premise: PremiseCheck,
        checks: list[Check], reason: str, trace: Trace | None = None, evidence: Sequence[Evidence] = (),
    ) -> Answer:
        """A question whose year the evidence contradicts gets what the articles do say, as a refusal.

        Only when the evidence of the year asked about holds nothing of the kind asked for: "not given
        for 2019" must itself be true.
        """
        trace = _with(trace or Trace(), checks)
        holds = any(answers_question(question, item.text) for item in evidence)
        if premise.years and self.settings.premise_check and asks_for_a_kind(question) and not holds:
            other = [p for p in pool if not premise.keep(p)]
            evidence = select_evidence(question, other, self.scorer, count=2, token_budget=self.settings.evidence_tokens)
            for item in [e for e in evidence if answers_question(question, e.text)][:1]:
                check = self.verifier.answers(question, item)
                checks.append(check)
                if check.passed:
                    asked = ", ".join(sorted(premise.years))
                    text = f"The articles do not give this for {asked}; for {year_of(item.date)} they say: “{item.text}” [1]"
                    return self._correction(question, passages, item, text, f"the articles give this for {year_of(item.date)}, not for {asked}", trace, checks)
        return self._refuse(question, passages, reason, trace)

    def _correction(self, question: str, passages: list[Passage], item: Evidence, text: str, why: str, trace: Trace, checks: list[Check]) -> Answer:
        """A refusal that says what the articles do give, the sentence quoted and cited [1]."""
        checks.append(Check(question, "premise", False, 0.0, item.sentence, item.passage.source, why))
        return Answer(question, text, True, evidence_citations(item, 1), passages, question, 0.0, [], _with(trace, checks, why))

    def _draft(self, messages: Messages) -> Generator[Progress, None, str]:
        """The model's draft, never shown. A consumer gone away (Stop, a closed connection) closes this run, and with it
        the model call, at one of the `Progress` events yielded every few tokens."""
        parts: list[str] = []
        with closing(self.llm.stream(messages, max_tokens=self.settings.max_answer_tokens)) as deltas:
            for delta in deltas:
                parts.append(delta)
                if len(parts) % _DRAFT_TICK == 0:
                    yield Progress("writing", "Writing the answer…")
        return "".join(parts)

    def _refuse(self, question: str, passages: list[Passage], reason: str, trace: Trace | None = None) -> Answer:
        return Answer(question, REFUSAL, True, [], passages, question, 0.0, [], _with(trace or Trace(), None, reason))


def _each_event(settings: Settings, premise: PremiseCheck) -> bool:
    """Is the answer owed for every event its evidence covers: a question that names no year, or several?"""
    return settings.time_aware and len(premise.years) != 1


def _with(trace: Trace, checks: list[Check] | None, reason: str | None = None) -> Trace:
    return Trace(trace.evidence, trace.draft, list(checks if checks is not None else trace.checks), trace.refusal_reason if reason is None else reason)
