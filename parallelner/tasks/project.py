"""Projection task: ask which words of a given translation render each source entity. Pure.

Two answer styles (``ProjectConfig.style``): ``inline``, the given sentence back unchanged with
the source's tags inserted (``project.v1``); ``list``, one line per source entity naming its
target words (``project_list.v1``), parsed here by :func:`parse_list_answer`. One sentence per
request: numbered batches invite small models to merge or drop lines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..llm.client import Request
from ..llm.ledger import estimate_tokens
from ..markup import render_markup
from ..prompts import PromptTemplate, load_prompt
from ..schema import EntitySpan, ParallelSample
from .languages import language_name
from .translate import select_examples

_ONE_LINE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})  # same length: offsets survive


def projection_language(code: str) -> str:
    """Prompt name of a language. Chinese stays "Chinese": the given text may be traditional, and
    "Simplified Chinese" would invite the model to convert the characters (a rewrite)."""
    return "Chinese" if code == "zh" else language_name(code)


_LIST_LINE = re.compile(r"^\s*(\d+)\s*[.):]\s*(?:.*?)(?:->|=>|→)\s*(.*?)\s*$")
_NONE = {"", "(none)", "none", "-", "n/a", "(keine)", "(无)", "(無)"}
_QUOTES = "\"'“”„«»「」"


def parse_list_answer(answer: str) -> dict[int, str]:
    """``{entity id: target words}`` from a list answer; lines that say (none) or do not parse
    are left out (the aligner then searches the entity itself). LLM output is data: regexes only.
    """
    out: dict[int, str] = {}
    for line in answer.splitlines():
        m = _LIST_LINE.match(line)
        if m is None:
            continue
        words = m.group(2).strip().strip(_QUOTES).strip()
        if words.casefold() not in _NONE and int(m.group(1)) not in out:
            out[int(m.group(1))] = words
    return out


def entity_list(text: str, entities: Sequence[EntitySpan]) -> list[dict[str, Any]]:
    """The tags to place, in id order: {id, label, surface} (ids as ``render_markup`` numbers)."""
    return [{"id": i + 1, "label": e.label, "surface": e.surface(text)}
            for i, e in enumerate(entities)]


@dataclass(frozen=True)
class ProjectTask:
    prompt: PromptTemplate
    model: str
    style: str = "list"
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_settings(cls, settings: Settings) -> ProjectTask:
        return cls(
            prompt=load_prompt(settings.project.prompt),
            model=settings.llm.model,
            style=settings.project.style,
            temperature=settings.llm.temperature,
            max_tokens=settings.llm.max_tokens,
        )

    def request(self, sample: ParallelSample) -> Request:
        if sample.target_text is None:
            raise ValueError(f"sample {sample.id!r} has no target_text to project onto")
        shots: Sequence[dict[str, Any]] = select_examples(
            self.prompt.examples, sample.source_lang, sample.target_lang
        )
        messages = self.prompt.render(
            source_name=projection_language(sample.source_lang),
            target_name=projection_language(sample.target_lang),
            shots=shots,
            source=(render_markup(sample.source_text, sample.source_entities)
                    if self.style == "inline" else sample.source_text.translate(_ONE_LINE)),
            target=sample.target_text.translate(_ONE_LINE),
            entities=entity_list(sample.source_text, sample.source_entities),
        )
        return Request.of(
            messages,
            model=self.model,
            prompt_version=self.prompt.name,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )

    def expected_output_tokens(self, sample: ParallelSample) -> int:
        """For the pre-run estimate: inline, the given text plus ~8 tokens per tag pair; list,
        each entity's line (its source surface twice as a stand-in for the target words)."""
        if self.style == "list":
            n = sum(8 + 2 * estimate_tokens(e.surface(sample.source_text))
                    for e in sample.source_entities)
        else:
            n = estimate_tokens(sample.target_text or "") + 8 * len(sample.source_entities)
        return min(self.max_tokens, math.ceil(n * 1.1))
