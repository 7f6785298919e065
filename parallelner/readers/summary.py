"""Counts over a stream of source samples, for ``parallelner sources show`` and run summaries.

Pure accumulation (no I/O), fed one sample at a time so a progress bar can advance with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..schema import SourceSample
from .base import Repair


@dataclass
class SourceSummary:
    """Sentences, entities per label, sentences per label, and repairs per code."""

    sentences: int = 0
    with_entities: int = 0
    characters: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    sentences_with: Counter[str] = field(default_factory=Counter)
    repairs: Counter[str] = field(default_factory=Counter)

    def add(self, sample: SourceSample) -> None:
        self.sentences += 1
        self.characters += len(sample.text)
        labels = [e.label for e in sample.entities]
        if labels:
            self.with_entities += 1
        self.entities.update(labels)
        self.sentences_with.update(set(labels))

    def add_repairs(self, repairs: Iterable[Repair]) -> None:
        self.repairs.update(r.code for r in repairs)

    @property
    def total_entities(self) -> int:
        return sum(self.entities.values())


def summarize(samples: Iterable[SourceSample]) -> SourceSummary:
    summary = SourceSummary()
    for sample in samples:
        summary.add(sample)
    return summary
