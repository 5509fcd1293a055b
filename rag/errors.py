"""The package's own exceptions: every failure a user can act on is one of these.

    RagError
    ├── ConfigError            a setting is malformed or contradicts another
    ├── ModelNotInstalledError a model package is missing or its files are damaged
    ├── InvalidQuestionError   empty, too long, or unusable question text
    ├── IndexError_            base for problems with the Chroma index
    │   ├── IndexMissingError    nothing ingested yet
    │   ├── IndexMismatchError   built with another embedding model, or foreign/corrupt
    │   └── IndexLockedError     another process is writing
    ├── IngestError            the corpus folder cannot be read at all
    │   └── UnreadableFileError  one file is unusable (binary, empty, too large…); ingest skips it
    ├── DocumentNotFoundError  a requested document is not in the index (or not readable any more)
    └── LLMError               the language model failed or its server is unreachable

The library raises these; only the CLI and the UI turn them into user-facing messages.
"""

from __future__ import annotations

__all__ = [
    "RagError",
    "ConfigError",
    "ModelNotInstalledError",
    "InvalidQuestionError",
    "IndexError_",
    "IndexMissingError",
    "IndexMismatchError",
    "IndexLockedError",
    "IngestError",
    "UnreadableFileError",
    "DocumentNotFoundError",
    "LLMError",
]


class RagError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(RagError):
    pass


class ModelNotInstalledError(RagError):
    pass


class InvalidQuestionError(RagError):
    pass


class IndexError_(RagError):  # trailing underscore: the builtin IndexError means something else
    pass


class IndexMissingError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


class IndexLockedError(IndexError_):
    pass


class IngestError(RagError):
    pass


class UnreadableFileError(IngestError):
    """The message is the reason shown in the ingest report."""


class DocumentNotFoundError(RagError):
    pass


class LLMError(RagError):
    pass
