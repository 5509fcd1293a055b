"""Offline, cited question answering over a folder of news articles.

from rag import Assistant
assistant = Assistant()
assistant.ingest()
answer = assistant.ask("How long is the border between Kazakhstan and Russia?")
"""

import os as _os

# Nothing may reach a model hub or phone home: set before any model library is imported.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_name, _value)

from rag.assistant import Assistant  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.errors import (  # noqa: E402
    ConfigError,
    DocumentNotFoundError,
    IndexError_,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    InvalidQuestionError,
    LLMError,
    ModelNotInstalledError,
    RagError,
    UnreadableFileError,
)
from rag.types import (  # noqa: E402
    Answer,
    Check,
    Citation,
    DocumentInfo,
    EventAnswer,
    IngestReport,
    Passage,
    Progress,
    SkippedFile,
    Trace,
)

__all__ = [
    "Assistant",
    "Settings",
    "Answer",
    "Citation",
    "DocumentInfo",
    "Check",
    "Trace",
    "EventAnswer",
    "Progress",
    "Passage",
    "IngestReport",
    "SkippedFile",
    "RagError",
    "ConfigError",
    "ModelNotInstalledError",
    "InvalidQuestionError",
    "IndexError_",
    "IndexMissingError",
    "IndexMismatchError",
    "IndexLockedError",
    "IngestError",
    "DocumentNotFoundError",
    "LLMError",
    "UnreadableFileError",
]
