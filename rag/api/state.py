"""What the routes share, kept on the FastAPI app: the one `Assistant` and the answer slots."""

from __future__ import annotations

from fastapi import Request

from rag.assistant import Assistant
from rag.streaming import AnswerSlots

__all__ = ["assistant_of", "slots_of"]


def assistant_of(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


def slots_of(request: Request) -> AnswerSlots:
    slots: AnswerSlots = request.app.state.answer_slots
    return slots
