"""The public surface: exactly these names, typed results, our own errors."""

from __future__ import annotations

import dataclasses
import json

import rag
from rag import Answer, Citation, Passage, RagError

PUBLIC = {
    "Assistant", "Settings", "Answer", "Citation", "Passage", "IngestReport", "SkippedFile",
    "RagError", "ConfigError", "ModelNotInstalledError", "InvalidQuestionError", "IndexError_",
    "IndexMissingError", "IndexMismatchError", "IndexLockedError", "IngestError", "UnreadableFileError",
    "DocumentNotFoundError", "LLMError", "DocumentInfo", "Check", "Trace", "EventAnswer", "Progress",
}  # fmt: skip


def test_all_lists_exactly_the_public_names() -> None:
    assert set(rag.__all__) == PUBLIC
    for name in rag.__all__:
        assert hasattr(rag, name)


def test_every_error_is_a_rag_error() -> None:
    errors = [getattr(rag, name) for name in rag.__all__ if name.endswith("Error") or name == "IndexError_"]
    assert all(issubclass(error, RagError) for error in errors)


def test_importing_the_package_switches_model_hubs_off() -> None:
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_an_answer_serialises_to_the_documented_json_shape() -> None:
    passage = Passage("a.txt", "A", "text", (1, 2), (0, 4), 0.5, 0.7, "a.txt::00000", 1, offsets="[]")
    citation = Citation("a.txt", "text", (1, 2), 0.9, 1)
    answer = Answer("q?", "It is so [1].", False, [citation], [passage])
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["answer"] == "It is so [1]."
    assert data["refused"] is False
    assert data["citations"][0] == {
        "source": "a.txt", "title": "", "date": "", "quote": "text", "lines": [1, 2], "chars": [0, 0], "marker": 1, "score": 0.9,
    }  # fmt: skip
    assert data["events"] == [] and data["trace"]["refusal_reason"] == ""
    assert data["passages"][0]["source"] == "a.txt" and "offsets" not in data["passages"][0]


def test_results_are_frozen_dataclasses() -> None:
    for kind in (Answer, Citation, Passage):
        assert dataclasses.is_dataclass(kind)
        assert kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
