"""Specification of the gold evaluation question set (eval/gold.jsonl).

The gold set is the yardstick for the retrieval-augmented QA system, so it has
to be honest about the corpus it is graded against.  These tests pin down:

* the file format: one JSON object per line with a fixed set of keys;
* the composition: enough questions in every category and about every seed;
* internal consistency: unanswerable questions carry no expectations, answerable
  ones carry both required patterns and acceptable sources;
* honesty: every required pattern of an answerable question actually occurs in
  the raw text of at least one of the seed files it names as a source.

Only the standard library and pytest are used; nothing from the project itself.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GOLD_PATH = REPO_ROOT / "eval" / "gold.jsonl"
SEEDS_DIR = REPO_ROOT / "seeds"

BASE_KEYS = ["id", "question", "answer", "must", "sources", "answerable", "category"]
MULTI_KEYS = BASE_KEYS + ["needs"]

CATEGORY_MINIMUMS = {
    "single": 26,
    "multi": 9,
    "conflict": 7,
    "paraphrase": 9,
    "unanswerable": 13,
}
MIN_TOTAL_QUESTIONS = 60
MIN_QUESTIONS_PER_SEED = 8


def _read_lines() -> list[str]:
    text = GOLD_PATH.read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def _load_questions() -> list[dict]:
    questions = []
    for line in _read_lines():
        try:
            questions.append(json.loads(line))
        except json.JSONDecodeError:
            # Reported by test_every_line_is_a_json_object; keep collection alive.
            continue
    return questions


LINES = _read_lines()
QUESTIONS = _load_questions()
ANSWERABLE = [q for q in QUESTIONS if q.get("answerable") is True]
UNANSWERABLE = [q for q in QUESTIONS if q.get("answerable") is False]
MULTI = [q for q in QUESTIONS if q.get("category") == "multi"]


def _qid(question: dict) -> str:
    return str(question.get("id", "<no id>"))


def _seed_files() -> list[Path]:
    return sorted(p for p in SEEDS_DIR.glob("*.txt") if p.is_file())


def _seed_text(name: str) -> str:
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


# --- file format -----------------------------------------------------------


def test_gold_file_exists_and_is_not_empty():
    assert GOLD_PATH.is_file(), f"missing {GOLD_PATH}"
    assert LINES, "gold file has no questions"


@pytest.mark.parametrize("line_no,line", list(enumerate(LINES, start=1)))
def test_every_line_is_a_json_object(line_no, line):
    record = json.loads(line)
    assert isinstance(record, dict), f"line {line_no} is not a JSON object"


@pytest.mark.parametrize("question", QUESTIONS, ids=_qid)
def test_question_has_exactly_the_required_keys_in_order(question):
    expected = MULTI_KEYS if question.get("category") == "multi" else BASE_KEYS
    assert list(question.keys()) == expected


@pytest.mark.parametrize("question", QUESTIONS, ids=_qid)
def test_question_fields_have_the_right_types(question):
    assert isinstance(question["id"], str) and question["id"].strip()
    assert isinstance(question["question"], str) and question["question"].strip()
    assert isinstance(question["answer"], str)
    assert isinstance(question["must"], list)
    assert all(isinstance(p, str) and p for p in question["must"])
    assert isinstance(question["sources"], list)
    assert all(isinstance(s, str) and s for s in question["sources"])
    assert len(set(question["sources"])) == len(question["sources"]), "duplicate source"
    assert isinstance(question["answerable"], bool)


def test_question_ids_are_unique():
    counts = Counter(q.get("id") for q in QUESTIONS)
    duplicates = sorted(str(i) for i, n in counts.items() if n > 1)
    assert not duplicates, f"duplicate ids: {duplicates}"


# --- composition -----------------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS, ids=_qid)
def test_category_is_one_of_the_known_categories(question):
    assert question.get("category") in CATEGORY_MINIMUMS


@pytest.mark.parametrize("question", QUESTIONS, ids=_qid)
def test_category_agrees_with_answerable_flag(question):
    is_unanswerable_category = question.get("category") == "unanswerable"
    assert question.get("answerable") is (not is_unanswerable_category)


def test_gold_set_has_at_least_sixty_questions():
    assert len(QUESTIONS) >= MIN_TOTAL_QUESTIONS


@pytest.mark.parametrize("category,minimum", sorted(CATEGORY_MINIMUMS.items()))
def test_each_category_meets_its_minimum_count(category, minimum):
    count = sum(1 for q in QUESTIONS if q.get("category") == category)
    assert count >= minimum, f"{category}: {count} < {minimum}"


def test_seeds_directory_holds_the_corpus():
    assert SEEDS_DIR.is_dir(), f"missing {SEEDS_DIR}"
    assert _seed_files(), "no seed files found"


@pytest.mark.parametrize("seed", [p.name for p in _seed_files()])
def test_every_seed_file_is_a_source_of_enough_questions(seed):
    count = sum(1 for q in QUESTIONS if seed in q.get("sources", []))
    assert count >= MIN_QUESTIONS_PER_SEED, f"{seed}: {count} questions"


# --- internal consistency --------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS, ids=_qid)
def test_every_source_names_an_existing_seed_file(question):
    for source in question["sources"]:
        assert Path(source).name == source, f"{source!r} is not a bare file name"
        assert (SEEDS_DIR / source).is_file(), f"{source!r} not in {SEEDS_DIR}"


@pytest.mark.parametrize("question", UNANSWERABLE, ids=_qid)
def test_unanswerable_question_has_no_expectations(question):
    assert question["must"] == []
    assert question["sources"] == []
    assert question["answer"] == ""


@pytest.mark.parametrize("question", ANSWERABLE, ids=_qid)
def test_answerable_question_has_patterns_sources_and_answer(question):
    assert question["must"], "answerable question needs must patterns"
    assert question["sources"], "answerable question needs sources"
    assert question["answer"].strip(), "answerable question needs a reference answer"


@pytest.mark.parametrize("question", QUESTIONS, ids=_qid)
def test_every_must_pattern_compiles(question):
    for pattern in question["must"]:
        re.compile(pattern, re.IGNORECASE)


@pytest.mark.parametrize("question", MULTI, ids=_qid)
def test_multi_question_needs_groups_are_subsets_of_sources(question):
    needs = question["needs"]
    assert isinstance(needs, list) and len(needs) >= 2, "multi needs >= 2 groups"
    sources = set(question["sources"])
    for group in needs:
        assert isinstance(group, list) and group, f"bad needs group {group!r}"
        assert set(group) <= sources, f"needs group {group} not within sources"
    covered = set().union(*(set(group) for group in needs))
    assert len(covered) >= 2, "multi question must draw on two different files"


# --- honesty against the raw corpus ---------------------------------------


@pytest.mark.parametrize("question", ANSWERABLE, ids=_qid)
def test_every_must_pattern_matches_the_raw_text_of_a_source(question):
    texts = {s: _seed_text(s) for s in question["sources"] if (SEEDS_DIR / s).is_file()}
    assert texts, "no readable source files"
    for pattern in question["must"]:
        regex = re.compile(pattern, re.IGNORECASE)
        matched = [s for s, text in texts.items() if regex.search(text)]
        assert matched, f"pattern {pattern!r} matches none of {sorted(texts)}"


@pytest.mark.parametrize("question", ANSWERABLE, ids=_qid)
def test_reference_answer_satisfies_its_own_must_patterns(question):
    for pattern in question["must"]:
        assert re.search(pattern, question["answer"], re.IGNORECASE), f"reference answer {question['answer']!r} fails {pattern!r}"


@pytest.mark.parametrize("question", MULTI, ids=_qid)
def test_each_multi_needs_group_supplies_a_required_fact(question):
    for group in question["needs"]:
        texts = [_seed_text(s) for s in group if (SEEDS_DIR / s).is_file()]
        hit = any(re.search(pattern, text, re.IGNORECASE) for pattern in question["must"] for text in texts)
        assert hit, f"no must pattern matches needs group {group}"
