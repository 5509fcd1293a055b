"""The model's side of claim verification: a calibrated yes/no, and the question asked again of one sentence.

Both are short calls with fixed instructions first, so llama.cpp reuses their cached prefix.
"""

from __future__ import annotations

import math

from rag.llm import ChatLLM
from rag.reask import copy_grammar

__all__ = ["ModelChecker", "p_yes_from_logprobs"]

_CHECKER = "You are a strict fact checker. A claim is supported only if the sentence says exactly that, about the same thing. Reply yes or no."


class ModelChecker:
    def __init__(self, llm: ChatLLM) -> None:
        self.llm = llm

    def yes_no(self, instruction: str, text: str) -> float:
        """p(yes) from the first token's log-probabilities (never from free text)."""
        messages = [{"role": "system", "content": _CHECKER}, {"role": "user", "content": f"{text}\n{instruction}"}]
        completion = self.llm.complete(messages, max_tokens=1, top_logprobs=10)
        top = completion.logprobs[0].top if completion.logprobs else {}
        return p_yes_from_logprobs(top)

    def extract(self, instruction: str, text: str, copy_from: str) -> str:
        """A short answer of a few words, copied from `copy_from` (or NONE) where the engine can be held to it."""
        messages = [{"role": "system", "content": instruction}, {"role": "user", "content": text}]
        return self.llm.complete(messages, max_tokens=16, grammar=copy_grammar(copy_from)).text


def p_yes_from_logprobs(top: dict[str, float]) -> float:
    """p(yes) / (p(yes) + p(no)) over the first token's alternatives ("Yes", " yes", "NO", …)."""
    yes = sum(math.exp(lp) for token, lp in top.items() if token.strip().lower() == "yes")
    no = sum(math.exp(lp) for token, lp in top.items() if token.strip().lower() == "no")
    return yes / (yes + no) if yes + no > 0 else 0.0
