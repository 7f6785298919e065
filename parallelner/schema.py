"""The record schema: the one home of every data class that crosses a stage boundary.

JSONL is the interchange format between stages. Every class here round-trips through
``model_dump_json`` / ``model_validate_json`` without loss, and refuses unknown fields
(``extra="forbid"``) so a typo in a hand-written file is an error, not a silent drop.

Offsets are character offsets into the text they belong to; ``end`` is exclusive.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_LANG_RE = re.compile(r"^[a-z]{2}$")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


def _check_lang(value: str) -> str:
    if not _LANG_RE.match(value):
        raise ValueError(f"language must be an ISO 639-1 code like 'en' or 'zh', got {value!r}")
    return value


class EntitySpan(_Record):
    """A typed span of a sentence: ``text[start:end]`` is the entity, ``label`` its source label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str = Field(min_length=1)

    @model_validator(mode="after")
    def _non_empty(self) -> EntitySpan:
        if self.end <= self.start:
            raise ValueError(f"empty or inverted span [{self.start}, {self.end})")
        return self

    def surface(self, text: str) -> str:
        return text[self.start : self.end]


class TargetSpan(EntitySpan):
    """A span of the translation, tied to the source entity it translates (0-based index).

    ``source_index`` is ``None`` only in gold files (``parallelner gold build``): annotators marked
    the target independently, and a gold span whose source entity cannot be paired unambiguously
    says "unknown" rather than pointing at a guess. Pipeline stages always set it.
    """

    source_index: int | None = Field(ge=0)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


def check_spans(text: str, spans: list[EntitySpan], what: str) -> None:
    """Raise ValueError naming the first span that lies outside ``text``."""
    for i, span in enumerate(spans):
        if span.end > len(text):
            raise ValueError(
                f"{what}[{i}] [{span.start}, {span.end}) {span.label} lies outside the text "
                f"({len(text)} characters)"
            )


def check_flat(spans: list[EntitySpan], what: str) -> None:
    """Raise ValueError naming the first two spans that overlap: NER spans are flat, and the
    translate stage cannot render overlapping tags (it failed there, far from the input)."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    for a, b in zip(order, order[1:], strict=False):
        first, second = spans[a], spans[b]
        if second.start < first.end:
            raise ValueError(
                f"{what}[{b}] [{second.start}, {second.end}) {second.label} overlaps "
                f"{what}[{a}] [{first.start}, {first.end}) {first.label}: NER spans must not "
                "overlap"
            )


class SourceProvenance(_Record):
    """Where a source sample came from, so any output row can be traced back to its origin."""

    dataset: str = ""
    split: str = ""
    index: int | None = None
    document: str | None = None
    label_scheme: str = "conll"
    path: str | None = None


class SourceSample(_Record):
    """A monolingual NER sample: what the readers produce and the translate stage consumes."""

    id: str = Field(min_length=1)
    lang: str
    text: str
    entities: list[EntitySpan] = Field(default_factory=list)
    provenance: SourceProvenance = Field(default_factory=SourceProvenance)

    _lang = field_validator("lang")(_check_lang)

    @model_validator(mode="after")
    def _spans_inside(self) -> SourceSample:
        check_spans(self.text, self.entities, "entities")
        check_flat(self.entities, "entities")
        return self

    def surfaces(self) -> list[str]:
        return [e.surface(self.text) for e in self.entities]


class Status(str, Enum):
    accepted = "accepted"
    refine = "refine"
    review = "review"
    rejected = "rejected"


class Issue(_Record):
    """One finding of a rule or a tolerance: a stable reason code and a human message."""

    code: str = Field(min_length=1)
    message: str = ""
    entity_index: int | None = None


class Attempt(_Record):
    """One LLM call (or human edit) that produced or changed the target side."""

    stage: Literal["translate", "refine", "project", "review", "verify"]
    model: str = ""
    prompt_version: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cached: bool = False
    response: str | None = None
    error: str | None = None
    # Why the model stopped, as the API reported it ("stop", "length" = cut off at max_tokens,
    # "content_filter"); None for human edits and records written before it was recorded.
    finish_reason: str | None = None


class Provenance(_Record):
    """How the target side was made: models, prompt versions, every attempt, who reviewed."""

    model: str = ""
    prompt_version: str = ""
    attempts: list[Attempt] = Field(default_factory=list)
    reviewed_by: Literal["machine", "human"] = "machine"
    reviewer: str | None = None

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)


class ParallelSample(_Record):
    """A bilingual sample. Field names follow the ``parallelner align`` JSONL contract.

    Before alignment only the source side (and maybe ``response``, the raw LLM answer) is set;
    alignment fills ``target_text``, ``target_entities``, ``confidence``, ``status``, ``issues``.
    """

    id: str = Field(min_length=1)
    source_lang: str
    target_lang: str
    source_text: str
    source_entities: list[EntitySpan] = Field(default_factory=list)
    response: str | None = None
    target_text: str | None = None
    target_entities: list[TargetSpan] = Field(default_factory=list)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    status: Status | None = None
    issues: list[Issue] = Field(default_factory=list)
    mode: Literal["translate", "project"] = "translate"
    source: SourceProvenance | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    # The input line as read, kept only on records rebuilt from a line that was not a valid
    # record (status rejected, issue invalid_record), so nothing of the input is lost.
    raw_input: str | None = None
    # The target translated back into the source language by the round-trip check
    # (parallelner.verify), kept for the reviewer; None when the check did not run.
    back_translation: str | None = None

    _src_lang = field_validator("source_lang")(_check_lang)
    _tgt_lang = field_validator("target_lang")(_check_lang)

    @model_validator(mode="after")
    def _spans_inside(self) -> ParallelSample:
        check_spans(self.source_text, self.source_entities, "source_entities")
        check_flat(self.source_entities, "source_entities")
        if self.target_entities:
            if self.target_text is None:
                raise ValueError("target_entities given without target_text")
            check_spans(self.target_text, self.target_entities, "target_entities")
            n = len(self.source_entities)
            for i, span in enumerate(self.target_entities):
                if span.source_index is not None and span.source_index >= n:
                    raise ValueError(
                        f"target_entities[{i}].source_index={span.source_index} but the source "
                        f"has {n} entities"
                    )
        return self

    @classmethod
    def from_source(cls, sample: SourceSample, target_lang: str) -> ParallelSample:
        """Start a parallel sample from a source sample (before translation)."""
        return cls(
            id=sample.id,
            source_lang=sample.lang,
            target_lang=target_lang,
            source_text=sample.text,
            source_entities=list(sample.entities),
            source=sample.provenance,
        )


__all__ = [
    "Attempt",
    "EntitySpan",
    "Issue",
    "ParallelSample",
    "Provenance",
    "SourceProvenance",
    "SourceSample",
    "Status",
    "TargetSpan",
]
