"""Stage 3 task: repair a translation that failed validation. Pure, no I/O.

Two kinds of round, in the spirit of the published ParallelNER pipeline:

- ``spans`` rewrites only the missing or wrong entity spans. The model is asked for the
  translation of each entity at fault (a short, easy question even for a small model); the code
  then tags that text where it already stands in the previous answer, or replaces the content of
  a wrongly tagged span. Nothing else of the sentence changes.
- ``sentence`` asks for the whole translation again, with the issues, and the entity
  translations learnt in the span round as hints, so that it contains every entity, tagged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from ..config import LLMConfig
from ..llm.client import Request
from ..markup import render_markup
from ..prompts import PromptTemplate, load_prompt
from ..schema import Issue, ParallelSample
from .languages import language_name
from .translate import select_examples, split_numbered

Mode = Literal["spans", "sentence"]
NOT_PLACED = "none of the entity translations could be placed in the previous answer"
_TAG = re.compile(r'<([A-Za-z][\w-]*) id="(\d+)">(.*?)</\1>', re.DOTALL)
_ANY_TAG = re.compile(r"</?[A-Za-z][\w-]*(?: id=\"\d+\")?>")


def describe_issue(sample: ParallelSample, issue: Issue) -> str:
    """One line per problem, naming the entity by its tag so the model can find it."""
    what = issue.message or issue.code
    idx = issue.entity_index
    if idx is not None and 0 <= idx < len(sample.source_entities):
        ent = sample.source_entities[idx]
        surface = ent.surface(sample.source_text)
        return f'<{ent.label} id="{idx + 1}">{surface}</{ent.label}>: {what}'
    return what


def faulty_entities(sample: ParallelSample) -> list[int]:
    """0-based indices of the source entities that issues point at, in order."""
    n = len(sample.source_entities)
    return sorted({i.entity_index for i in sample.issues
                   if i.entity_index is not None and 0 <= i.entity_index < n})


def parse_span_answer(reply: str, k: int) -> list[str] | None:
    """The K entity translations of a span answer (tags the model added are dropped)."""
    parts = split_numbered(reply, k)
    if parts is None:
        return None
    cleaned = [_ANY_TAG.sub("", p).strip().strip("\"'“”「」") for p in parts]
    return cleaned if all(cleaned) else None


def _wordlike(ch: str) -> bool:
    """A letter/digit of a script that separates words with spaces (so not CJK)."""
    return ch.isalnum() and unicodedata.east_asian_width(ch) not in ("W", "F")


def _untagged_occurrence(text: str, needle: str) -> int | None:
    """First position of ``needle`` outside every tag, on word boundaries where words exist."""
    blocked = [(m.start(), m.end()) for m in _TAG.finditer(text)]
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        inside = any(a < end and start < b for a, b in blocked)
        left_ok = start == 0 or not (_wordlike(text[start - 1]) and _wordlike(needle[0]))
        right_ok = end == len(text) or not (_wordlike(text[end]) and _wordlike(needle[-1]))
        if not inside and left_ok and right_ok:
            return start
        start = text.find(needle, start + 1)
    return None


def apply_spans(sample: ParallelSample, indices: list[int], translations: list[str]) -> str | None:
    """The previous answer with the given entity translations put in place: an existing tag of
    the entity gets the new text (and the source label); an untagged occurrence gets the tag.
    None when no entity could be placed."""
    text = sample.response or ""
    placed = 0
    for idx, new in zip(indices, translations, strict=True):
        label, n = sample.source_entities[idx].label, str(idx + 1)
        tag = f'<{label} id="{n}">{new}</{label}>'
        tagged = next((m for m in _TAG.finditer(text) if m.group(2) == n), None)
        if tagged is not None:
            text = text[: tagged.start()] + tag + text[tagged.end() :]
            placed += 1
            continue
        at = _untagged_occurrence(text, new)
        if at is not None:
            text = text[:at] + tag + text[at + len(new) :]
            placed += 1
    return text if placed else None


@dataclass(frozen=True)
class RefineTask:
    prompt: PromptTemplate
    spans_prompt: PromptTemplate
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_config(cls, cfg: LLMConfig) -> RefineTask:
        return cls(load_prompt(cfg.refine_prompt), load_prompt(cfg.refine_spans_prompt),
                   cfg.temperature, cfg.max_tokens)

    def problems(self, sample: ParallelSample) -> list[str]:
        found = [describe_issue(sample, i) for i in sample.issues]
        return found or ["the translation did not pass validation"]

    def _common(self, prompt: PromptTemplate, sample: ParallelSample) -> dict[str, object]:
        return {
            "source_name": language_name(sample.source_lang, source=True),
            "target_name": language_name(sample.target_lang),
            "source": render_markup(sample.source_text, sample.source_entities),
            "previous": sample.response or "",
            "shots": select_examples(prompt.examples, sample.source_lang, sample.target_lang,
                                     limit=1),
        }

    def _request(self, prompt: PromptTemplate, messages: list[dict[str, str]], model: str,
                 max_tokens: int) -> Request:
        return Request.of(messages, model=model, prompt_version=prompt.name,
                          temperature=self.temperature, max_tokens=max_tokens)

    def spans_request(self, sample: ParallelSample, indices: list[int], model: str) -> Request:
        """Ask for the translation of each entity at fault, one numbered line each."""
        entities = [sample.source_entities[i].surface(sample.source_text) for i in indices]
        messages = self.spans_prompt.render(entities=entities,
                                            **self._common(self.spans_prompt, sample))
        return self._request(self.spans_prompt, messages, model,
                             min(self.max_tokens, 64 * len(indices)))

    def sentence_request(self, sample: ParallelSample, model: str,
                         hints: list[str] | None = None) -> Request:
        """Ask for the whole translation again, fixing the listed problems."""
        messages = self.prompt.render(problems=self.problems(sample), hints=hints or [],
                                      **self._common(self.prompt, sample))
        return self._request(self.prompt, messages, model, self.max_tokens)
