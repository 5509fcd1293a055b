"""Answers that depend on their own messages only: every request starts from a saved prefix.

llama.cpp reuses the KV cache of whatever prompt ran before in a slot (or in its host-memory prompt cache)
up to the longest common prefix. That reused part was computed in other batches, so the new prompt's logits
differ in their last bits, and a greedy 1.5B model now and then picks another word: the same question got
another answer after another previous question (about one eval verdict per run). So the host-memory cache is
off, and before each request its slot is restored to one saved state: the chat template's head up to the
first user message (the system prompt), computed once per head in an emptied slot. The rest of the prompt is
then always processed from the same boundary, and the fixed system prompts still cost nothing after the first.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.errors import LLMError

__all__ = ["SlotPrefixes"]

Body = dict[str, Any]
_SENTINEL = "\x00rag-user-turn\x00"


class SlotPrefixes:
    """Hands out the engine's slots one request at a time, each restored to its chat's saved prefix.

    `root_post(path, body)` posts to the llama.cpp server's root (/apply-template, /slots/…);
    `complete(body)` runs a raw /completion request; saved states live in `directory` (the
    server's slot_save_path), at most `keep` of them, the least recently used deleted first.
    """

    def __init__(
        self,
        root_post: Callable[[str, Body], Body],
        complete: Callable[[Body], Any],
        *,
        directory: Path,
        slots: int,
        keep: int = 16,
    ) -> None:
        self._post = root_post
        self._complete = complete
        self._directory = directory
        self._keep = keep
        self._free: queue.Queue[int] = queue.Queue()
        for slot in range(slots):
            self._free.put(slot)
        self._heads: dict[str, str] = {}  # first message's role and text -> the template's text before the user turn
        self._saved: OrderedDict[str, None] = OrderedDict()  # file names, least recently used first
        self._lock = threading.Lock()
        self._saving = threading.Lock()

    @contextlib.contextmanager
    def slot(self, messages: list[dict[str, str]]) -> Iterator[int]:
        """A free slot (waiting for one), restored to this chat's prefix, held until the block ends."""
        slot = self._free.get()
        try:
            self._restore(slot, self._head(messages))
            yield slot
        finally:
            self._free.put(slot)

    def _head(self, messages: list[dict[str, str]]) -> str:
        first = messages[0] if messages and messages[0].get("role") == "system" else None
        key = f"{first['role']}\n{first['content']}" if first else ""
        with self._lock:
            known = self._heads.get(key)
        if known is not None:
            return known
        chat = ([dict(first)] if first else []) + [{"role": "user", "content": _SENTINEL}]
        text = str(self._post("/apply-template", {"messages": chat}).get("prompt", ""))
        # A template that rewrites the user's text leaves no boundary to cut at: no prefix, every prompt whole.
        head = text[: text.index(_SENTINEL)] if _SENTINEL in text else ""
        with self._lock:
            if len(self._heads) > 4 * self._keep:
                self._heads.clear()
            self._heads[key] = head
        return head

    def _restore(self, slot: int, head: str) -> None:
        if not head:
            self._action(slot, "erase", {})
            return
        name = hashlib.sha1(head.encode()).hexdigest() + ".bin"
        self._save_once(slot, head, name)
        try:
            self._action(slot, "restore", {"filename": name})
        except LLMError:
            # Evicted by a request with another head between the check and the restore: save it again.
            with self._lock:
                self._saved.pop(name, None)
            self._save_once(slot, head, name)
            self._action(slot, "restore", {"filename": name})

    def _save_once(self, slot: int, head: str, name: str) -> None:
        with self._saving:  # one writer per file: a restore never reads a half-written state
            with self._lock:
                if name in self._saved:
                    self._saved.move_to_end(name)
                    return
            self._action(slot, "erase", {})
            self._complete({"prompt": head, "n_predict": 1, "temperature": 0.0, "cache_prompt": True, "id_slot": slot})
            self._action(slot, "save", {"filename": name})
            with self._lock:
                self._saved[name] = None
                while len(self._saved) > self._keep:
                    old, _ = self._saved.popitem(last=False)
                    (self._directory / old).unlink(missing_ok=True)

    def _action(self, slot: int, action: str, body: Body) -> None:
        try:
            self._post(f"/slots/{slot}?action={action}", body)
        except LLMError as exc:
            raise LLMError(f"Could not {action} the LLM's slot {slot} (its saved prompt prefix): {exc}") from exc
