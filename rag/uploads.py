"""Accepting uploaded files (from the UI or the HTTP API): allow-listed types, a size cap, safe names, one folder.

Uploads are copied into `settings.upload_dir` only (never the seed corpus), under a sanitised name,
so a crafted file name cannot reach another folder or overwrite something outside the uploads.
Both front ends use these rules, so a file the UI refuses is refused by the API for the same reason.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings
from rag.errors import ConfigError

__all__ = ["ALLOWED_SUFFIXES", "SavedUploads", "max_upload_bytes", "safe_name", "save_uploads", "upload_folder"]

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".pdf")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 100


@dataclass
class SavedUploads:
    saved: list[str] = field(default_factory=list)  # names written under upload_dir
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (original name, why)


def safe_name(original: str) -> str:
    """A file name made of letters, digits, dot, dash and underscore; no folders, no leading dot."""
    name = unicodedata.normalize("NFKD", Path(original.replace("\\", "/")).name).encode("ascii", "ignore").decode()
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = _UNSAFE.sub("_", stem).strip("._-")[: _MAX_NAME - len(suffix)] or "upload"
    return f"{stem}{suffix}"


def max_upload_bytes(settings: Settings) -> int:
    """The per-file size cap (RAG_MAX_FILE_MB), the same one ingest applies."""
    return int(settings.max_file_mb * 1024 * 1024)


def upload_folder(settings: Settings) -> Path:
    """The uploads folder, created; refused when it would lie inside the main corpus."""
    folder = settings.upload_dir.resolve()
    corpus = settings.corpus_dir.resolve()
    if folder == corpus or folder.is_relative_to(corpus):
        raise ConfigError(f"upload_dir ({folder}) must not be inside the corpus folder ({corpus}); set RAG_UPLOAD_DIR elsewhere.")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_uploads(paths: Iterable[str | Path], settings: Settings) -> SavedUploads:
    """Copy each acceptable file into the uploads folder; say why for the others."""
    result = SavedUploads()
    folder = upload_folder(settings)
    limit = max_upload_bytes(settings)
    for item in paths:
        path = Path(item)
        # Gradio stores uploads as <cache>/<hash>/<original name>, so the name is the user's.
        original = path.name
        suffix = path.suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            result.rejected.append((original, f"only {', '.join(ALLOWED_SUFFIXES)} files are accepted"))
            continue
        try:
            size = path.stat().st_size
        except OSError:
            result.rejected.append((original, "the upload could not be read"))
            continue
        if size > limit:
            result.rejected.append((original, f"larger than the {settings.max_file_mb:g} MB limit"))
            continue
        if size == 0:
            result.rejected.append((original, "empty file"))
            continue
        target = folder / safe_name(original)
        if target.resolve().parent != folder:
            result.rejected.append((original, "unsafe file name"))
            continue
        shutil.copyfile(path, target)
        result.saved.append(target.name)
    return result
