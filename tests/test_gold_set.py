"""Specification of the gold evaluation question set (eval/gold.jsonl).

The gold set is the yardstick for the retrieval-augmented QA system, so it has
to be honest about the corpus it is graded against.  These tests pin down:

* the file format: one JSON object per line, the base keys first in a fixed
  order, then only known optional keys (needs, must_not, events, event_must,
  premise, history) and the dev/test `split`;
* the composition: enough questions in every category and about every seed;
* the split: every question is dev or test by a fixed rule (in each category,
  sorted by id, every third question from the first is test), so no question
  can be moved between splits after a run, and >= 30 % of each category is test;
* internal consistency: unanswerable questions carry no expectations, answerable
  ones carry both required patterns and acceptable sources; follow-ups carry a
  well-formed history; two-election questions name their events and the
  figure each event must give;
* honesty: every required pattern of an answerable question actually occurs in
  the raw text of at least one of the seed files it names as a source, and the
  reference answer passes its own patterns and none of its forbidden ones.

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
OPTIONAL_KEYS = ["needs", "must_not", "events", "event_must", "premise", "history"]
SPLITS = ("dev", "test")
MIN_TEST_SHARE = 0.30
EVENT_LABELS = {"2019", "2022"}  # the two elections: 2019 in 003, 2022 in 000/001/002/004

CATEGORY_MINIMUMS = {
    "single": 26,
    "multi": 9,
    "conflict": 7,
    "paraphrase": 9,
    "unanswerable": 13,
    "trap": 20,  # wrong polarity, two-entity sentences, numbers that could be re-attached
    "premise": 12,  # false premises: unanswerable, with the correction the articles allow
    "twoevent": 8,  # undated questions whose answer differs per election
    "followup": 10,  # asked with a conversation history
}
ALWAYS_UNANSWERABLE = {"unanswerable", "premise"}
EITHER = {"followup"}  # a follow-up may rest on a false premise
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
WITH_NEEDS = [q for q in QUESTIONS if "needs" in q]
WITH_EVENTS = [q for q in QUESTIONS if "events" in q or "event_must" in q]
WITH_HISTORY = [q for q in QUESTIONS if "history" in q]
WITH_MUST_NOT = [q for q in QUESTIONS if "must_not" in q]


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
def test_question_has_the_base_keys_in_order_then_known_optional_keys_then_split(question):
    keys = list(question.keys())
    assert keys[: len(BASE_KEYS)] == BASE_KEYS
    assert keys[-1] == "split", "split is the last key"
    optional = keys[len(BASE_KEYS) : -1]
    assert optional == [k for k in OPTIONAL_KEYS if k in optional], f"unknown or misordered keys {optional}"
    if question.get("category") == "multi":
        assert "needs" in optional
    if question.get("category") == "followup":
        assert "history" in optional
    if question.get("category") == "twoevent":
        assert "events" in optional


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
    assert question.get("split") in SPLITS


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
    category = question.get("category")
    if category not in EITHER:
        assert question.get("answerable") is (category not in ALWAYS_UNANSWERABLE)


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


@pytest.mark.parametrize("question", WITH_NEEDS, ids=_qid)
def test_needs_groups_are_subsets_of_sources(question):
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


@pytest.mark.parametrize("question", WITH_NEEDS, ids=_qid)
def test_each_needs_group_supplies_a_required_fact(question):
    for group in question["needs"]:
        texts = [_seed_text(s) for s in group if (SEEDS_DIR / s).is_file()]
        hit = any(re.search(pattern, text, re.IGNORECASE) for pattern in question["must"] for text in texts)
        assert hit, f"no must pattern matches needs group {group}"


@pytest.mark.parametrize("question", UNANSWERABLE, ids=_qid)
def test_a_premise_correction_is_one_line_of_text(question):
    if question.get("category") == "premise":
        assert "premise" in question, "a false-premise question says what the articles do say"
    if "premise" in question:
        assert isinstance(question["premise"], str) and question["premise"].strip()
        assert "\n" not in question["premise"]


def test_premise_is_only_given_for_unanswerable_questions():
    assert all(not q["answerable"] for q in QUESTIONS if "premise" in q)


# --- the dev/test split -----------------------------------------------------


def _rule_split() -> dict[str, str]:
    """In each category, sorted by id, the 1st, 4th, 7th ... question is test; the rest dev."""
    by_category: dict[str, list[str]] = {}
    for q in QUESTIONS:
        by_category.setdefault(q["category"], []).append(q["id"])
    return {
        qid: "test" if position % 3 == 0 else "dev"
        for ids in by_category.values()
        for position, qid in enumerate(sorted(ids))
    }


def test_every_question_is_in_the_split_its_rule_gives():
    rule = _rule_split()
    moved = sorted(q["id"] for q in QUESTIONS if q.get("split") != rule[q["id"]])
    assert not moved, f"split differs from the rule (eval/README.md) for {moved}"


@pytest.mark.parametrize("category", sorted(CATEGORY_MINIMUMS))
def test_each_category_has_at_least_thirty_percent_test(category):
    members = [q for q in QUESTIONS if q["category"] == category]
    test = [q for q in members if q.get("split") == "test"]
    assert members and len(test) / len(members) >= MIN_TEST_SHARE, f"{category}: {len(test)}/{len(members)} test"
    assert len(test) < len(members), f"{category}: no dev question left to tune on"


def test_at_least_thirty_percent_of_all_questions_are_test():
    test = [q for q in QUESTIONS if q.get("split") == "test"]
    assert len(test) / len(QUESTIONS) >= MIN_TEST_SHARE


# --- forbidden patterns, follow-ups, two-election questions ------------------


@pytest.mark.parametrize("question", WITH_MUST_NOT, ids=_qid)
def test_must_not_patterns_compile_and_the_reference_answer_avoids_them(question):
    patterns = question["must_not"]
    assert isinstance(patterns, list) and patterns
    assert question["answerable"], "must_not is for answerable questions"
    for pattern in patterns:
        assert isinstance(pattern, str) and pattern
        regex = re.compile(pattern, re.IGNORECASE)
        assert not regex.search(question["answer"]), f"reference answer matches forbidden {pattern!r}"


@pytest.mark.parametrize("question", WITH_HISTORY, ids=_qid)
def test_history_is_alternating_user_and_assistant_turns(question):
    history = question["history"]
    assert isinstance(history, list) and history and len(history) % 2 == 0
    for turn, role in zip(history, ("user", "assistant") * len(history), strict=False):
        assert isinstance(turn, dict) and set(turn) == {"role", "content"}, f"bad turn {turn!r}"
        assert turn["role"] == role
        assert isinstance(turn["content"], str) and turn["content"].strip()


@pytest.mark.parametrize("question", WITH_EVENTS, ids=_qid)
def test_two_election_questions_give_each_events_figure(question):
    events, event_must = question.get("events"), question.get("event_must")
    assert question["answerable"]
    assert isinstance(events, list) and len(events) >= 2 and len(set(events)) == len(events)
    assert set(events) <= EVENT_LABELS, f"unknown event labels {events}"
    assert isinstance(event_must, dict) and set(event_must) == set(events)
    texts = [_seed_text(s) for s in question["sources"]]
    for label, patterns in event_must.items():
        assert isinstance(patterns, list) and patterns
        for pattern in patterns:
            regex = re.compile(pattern, re.IGNORECASE)
            assert any(regex.search(text) for text in texts), f"{label}: {pattern!r} in no source"
            assert regex.search(question["answer"]), f"reference answer lacks the {label} figure {pattern!r}"
        assert label in question["answer"], f"reference answer does not label the {label} figure"


def test_the_new_kinds_cover_each_election():
    years = {label for q in WITH_EVENTS for label in q["events"]}
    assert years == EVENT_LABELS
