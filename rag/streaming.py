"""Run the Assistant's blocking answer stream off the event loop, as an async iterator that can be cancelled.

Each answer is iterated in a worker thread of its own, and only that thread ever touches the generator:
a generator cannot be closed from another thread while it runs. When the consumer goes away (an SSE
client disconnects, the UI's Stop cancels its handler), the worker is told to stop; after the event it
is waiting for, it closes the generator, which is how the Assistant cancels generation. A semaphore
bounds how many answers are worked on at once; the rest wait their turn without holding a worker busy
on the model.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, Iterator
from typing import Any

__all__ = ["AnswerSlots", "pump"]

log = logging.getLogger(__name__)

_EVENT, _ERROR, _END = "event", "error", "end"


class AnswerSlots:
    """How many answers are generated at once (the LLM's parallel slots; more would only queue inside it)."""

    def __init__(self, slots: int) -> None:
        self.size = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a slot; give up (False) when the consumer has gone away meanwhile."""
        while not stop.is_set():
            if self._semaphore.acquire(timeout=0.5):
                return True
        return False

    def release(self) -> None:
        self._semaphore.release()


async def pump(events: Iterator[Any], slots: AnswerSlots) -> AsyncGenerator[Any, None]:
    """Yield `events` as the worker produces them; exceptions from the stream are re-raised here."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()

    def send(kind: str, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
        except RuntimeError:  # the loop is closed (server shutting down): nobody is listening any more
            stop.set()

    def work() -> None:
        if not slots.acquire(stop):
            _close(events)
            return
        try:
            for event in events:
                if stop.is_set():
                    break
                send(_EVENT, event)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which maps it to an HTTP error
            send(_ERROR, exc)
        finally:
            _close(events)  # cancels generation when the consumer left early
            slots.release()
            send(_END, None)

    threading.Thread(target=work, name="rag-answer", daemon=True).start()
    try:
        while True:
            kind, value = await queue.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise value
            yield value
    finally:
        stop.set()


def _close(events: Iterator[Any]) -> None:
    close = getattr(events, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # noqa: BLE001 - a failure while cancelling must not hide the answer's own outcome
            log.exception("closing an answer stream failed")
