"""Stage 1 task: build the translation request and split batched answers. Pure, no I/O.

A request holds one sentence, or K sentences numbered ``[1] ...`` (one per line), rendered in
the inline markup of :mod:`parallelner.markup`. The answer to a single sentence is kept verbatim
(alignment parses it); a batched answer must split into exactly K numbered lines, else the stage
falls back to one request per sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..config import LLMConfig
from ..llm.client import Request
from ..llm.ledger import estimate_tokens
from ..markup import render_markup
from ..prompts import PromptTemplate, load_prompt
from ..schema import SourceSample
from .languages import language_name

MAX_SHOTS = 2
_NUMBERED = re.compile(r"^\s*\[(\d+)\]\s?(.*)$")


def number_lines(texts: Sequence[str]) -> str:
    return "\n".join(f"[{i}] {' '.join(t.split())}" for i, t in enumerate(texts, start=1))


def split_numbered(reply: str, k: int) -> list[str] | None:
    """The K answers of a batched reply, or None when it cannot be split without guessing.

    Lines before ``[1]`` are tolerated as chatter; after it every non-blank line must be the next
    number, and each answer must be non-empty.
    """
    out: list[str] = []
    for line in reply.splitlines():
        m = _NUMBERED.match(line)
        if m is None:
            if line.strip() and out:
                return None
            continue
        if int(m.group(1)) != len(out) + 1 or not m.group(2).strip():
            return None
        out.append(m.group(2).strip())
    return out if len(out) == k else None


def select_examples(
    examples: Sequence[dict[str, str]], source_lang: str, target_lang: str, limit: int = MAX_SHOTS
) -> list[dict[str, str]]:
    """Same target language only; same source language first."""
    same_target = [e for e in examples if e["target_lang"] == target_lang]
    ranked = sorted(same_target, key=lambda e: e["source_lang"] != source_lang)
    return ranked[:limit]


@dataclass(frozen=True)
class TranslateTask:
    prompt: PromptTemplate
    model: str
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_config(cls, cfg: LLMConfig, model: str | None = None) -> TranslateTask:
        return cls(
            prompt=load_prompt(cfg.translate_prompt),
            model=model or cfg.model,
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
        )

    def request(self, samples: Sequence[SourceSample], target_lang: str) -> Request:
        """One request for one sentence, or for K sentences of the same source language."""
        source_lang = samples[0].lang
        if any(s.lang != source_lang for s in samples):
            raise ValueError("a batch must share one source language")
        batch = len(samples) > 1
        shots = select_examples(self.prompt.examples, source_lang, target_lang)
        if batch and shots:
            pairs = [(number_lines([e["source"] for e in shots]),
                      number_lines([e["target"] for e in shots]))]
        else:
            pairs = [(e["source"], e["target"]) for e in shots]
        marked = [render_markup(s.text, s.entities) for s in samples]
        messages = self.prompt.render(
            source_name=language_name(source_lang, source=True),
            target_name=language_name(target_lang),
            batch=batch,
            shots=pairs,
            text=number_lines(marked) if batch else marked[0],
        )
        return Request.of(
            messages,
            model=self.model,
            prompt_version=self.prompt.name,
            temperature=self.temperature,
            max_tokens=self._max_tokens(len(samples)),
        )

    def _max_tokens(self, k: int) -> int:
        return self.max_tokens * k

    def expected_output_tokens(self, samples: Sequence[SourceSample]) -> int:
        """For the pre-run estimate: a translation about as long as its marked-up source."""
        n = sum(estimate_tokens(render_markup(s.text, s.entities)) for s in samples)
        return min(self._max_tokens(len(samples)), math.ceil(n * 1.2) + 4 * len(samples))
