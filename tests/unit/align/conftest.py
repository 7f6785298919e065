"""Helpers for the align tests: build samples from surfaces instead of hand-counted offsets."""

from __future__ import annotations

import pytest
from span_helpers import spans

from parallelner.config import AlignConfig
from parallelner.schema import ParallelSample


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
