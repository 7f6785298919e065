"""Which samples make the round trip in ``suspicious`` mode: cheap signals on the aligned sample.

Each signal is measured on the gold corpora (``benchmarks/verify_quality.py --signals`` prints
their spread on right translations and on the catalogue's wrong ones); the band in
``VerifyConfig`` selects a sample when any signal falls outside what right translations show:

- ``length_z``: log(target / expected length) in units of the spread the gold pairs show for the
  sentence's length (the align stage's ``length_short`` model, far below it is already refined);
- ``comma_loss``: clause marks (, ; :) of the source missing from the target;
- ``tail_ratio``: the target's share of text after its last entity over the source's share
  (an early stop that keeps every entity loses what comes after the last one);
- ``name_sound``: for a name written by sound in another script (zh <-> Latin), how alike the
  name and its translation sound; within one script, whether the name is kept verbatim.

Pure, no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..align.langid import script_of_lang
from ..align.rules import DENSITY
from ..align.translit import sound_alike
from ..config import VerifyConfig
from ..schema import ParallelSample
from .compare import name_score

_CLAUSE = re.compile(r"[,;:，；：、]")
_NAME_LABELS = {"PER", "LOC"}


@dataclass(frozen=True)
class Signals:
    length_z: float
    comma_loss: int
    tail_ratio: float
    name_sound: float  # the least alike name (100 when no name is comparable)


def signals(sample: ParallelSample) -> Signals:
    src = sample.source_text.strip()
    tgt = (sample.target_text or "").strip()
    expected = DENSITY.get(sample.target_lang, 1.0) / DENSITY.get(sample.source_lang, 1.0)
    sigma = 0.09 + 1.0 / math.sqrt(max(len(src), 1))
    length_z = math.log(max(len(tgt), 1) / max(len(src) * expected, 1.0)) / sigma
    comma_loss = max(0, len(_CLAUSE.findall(src)) - len(_CLAUSE.findall(tgt)))
    src_end = max((e.end for e in sample.source_entities), default=0)
    tgt_end = max((t.end for t in sample.target_entities), default=0)
    src_tail = (len(src) - src_end) / max(len(src), 1)
    tgt_tail = (len(tgt) - tgt_end) / max(len(tgt), 1)
    tail_ratio = tgt_tail / src_tail if src_tail >= 0.15 and sample.source_entities else 1.0
    return Signals(round(length_z, 3), comma_loss, round(tail_ratio, 3), _name_sound(sample))


def _name_sound(sample: ParallelSample) -> float:
    scripts = script_of_lang(sample.source_lang), script_of_lang(sample.target_lang)
    worst = 100.0
    tgt = sample.target_text or ""
    for t in sample.target_entities:
        if t.source_index is None:
            continue
        ent = sample.source_entities[t.source_index]
        if ent.label not in _NAME_LABELS:
            continue
        a, b = ent.surface(sample.source_text), tgt[t.start : t.end]
        if scripts[0] == scripts[1]:
            score = name_score(a, b, sample.source_lang)
        elif "han" in scripts and "latin" in scripts:
            score = sound_alike(a, b) if scripts[0] == "latin" else sound_alike(b, a)
        else:
            continue
        worst = min(worst, score)
    return worst


def is_suspicious(s: Signals, config: VerifyConfig) -> bool:
    return (s.length_z < config.suspicious_length_z
            or s.comma_loss >= config.suspicious_comma_loss
            or s.tail_ratio < config.suspicious_tail_ratio
            or s.name_sound < config.suspicious_name_sound)


def selected(sample: ParallelSample, config: VerifyConfig) -> bool:
    """Whether ``sample`` makes the round trip under ``config.mode``. Only samples with a target
    that alignment did not reject are worth a call."""
    if config.mode == "off" or sample.target_text is None or not sample.target_text.strip():
        return False
    if sample.status is not None and sample.status.value == "rejected":
        return False
    return config.mode == "all" or is_suspicious(signals(sample), config)
