"""Specification of the eval's scoring (eval/metrics.py), the gate and the report, on hand-made cases.

No model runs here: each case is an `Outcome` written by hand, so every figure can be checked by
counting. The real models are exercised by `rag eval` itself (make eval).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.baseline import cited_files, looks_like_refusal
from eval.harness import THRESHOLDS, check_gate, load_gold, load_thresholds, refusal_kind
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
)
from eval.report import Run, write_outputs
from rag import Passage, Settings

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


def test_the_repository_thresholds_name_only_known_metrics() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    assert thresholds["floors"], "eval/thresholds.toml has no floors"
    assert set(thresholds["floors"]) | set(thresholds["ceilings"]) <= set(METRICS)


def test_a_thresholds_file_with_a_misspelt_metric_is_rejected(tmp_path: Path) -> None:
    from rag import ConfigError

    path = tmp_path / "thresholds.toml"
    path.write_text("[floors]\nanswer_acuracy = 0.9\n")
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
    return Run(name, outcomes, scores, summarise_by_category(scores), 1.0)


def test_the_gold_file_loads_into_typed_questions() -> None:
    questions = load_gold()
    assert len(questions) >= 60
    assert all(q.groups for q in questions if q.answerable)
    assert not any(q.groups for q in questions if not q.answerable)
