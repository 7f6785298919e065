"""Stage 3 task: ask for a repaired translation given the source, the previous answer and the
concrete validation issues. Pure, no I/O.

Two modes, in the spirit of the published ParallelNER pipeline: ``spans`` first rewrites only
the missing or wrong entity spans; ``sentence`` then rewrites the sentence so that it contains
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..config import LLMConfig
from ..llm.client import Request
from ..markup import render_markup
from ..prompts import PromptTemplate, load_prompt
from ..schema import Issue, ParallelSample
from .languages import language_name
from .translate import select_examples

Mode = Literal["spans", "sentence"]


def describe_issue(sample: ParallelSample, issue: Issue) -> str:
    """One line per problem, naming the entity by its tag so the model can find it."""
    what = issue.message or issue.code
    idx = issue.entity_index
    if idx is not None and 0 <= idx < len(sample.source_entities):
        ent = sample.source_entities[idx]
        surface = ent.surface(sample.source_text)
        return f'<{ent.label} id="{idx + 1}">{surface}</{ent.label}>: {what}'
    return what


@dataclass(frozen=True)
class RefineTask:
    prompt: PromptTemplate
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_config(cls, cfg: LLMConfig) -> RefineTask:
        return cls(load_prompt(cfg.refine_prompt), cfg.temperature, cfg.max_tokens)

    def problems(self, sample: ParallelSample) -> list[str]:
        found = [describe_issue(sample, i) for i in sample.issues]
        return found or ["the translation did not pass validation"]

    def request(self, sample: ParallelSample, mode: Mode, model: str) -> Request:
        messages = self.prompt.render(
            source_name=language_name(sample.source_lang),
            target_name=language_name(sample.target_lang),
            mode=mode,
            shots=select_examples(self.prompt.examples, sample.source_lang, sample.target_lang,
                                  limit=1),
            source=render_markup(sample.source_text, sample.source_entities),
            previous=sample.response or "",
            problems=self.problems(sample),
        )
        return Request.of(
            messages, model=model, prompt_version=self.prompt.name,
            temperature=self.temperature, max_tokens=self.max_tokens,
        )
