"""The ``[verify]`` settings section: whether and how the round trip checks meaning.

The thresholds are measured on the gold corpora (``benchmarks/verify_quality.py`` prints the
figures they come from); they are not tuned to one model. The lead hooks this section into
``parallelner.config.Settings``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VerifyMode = Literal["all", "suspicious", "off"]


class VerifyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # all: every aligned sample makes the round trip; suspicious: only those whose cheap signals
    # fall in the measured band (see ``select``); off: no round trip.
    mode: VerifyMode = "all"
    prompt: str = "back_translate.v1"
    # A source name and its back-translation scoring below this (0-100, see ``compare``) is a
    # different name. On the gold corpora 62 of 63 PER names spelled by another language score
    # 70+ (the one below: "Lucas Cranach dem Älteren"); 98-100% of other names of the same
    # label score below 62 (benchmarks/verify_quality.py part 1).
    name_threshold: float = Field(default=62.0, ge=0.0, le=100.0)
    # A run of words at the end of the source (after its last entity), at least tail_min_words
    # of them (Chinese: characters) and tail_min_share of all, holding tail_min_content content
    # words, of which at most tail_max_recall came back, is a dropped final clause or an early
    # stop.
    tail_min_words: int = Field(default=3, ge=1)
    tail_min_content: int = Field(default=2, ge=1)
    # ... or any such run (one content word lost at the end) when the back-translation has
    # fewer than this share of the source's words.
    short_ratio: float = Field(default=0.7, ge=0.0, le=1.0)
    tail_min_share: float = Field(default=0.0, ge=0.0, le=1.0)
    tail_max_recall: float = Field(default=0.2, ge=0.0, le=1.0)
    # Share of the source's content words that must come back (sentences with at least
    # recall_min_words content words).
    recall_min: float = Field(default=0.45, ge=0.0, le=1.0)
    recall_min_words: int = Field(default=6, ge=1)
    # suspicious mode: the cheap signals' band (see ``select.Signals``); each cut alone selects
    # 3-9% of the right translations the align stage accepts on the gold catalogue, together
    # about a quarter (``benchmarks/verify_quality.py`` part 4 prints the grid they come from).
    suspicious_length_z: float = -1.0
    suspicious_comma_loss: int = Field(default=2, ge=1)
    suspicious_tail_ratio: float = Field(default=0.5, ge=0.0)
    suspicious_name_sound: float = Field(default=30.0, ge=0.0, le=100.0)
