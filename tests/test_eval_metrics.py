"""Specification of the eval's scoring (eval/metrics.py), the gate and the report, on hand-made cases.

No model runs here: each case is an `Outcome` written by hand, so every figure can be checked by
counting. The real models are exercised by `rag eval` itself (make eval).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pytest

from eval.baseline import cited_files, looks_like_refusal
from eval.events import clauses, labelled_events
from eval.harness import THRESHOLDS, check_gate, check_splits, load_gold, load_thresholds, outcome_of, refusal_kind, select
from eval.metrics import (
    METRICS,
    Gold,
    Outcome,
    answer_correct,
    covers,
    first_hit_rank,
    percentile,
    quote_faithful,
    score,
    source_ranking,
    summarise,
    summarise_by_category,
    summarise_by_split,
)
from eval.report import Run, write_outputs
from rag import ConfigError, Passage, Settings
from rag.types import Answer, EventAnswer, Progress, Trace

A, B, C = "000_a.txt", "001_b.txt", "004_c.txt"

PUTIN = Gold("s1", "Who congratulated Tokayev?", "Putin", ("Putin",), (A, B), True, "single")
BOTH = Gold("m1", "Who congratulated him?", "Putin and Xi", ("Putin", r"\bXi\b"), (A, B, C), True, "multi", ((A, B), (C,)))
PARIS = Gold("u1", "What is the capital of France?", "", (), (), False, "unanswerable")


def outcome(text: str = "Putin did [1].", *, refused: bool = False, cited: tuple[str, ...] = (A,), **kw: object) -> Outcome:
    values: dict[str, object] = {"ranking": ((A,), (C,)), "seconds": 1.0, "quotes": (True,) * len(cited)} | kw
    return Outcome(text=text, refused=refused, cited=cited, **values)  # type: ignore[arg-type]


# --- single questions -----------------------------------------------------------------------


def test_a_correct_cited_answer_scores_full_marks() -> None:
    metrics = summarise([score(PUTIN, outcome())])
    assert metrics["answer_accuracy"] == metrics["citation_precision"] == metrics["citation_recall"] == 1.0
    assert metrics["false_refusal_rate"] == 0.0
    assert metrics["recall_at_5"] == metrics["mrr"] == 1.0
    assert metrics["passed"] == 1


def test_must_patterns_are_case_insensitive_regexes_and_all_must_match() -> None:
    assert answer_correct("vladimir PUTIN", ["putin"]) == (True, ())
    assert answer_correct("Putin alone", ["Putin", r"\bXi\b"]) == (False, (r"\bXi\b",))
    assert answer_correct("Xiaomi and Putin", ["Putin", r"\bXi\b"])[0] is False


def test_a_wrong_citation_lowers_precision_but_not_recall() -> None:
    metrics = summarise([score(PUTIN, outcome(cited=(A, C)))])
    assert metrics["citation_precision"] == 0.5
    assert metrics["citation_recall"] == 1.0
    assert "wrong citation" in score(PUTIN, outcome(cited=(A, C))).problems[0]


def test_precision_counts_distinct_cited_files_over_all_answers() -> None:
    scores = [score(PUTIN, outcome(cited=(A,))), score(PUTIN, outcome(cited=(B, C, A)))]
    assert summarise(scores)["citation_precision"] == pytest.approx(3 / 4)


def test_an_answer_without_citations_has_no_recall_and_no_precision_to_speak_of() -> None:
    result = score(PUTIN, outcome(cited=()))
    metrics = summarise([result])
    assert metrics["citation_recall"] == 0.0
    assert metrics["citation_precision"] is None
    assert result.problems == ["no citation of an acceptable source"]


def test_a_wrong_fact_fails_accuracy_and_names_the_missing_pattern() -> None:
    result = score(PUTIN, outcome("Medvedev did [1]."))
    assert summarise([result])["answer_accuracy"] == 0.0
    assert result.problems == ["wrong fact: no match for /Putin/"]


# --- refusals -------------------------------------------------------------------------------


def test_a_refused_answerable_question_raises_the_false_refusal_rate_and_lowers_accuracy() -> None:
    scores = [score(PUTIN, outcome()), score(PUTIN, outcome("I couldn't find it.", refused=True, cited=()))]
    metrics = summarise(scores)
    assert metrics["false_refusal_rate"] == 0.5
    assert metrics["answer_accuracy"] == 0.5
    assert metrics["refusal_accuracy"] is None  # no unanswerable question in the group
    assert scores[1].problems == ["wrong refusal: refused an answerable question"]


def test_a_false_refusal_says_which_stage_refused_when_the_pipeline_tells() -> None:
    refused = outcome("I couldn't find it.", refused=True, cited=(), extra={"refusal": "the model said so"})
    assert score(PUTIN, refused).problems == ["wrong refusal: refused an answerable question (the model said so)"]


def test_the_refusing_stage_is_read_from_the_models_draft() -> None:
    from rag.answering import REFUSAL

    assert refusal_kind(REFUSAL) == "relevance gate, no LLM call"
    assert refusal_kind("NOT IN DOCUMENTS.") == "the model said the documents do not say"
    assert refusal_kind("The documents do not say.") == "the model said the documents do not say"
    assert refusal_kind("Paris is the capital [1].") == "the model answered, the citation check rejected it"


def test_a_refusal_that_happens_to_contain_the_answer_is_still_not_correct() -> None:
    assert score(PUTIN, outcome("Putin? I couldn't find that.", refused=True, cited=())).correct is False


def test_unanswerable_questions_count_towards_refusal_accuracy_only_when_refused() -> None:
    refused = score(PARIS, outcome("I couldn't find it.", refused=True, cited=()))
    answered = score(PARIS, outcome("Paris [1].", cited=(A,)))
    metrics = summarise([refused, answered])
    assert metrics["refusal_accuracy"] == 0.5
    assert metrics["answer_accuracy"] is None and metrics["false_refusal_rate"] is None
    assert refused.passed and not answered.passed
    assert answered.problems == ["wrong refusal: answered an unanswerable question"]


def test_a_citation_on_an_unanswerable_question_counts_as_a_wrong_citation() -> None:
    metrics = summarise([score(PUTIN, outcome()), score(PARIS, outcome("Paris [1].", cited=(A,)))])
    assert metrics["citation_precision"] == 0.5


def test_baseline_refusals_are_recognised_from_their_wording() -> None:
    assert looks_like_refusal("")
    assert looks_like_refusal("Empty Response")
    assert looks_like_refusal("The provided sources do not mention the capital of France.")
    assert looks_like_refusal("I cannot answer that based on the context.")
    assert not looks_like_refusal("Putin congratulated Tokayev [1].")


def test_baseline_citations_are_the_files_its_markers_point_at_in_any_of_its_marker_styles() -> None:
    sources = [B, B, A, C]  # the files of its source chunks, in order: [1] and [2] are both B
    assert cited_files("Putin [Source 3]. Xi [4][2]. Again [1, 3].", sources) == (A, C, B)
    assert cited_files("Out of range [9] and [0].", sources) == ()


# --- multi-source questions -----------------------------------------------------------------


def test_a_multi_question_needs_every_group_cited() -> None:
    one_side = score(BOTH, outcome("Putin and Xi [1].", cited=(B,)))
    both = score(BOTH, outcome("Putin and Xi [1][2].", cited=(B, C)))
    assert one_side.covered is False and one_side.problems == ["no citation of a needed source"]
    assert both.covered is True and both.passed


def test_groups_default_to_any_one_of_the_sources() -> None:
    assert PUTIN.groups == ((A, B),)
    assert covers([B], PUTIN.groups)
    assert not covers([C], PUTIN.groups)
    assert not covers([A], ())  # nothing to cover is not a hit


# --- retrieval ------------------------------------------------------------------------------


def passage(source: str, chunk: str, *, number: int = 0, duplicate_of: str | None = None) -> Passage:
    return Passage(source, "", "text", (1, 1), (0, 4), 0.1, 0.5, chunk, number, duplicate_of)


def test_near_duplicates_share_the_rank_of_the_passage_they_copy() -> None:
    passages = [
        passage(C, "c1", number=1),
        passage(A, "a1", number=2),
        passage(B, "b1", number=2, duplicate_of="a1"),
        passage(C, "c2"),  # retrieved, not shown to the model
    ]
    assert source_ranking(passages) == ((C,), (A, B), (C,))


def test_recall_at_k_and_mrr_follow_the_rank_of_the_first_acceptable_source() -> None:
    ranking = ((C,), (C,), (C,), (C,), (C,), (A,))
    result = score(PUTIN, outcome(ranking=ranking, top_k=4))
    assert first_hit_rank(ranking, PUTIN.sources) == 6
    assert result.hit_at_5 is False and result.hit_at_k is False
    assert result.reciprocal_rank == pytest.approx(1 / 6)
    assert score(PUTIN, outcome(ranking=((C,), (B,)))).reciprocal_rank == 0.5
    assert score(PUTIN, outcome(ranking=((C,),))).reciprocal_rank == 0.0


def test_evidence_recall_tells_a_never_shown_answer_from_one_shown_and_missed() -> None:
    shown = ("[1] (2022) However, Russian President Vladimir Putin congratulated Tokayev.",)
    never = ("[1] (2019) Tokayev won nearly 71 percent of the vote.",)
    missed = score(PUTIN, outcome("The documents do not say.", refused=True, cited=(), evidence=shown))
    unseen = score(PUTIN, outcome("The documents do not say.", refused=True, cited=(), evidence=never))
    assert missed.evidence_hit is True and unseen.evidence_hit is False
    assert summarise([missed, unseen])["evidence_recall"] == 0.5
    # Every part of the answer must have been shown: Xi is missing from Putin's sentence.
    assert score(BOTH, outcome(evidence=shown)).evidence_hit is False


def test_evidence_recall_is_not_judged_for_a_pipeline_that_does_not_report_its_evidence() -> None:
    assert score(PUTIN, outcome()).evidence_hit is None
    assert score(PARIS, outcome(evidence=("[1] Paris is the capital.",))).evidence_hit is None
    assert summarise([score(PUTIN, outcome())])["evidence_recall"] is None
    assert score(PUTIN, outcome(evidence=())).evidence_hit is False  # refused before any evidence: never shown


def test_recall_at_top_k_only_counts_what_the_model_was_shown() -> None:
    ranking = ((C,), (C,), (A,))
    assert score(PUTIN, outcome(ranking=ranking, top_k=2)).hit_at_k is False
    assert score(PUTIN, outcome(ranking=ranking, top_k=3)).hit_at_k is True


def test_multi_retrieval_recall_needs_every_group_within_k() -> None:
    assert score(BOTH, outcome(ranking=((A,), (B,)))).hit_at_5 is False
    assert score(BOTH, outcome(ranking=((A,), (C,)))).hit_at_5 is True


# --- quotes ---------------------------------------------------------------------------------

RAW = "Headline\n\nTokayev, a 66-\nyear-old diplomat, won\nnearly 71 percent.\n"


def test_a_quote_is_faithful_at_its_lines_and_chars_even_across_a_hard_wrap() -> None:
    start = RAW.index("a 66-")
    end = RAW.index(" won") + len(" won")
    assert quote_faithful(RAW, "a 66-year-old diplomat, won", (3, 4), (start, end))


def test_a_quote_at_the_wrong_lines_or_chars_or_reworded_is_not_faithful() -> None:
    start, end = RAW.index("nearly"), RAW.index("percent.") + len("percent.")
    assert quote_faithful(RAW, "nearly 71 percent.", (5, 5), (start, end))
    assert not quote_faithful(RAW, "nearly 71 percent.", (3, 4), (start, end))  # wrong lines
    assert not quote_faithful(RAW, "nearly 71 percent.", (5, 5), (0, 8))  # wrong chars
    assert not quote_faithful(RAW, "almost 71 percent.", (5, 5), (start, end))  # not verbatim
    assert not quote_faithful(RAW, "nearly 71 percent.", (5, 9), (start, end))  # past the end
    assert not quote_faithful(RAW, "  ", (5, 5), (start, end))


def test_quote_faithfulness_is_the_share_of_all_quotes_checked() -> None:
    scores = [score(PUTIN, outcome(quotes=(True, False))), score(PUTIN, outcome(quotes=(True, True)))]
    assert summarise(scores)["quote_faithfulness"] == 0.75
    assert summarise([score(PUTIN, outcome(quotes=()))])["quote_faithfulness"] is None  # baseline: no quotes


# --- latency and grouping -------------------------------------------------------------------


def test_percentiles_interpolate_like_numpy() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(n) for n in range(1, 101)], 95) == pytest.approx(95.05)


def test_the_latency_tail_is_p95_over_p50_of_the_same_run_so_a_slower_machine_does_not_move_it() -> None:
    times = [10.0, 10.0, 12.0, 14.0, 30.0]
    tail = summarise([score(PUTIN, outcome(seconds=t)) for t in times])["latency_tail"]
    slower = summarise([score(PUTIN, outcome(seconds=1.35 * t)) for t in times])["latency_tail"]
    assert tail == pytest.approx(percentile(times, 95) / 12.0)
    assert slower == pytest.approx(tail)
    assert summarise([])["latency_tail"] is None


def test_metrics_are_given_overall_and_per_category() -> None:
    scores = [score(PUTIN, outcome()), score(PARIS, outcome("x", refused=True, cited=()))]
    summary = summarise_by_category(scores)
    assert list(summary) == ["overall", "single", "unanswerable"]
    assert summary["overall"]["questions"] == 2
    assert summary["single"]["refusal_accuracy"] is None
    assert summary["unanswerable"]["refusal_accuracy"] == 1.0


# --- the gate -------------------------------------------------------------------------------


def test_the_gate_names_each_metric_below_its_floor_or_above_its_ceiling() -> None:
    thresholds = {"floors": {"answer_accuracy": 0.8, "citation_recall": 0.5}, "ceilings": {"false_refusal_rate": 0.1}}
    summary = {"answer_accuracy": 0.75, "citation_recall": 0.9, "false_refusal_rate": 0.2}
    failures = check_gate(summary, thresholds)
    assert len(failures) == 2
    assert "answer_accuracy = 75.0% is below its floor 80.0%" in failures[0]
    assert "false_refusal_rate = 20.0% is above its ceiling 10.0%" in failures[1]
    assert check_gate({"answer_accuracy": 0.8, "citation_recall": 0.5, "false_refusal_rate": 0.1}, thresholds) == []


def test_a_metric_the_run_could_not_measure_fails_the_gate() -> None:
    assert check_gate({"refusal_accuracy": None}, {"floors": {"refusal_accuracy": 0.9}}) == [
        "refusal_accuracy was not measured (its floor is 0.9)"
    ]


def test_the_repository_thresholds_name_only_known_metrics_for_both_splits() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    assert set(thresholds) == {"dev", "test"}
    for split in thresholds.values():
        assert split["floors"], "eval/thresholds.toml has no floors"
        assert set(split["floors"]) | set(split["ceilings"]) <= set(METRICS)


def test_the_repository_gate_holds_the_old_bar_on_dev_and_the_rebased_lines_on_test() -> None:
    # The 92-question floors (commit 41e91d0) still hold on dev; the test split, with its false-premise questions,
    # was re-based from the first measured run of the verified path (see eval/thresholds.toml). Raising is fine.
    before = {"answer_accuracy": 0.60, "refusal_accuracy": 0.75, "citation_precision": 0.85, "citation_recall": 0.70}
    before |= {"recall_at_5": 0.95, "recall_at_k": 0.95, "mrr": 0.85, "quote_faithfulness": 1.00}
    rebased = before | {"refusal_accuracy": 0.40, "citation_precision": 0.80}
    thresholds = load_thresholds(THRESHOLDS)
    for split, floors in (("dev", before), ("test", rebased)):
        assert all(thresholds[split]["floors"][metric] >= floor for metric, floor in floors.items()), split
        assert thresholds[split]["ceilings"]["false_refusal_rate"] <= (0.13 if split == "dev" else 0.14)  # round 27
        assert thresholds[split]["ceilings"]["confidently_wrong"] <= (6 if split == "dev" else 11)  # rounds 31, 21
        assert thresholds[split]["ceilings"]["prompt_tokens_p50"] <= 600  # 5 evidence sentences in 160 tokens
        assert thresholds[split]["floors"]["answer_accuracy"] >= (0.84 if split == "dev" else 0.78)  # rounds 30, 28
        assert thresholds[split]["floors"]["refusal_accuracy"] >= (0.90 if split == "dev" else 0.65)  # round 31
        # Time is gated in units a machine's speed cannot move: a line in seconds failed CI on a slower machine.
        assert not any(METRICS[m][0].endswith("(s)") for m in thresholds[split]["ceilings"]), split
        assert thresholds[split]["ceilings"]["latency_tail"] <= 3.0
        assert thresholds[split]["ceilings"]["processed_tokens_p95"] <= 650


def test_a_thresholds_file_with_a_misspelt_metric_is_rejected(tmp_path: Path) -> None:
    from rag import ConfigError

    path = tmp_path / "thresholds.toml"
    path.write_text("[floors]\nanswer_acuracy = 0.9\n")
    with pytest.raises(ConfigError, match="answer_acuracy"):
        load_thresholds(path)
    path.write_text("[test.floors]\nanswer_acuracy = 0.9\n")
    with pytest.raises(ConfigError, match="answer_acuracy"):
        load_thresholds(path)


# --- the written report ---------------------------------------------------------------------


def test_the_report_files_show_ours_and_the_baseline_side_by_side(tmp_path: Path) -> None:
    gold = [PUTIN, BOTH, PARIS]
    ours = [outcome(), outcome("Putin and Xi [1][2].", cited=(A, C)), outcome("x", refused=True, cited=())]
    base = [outcome(cited=(C,)), outcome("Putin.", cited=()), outcome("Paris [1].", cited=(A,))]
    runs = [_run("ours", gold, ours), _run("baseline", gold, base)]
    paths = write_outputs(tmp_path, gold, runs, Settings(), partial=False)
    assert sorted(p.name for p in paths) == ["chart.png", "report.md", "results.json"]
    report = (tmp_path / "report.md").read_text()
    assert "## Side by side (ours / baseline)" in report
    assert "| citation recall | 100% / 0%" in report
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["runs"]["baseline"]["questions"][2]["problems"] == ["wrong refusal: answered an unanswerable question"]


def _run(name: str, gold: list[Gold], outcomes: list[Outcome]) -> Run:
    scores = [score(g, o) for g, o in zip(gold, outcomes, strict=True)]
    return Run(name, outcomes, scores, summarise_by_category(scores), 1.0, summarise_by_split(scores))


def test_the_gold_file_loads_into_typed_questions() -> None:
    questions = load_gold()
    assert len(questions) >= 60
    assert all(q.groups for q in questions if q.answerable)
    assert not any(q.groups for q in questions if not q.answerable)


# --- issue 9: forbidden patterns, confidently wrong, corrections, two events, tokens ---------

ABSTAIN = Gold(
    "t1", "How did Kazakhstan vote?", "It abstained", ("abstain",), (C,), True, "trap", must_not=(r"in\s+favou?r|voted\s+for",)
)
AGES = Gold(
    "e1",
    "How old was Tokayev when he won?",
    "66 in 2019; 69 in 2022",
    (r"\b66\b", r"\b69\b"),
    (A, C),
    True,
    "twoevent",
    needs=((A,), (C,)),
    event_must=(("2019", (r"\b66\b",)), ("2022", (r"\b69\b",))),
)
TURNOUT_2019 = Gold("p1", "What was the 2019 turnout?", "", (), (), False, "premise", premise="Only 2022's: 69.44 %.")


def test_a_forbidden_pattern_fails_an_answer_that_has_every_required_one() -> None:
    result = score(ABSTAIN, outcome("It voted in favour, then abstained [1].", cited=(C,)))
    assert result.correct is False and result.forbidden == (r"in\s+favou?r|voted\s+for",)
    assert result.problems == [r"wrong fact: matches forbidden /in\s+favou?r|voted\s+for/"]
    assert score(ABSTAIN, outcome("Kazakhstan abstained [1].", cited=(C,))).passed
    assert answer_correct("It abstained", ["abstain"], [r"in\s+favou?r"]) == (True, ())
    assert answer_correct("In favour", ["abstain"], [r"in\s+favou?r"]) == (False, ("abstain", r"in\s+favou?r"))


def test_citation_markers_are_not_figures() -> None:
    five = Gold("c1", "How many opponents?", "Five", (r"\b(five|5)\b",), (A,), True, "conflict")
    assert score(five, outcome("He had six rivals [5].")).correct is False
    assert score(five, outcome("He had 5 rivals [1].")).correct is True


def test_confidently_wrong_counts_cited_wrong_answers_and_cited_answers_to_unanswerable_questions() -> None:
    cases = [
        (ABSTAIN, outcome("It voted in favour [1].", cited=(C,)), True),  # forbidden, cited
        (ABSTAIN, outcome("It voted against [1].", cited=(C,)), True),  # missing, cited
        (ABSTAIN, outcome("It voted in favour.", cited=()), False),  # wrong but not made to look sourced
        (ABSTAIN, outcome("It abstained [1].", cited=(C,)), False),
        (ABSTAIN, outcome("Not in the documents.", refused=True, cited=()), False),
        (PARIS, outcome("Paris [1].", cited=(A,)), True),
        (PARIS, outcome("Paris.", cited=()), False),
        (TURNOUT_2019, outcome("The articles give the 2022 turnout, not 2019's [1].", refused=True, cited=(C,)), False),
    ]
    for gold, result, expected in cases:
        assert score(gold, result).confidently_wrong is expected, (gold.id, result.text)
    assert summarise([score(g, o) for g, o, _ in cases])["confidently_wrong"] == 3


def test_a_premise_correction_with_citations_is_a_refusal_and_its_citations_are_not_judged() -> None:
    correction = outcome("The articles give the 2022 turnout (69.44 %), not the 2019 one [1].", refused=True, cited=(C,))
    result = score(TURNOUT_2019, correction)
    assert result.passed and result.problems == []
    metrics = summarise([result, score(PUTIN, outcome())])
    assert metrics["refusal_accuracy"] == 1.0
    assert metrics["citation_precision"] == 1.0  # the correction's citation of C is not counted against it
    assert summarise([result])["citation_precision"] is None


def test_citations_on_a_false_refusal_are_not_counted_in_precision_either() -> None:
    refused = score(PUTIN, outcome("I couldn't find it [1].", refused=True, cited=(C,)))
    assert summarise([refused])["citation_precision"] is None
    assert summarise([refused])["false_refusal_rate"] == 1.0


def test_two_event_accuracy_needs_each_figure_with_its_own_year() -> None:
    def two(text: str, **kw: Any) -> bool | None:
        return score(AGES, outcome(text, cited=(A, C), **kw)).events_ok

    assert two("He was 66 in 2019 and 69 in 2022 [1][2].") is True
    assert two("In 2022 he was 69 [1]; in 2019, 66 [2].") is True
    assert two("He was 66. That was in 2019. In 2022 he was 69.") is True
    assert two("He was 69 in 2019 and 66 in 2022.") is False  # swapped
    assert two("He was 66 and 69 [1][2].") is False  # unlabelled
    assert two("He was 69 in 2022 [1].") is False  # one event only
    assert two("He was 66 in 2019 and 69 in 2022.", refused=True) is False
    assert two("Two elections.", events=(("2019 election", "He was 66 [1]"), ("2022", "He was 69 [2]"))) is True
    assert score(PUTIN, outcome()).events_ok is None
    scores = [score(AGES, outcome("66 in 2019, 69 in 2022.", cited=(A, C))), score(AGES, outcome("66 and 69.", cited=(A, C)))]
    metrics = summarise(scores + [score(PUTIN, outcome())])
    assert metrics["two_event_accuracy"] == 0.5
    assert scores[1].problems == ["not answered per event: no labelled figure for 2019, 2022"]
    assert summarise([score(PUTIN, outcome())])["two_event_accuracy"] is None


def test_a_figure_more_than_80_characters_from_its_year_is_not_labelled() -> None:
    far = "He was 66 when he won, " + "a long aside about the campaign and the rivals " * 2 + "in 2019; in 2022 he was 69."
    assert labelled_events(far, AGES.event_must) == {"2019": False, "2022": True}
    assert clauses("One. Two; three\nfour") == [(0, 4), (5, 8), (9, 15), (16, 20)]


def test_prompt_tokens_p50_is_the_median_of_the_answers_that_report_it() -> None:
    scores = [score(PUTIN, outcome(prompt_tokens=t)) for t in (100, 300, None, 0, 200)]
    assert summarise(scores)["prompt_tokens_p50"] == 200
    assert summarise([score(PUTIN, outcome())])["prompt_tokens_p50"] is None


def test_processed_tokens_are_the_prompt_tokens_the_prompt_cache_did_not_serve() -> None:
    scores = [score(PUTIN, outcome(prompt_tokens=t, cached_tokens=c)) for t, c in ((100, 40), (300, 0), (200, 150), (None, 0))]
    assert summarise(scores)["processed_tokens_p50"] == 60  # of 60, 300 and 50
    assert summarise(scores)["processed_tokens_p95"] == pytest.approx(276)  # the costliest answers: 60 + 0.9 * 240
    assert summarise(scores)["prompt_tokens_p50"] == 200


def test_metrics_are_given_per_split_and_per_category() -> None:
    dev, test = replace(PUTIN, split="dev"), replace(PARIS, split="test")
    splits = summarise_by_split([score(dev, outcome()), score(test, outcome("x", refused=True, cited=()))])
    assert list(splits) == ["all", "dev", "test"]
    assert splits["all"]["overall"]["questions"] == 2
    assert splits["dev"]["overall"]["answer_accuracy"] == 1.0 and splits["dev"]["overall"]["refusal_accuracy"] is None
    assert list(splits["test"]) == ["overall", "unanswerable"]


# --- the gold file's new fields and the harness plumbing (no models) -------------------------


def test_gold_records_read_split_history_events_and_premise() -> None:
    record = {
        "id": "f1", "question": "And then?", "answer": "69", "must": ["69"], "sources": [A], "answerable": True,
        "category": "followup", "must_not": ["66"], "events": ["2019", "2022"],
        "event_must": {"2022": ["69"], "2019": ["66"]}, "history": [{"role": "user", "content": "Age?"}], "split": "test",
    }  # fmt: skip
    gold = Gold.from_dict(record)
    assert gold.split == "test" and gold.must_not == ("66",) and gold.events == ("2019", "2022")
    assert gold.event_must == (("2019", ("66",)), ("2022", ("69",)))
    assert gold.messages() == [{"role": "user", "content": "Age?"}]
    with pytest.raises(ValueError, match="split"):
        Gold.from_dict(record | {"split": "train"})
    with pytest.raises(ValueError, match="events"):
        Gold.from_dict(record | {"events": ["2019"]})


def test_every_loaded_question_has_a_split_and_follow_ups_their_history() -> None:
    questions = load_gold()
    assert {q.split for q in questions} == {"dev", "test"}
    assert all(q.history for q in questions if q.category == "followup")
    assert sum(1 for q in questions if q.event_must) >= 8


def test_select_picks_a_split_then_the_first_n() -> None:
    questions = [replace(PUTIN, id=str(n), split="test" if n % 3 == 0 else "dev") for n in range(7)]
    assert [q.id for q in select(questions, "test")] == ["0", "3", "6"]
    assert [q.id for q in select(questions, "dev", 2)] == ["1", "2"]
    assert len(select(questions)) == 7
    with pytest.raises(ConfigError, match="split"):
        select(questions, "train")
    with pytest.raises(ConfigError, match="limit"):
        select(questions, "all", 0)


class _FakeAssistant:
    def __init__(self, answer: Answer) -> None:
        self.answer, self.calls = answer, []  # type: ignore[var-annotated]

    def stream(self, question: str, history: object = None) -> Iterator[object]:
        self.calls.append((question, history))
        yield Progress("searching", "…")
        yield "Putin "
        yield self.answer


def test_a_follow_up_is_asked_with_its_history() -> None:
    from eval.harness import _ask

    gold = Gold("f1", "And him?", "Putin", ("Putin",), (A,), True, "followup", history=(("user", "Who?"), ("assistant", "Xi.")))
    fake = _FakeAssistant(Answer("And him?", "Putin", False))
    answer, streamed = _ask(fake, gold)  # type: ignore[arg-type]
    assert fake.calls == [("And him?", [{"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Xi."}])]
    assert streamed == "Putin " and answer.text == "Putin"
    _ask(fake, PUTIN)  # type: ignore[arg-type]
    assert fake.calls[-1] == (PUTIN.question, None)


def test_an_answer_is_reduced_with_its_trace_events_and_tokens() -> None:
    trace = Trace(["[1] (2022) Putin congratulated him."], "Putin did.", refusal_reason="", prompt_tokens=240, llm_calls=2)
    answer = Answer("q", "Putin [1].", False, events=[EventAnswer("2022", "Putin [1].", (A,))], trace=trace)
    result = outcome_of(answer, (), 5)
    assert result.prompt_tokens == 240 and result.events == (("2022", "Putin [1]."),)
    assert result.evidence == ("[1] (2022) Putin congratulated him.",)
    assert result.extra["llm_calls"] == 2 and result.extra["events"][0]["sources"] == [A]
    refused = Answer("q", "No.", True, trace=Trace(refusal_reason="premise: no 2019 turnout"))
    assert outcome_of(refused, (), 5).prompt_tokens is None  # 0 = not measured
    assert outcome_of(refused, (), 5).extra["refusal"] == "premise: no 2019 turnout"

    class Bare:  # an answer without trace or events (an older pipeline)
        text, refused, seconds = "x", False, 1.0
        citations: list[Any] = []
        passages: list[Any] = []

    assert outcome_of(Bare(), (), 5).prompt_tokens is None and outcome_of(Bare(), (), 5).events == ()
    assert outcome_of(Bare(), (), 5).evidence is None  # not reported, so not judged


# --- the gate per split, and the ablation plumbing -------------------------------------------


def test_shared_lines_apply_to_each_split_and_split_tables_may_only_tighten(tmp_path: Path) -> None:
    from rag import ConfigError

    path = tmp_path / "thresholds.toml"
    path.write_text("[floors]\nanswer_accuracy = 0.6\n[ceilings]\nconfidently_wrong = 2\n[test.floors]\nanswer_accuracy = 0.7\n")
    thresholds = load_thresholds(path)
    assert thresholds["dev"] == {"floors": {"answer_accuracy": 0.6}, "ceilings": {"confidently_wrong": 2.0}}
    assert thresholds["test"]["floors"] == {"answer_accuracy": 0.7}
    summaries = {"dev": {"answer_accuracy": 0.65, "confidently_wrong": 3}, "test": {"answer_accuracy": 0.65, "confidently_wrong": 0}}
    assert check_splits(summaries, thresholds) == [
        "dev: confidently_wrong = 3 is above its ceiling 2",
        "test: answer_accuracy = 65.0% is below its floor 70.0%",
    ]
    assert check_splits({"dev": summaries["test"]}, thresholds) == []  # a --split dev run checks dev only
    path.write_text("[floors]\nanswer_accuracy = 0.6\n[dev.floors]\nanswer_accuracy = 0.5\n")
    with pytest.raises(ConfigError, match="loosens"):
        load_thresholds(path)
    path.write_text("[flors]\nanswer_accuracy = 0.6\n")
    with pytest.raises(ConfigError, match="flors"):
        load_thresholds(path)


def test_ablation_names_are_on_off_settings_or_legacy() -> None:
    from eval.ablation import STEPS, parse_ablations

    @dataclass
    class Flags:
        verify_claims: bool = True
        time_aware: bool = True
        top_k: int = 5

    assert [(a.name, a.changes) for a in parse_ablations("verify_claims, time_aware,verify_claims", Flags)] == [
        ("verify_claims", {"verify_claims": False}),
        ("time_aware", {"time_aware": False}),
    ]
    assert parse_ablations("time_aware", Flags)[0].label == "without time_aware"
    with pytest.raises(ConfigError, match="no field premise_check"):
        parse_ablations("premise_check", Flags)
    with pytest.raises(ConfigError, match="extractive_fallback"):
        parse_ablations("legacy", Flags)  # legacy needs all five
    with pytest.raises(ConfigError, match="not an on/off setting"):
        parse_ablations("top_k", Flags)
    with pytest.raises(ConfigError, match="at least one"):
        parse_ablations(" , ", Flags)
    every: Any = dataclass(type("Every", (), {"__annotations__": dict.fromkeys(STEPS, bool)} | dict.fromkeys(STEPS, True)))
    (legacy,) = parse_ablations("legacy", every)
    assert legacy.changes == dict.fromkeys(STEPS, False) and legacy.label.startswith("legacy")


def test_the_real_settings_accept_the_ablation_names_they_define() -> None:
    from eval.ablation import STEPS, parse_ablations

    known = [step for step in STEPS if step in {f.name for f in fields(Settings)}]
    for ablation in parse_ablations(known or ["legacy"], Settings) if known else []:
        assert getattr(Settings().replace(**ablation.changes), ablation.name) is False


def test_the_report_has_per_split_tables_and_the_ablation_table(tmp_path: Path) -> None:
    gold = [replace(PUTIN, split="dev"), replace(PARIS, split="test")]
    full = _run("ours", gold, [outcome(prompt_tokens=200, cached_tokens=80), outcome("x", refused=True, cited=())])
    off = _run("without verify_claims", gold, [outcome("Medvedev [1].", seconds=2.0), outcome("Paris [1].", cited=(A,))])
    paths = write_outputs(tmp_path, gold, [full], Settings(), partial=False, split="all", ablations=[full, off])
    report = (tmp_path / "report.md").read_text()
    assert "## ours: metrics per split" in report and "| metric | all | dev | test |" in report
    assert "## ours, test questions: metrics per category" in report
    assert "| without verify_claims | 0% | 0% | 2 | 0% | n/a | 1.5 | n/a | n/a | 1.50× |" in report
    assert "| ours | 100% | 0% | 0 | 100% | n/a | 1.0 | 200 | 120 | 1.00× |" in report
    data = json.loads(paths[0].read_text())
    assert data["ablation"]["without verify_claims"]["summary"]["overall"]["confidently_wrong"] == 2
    assert data["runs"]["ours"]["questions"][1]["split"] == "test"
