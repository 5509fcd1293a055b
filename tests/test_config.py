"""Settings: defaults, then a TOML file, then RAG_* variables, then explicit arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import ConfigError, Settings


def test_defaults_point_at_the_seed_corpus_and_a_local_index() -> None:
    settings = Settings.load(env={})
    assert settings.corpus_dir == Path("seeds")
    assert settings.index_dir == Path(".rag")
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)


def test_environment_variables_override_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text('[rag]\ntop_k = 3\ncorpus_dir = "docs"\nport = 9000\n')
    settings = Settings.load(env={"RAG_TOP_K": "7", "RAG_INDEX_DIR": "/tmp/x"}, toml_path=config)
    assert settings.top_k == 7
    assert settings.corpus_dir == Path("docs")
    assert settings.index_dir == Path("/tmp/x")
    assert settings.port == 9000


def test_explicit_arguments_win_over_everything() -> None:
    assert Settings.load(env={"RAG_TOP_K": "7"}, top_k=2).top_k == 2


def test_an_empty_variable_clears_an_optional_setting() -> None:
    assert Settings.load(env={"RAG_CHROMA_URL": ""}).chroma_url is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RAG_TOP_K": "many"}, "top_k"),
        ({"RAG_TOP_K": "0"}, "top_k"),
        ({"RAG_DENSE_WEIGHT": "2"}, "dense_weight"),
        ({"RAG_AUTH": "nopassword"}, "user:password"),
    ],
)
def test_invalid_values_are_rejected_with_the_setting_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env)


def test_an_unknown_key_in_the_toml_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text("topk = 3\n")
    with pytest.raises(ConfigError, match="Unknown setting"):
        Settings.load(env={}, toml_path=config)


def test_a_malformed_toml_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "rag.toml"
    config.write_text("top_k = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(env={}, toml_path=config)
