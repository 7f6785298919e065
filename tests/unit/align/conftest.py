"""Helpers for the align tests: build samples from surfaces instead of hand-counted offsets."""

from __future__ import annotations

import pytest

from parallelner.config import AlignConfig
from parallelner.schema import EntitySpan, ParallelSample


def spans(text: str, *items: tuple[str, str]) -> list[EntitySpan]:
    """Entity spans for (surface, label) items, each found left to right in ``text``."""
    out, pos = [], 0
    for surface, label in items:
        start = text.index(surface, pos)
        out.append(EntitySpan(start=start, end=start + len(surface), label=label))
        pos = start + len(surface)
    return out


def sample(source: str, items: list[tuple[str, str]], response: str | None,
           source_lang: str = "en", target_lang: str = "de") -> ParallelSample:
    return ParallelSample(id="t1", source_lang=source_lang, target_lang=target_lang,
                          source_text=source, source_entities=spans(source, *items),
                          response=response)


@pytest.fixture
def config() -> AlignConfig:
    return AlignConfig()


OBAMA = "Barack Obama visited Paris on Monday with Angela Merkel."
OBAMA_ENTS = [("Barack Obama", "PER"), ("Paris", "LOC"), ("Angela Merkel", "PER")]
OBAMA_DE = ('<PER id="1">Barack Obama</PER> besuchte am Montag <LOC id="2">Paris</LOC> '
            'mit <PER id="3">Angela Merkel</PER>.')
