"""Confidence per span and per sample, and the status it routes to.

Span confidence = base(how the span was found) x prod(1 - penalty) over the span's own codes,
where base is 1.0 for a tag (id or unambiguous label), 0.9 for an untagged entity found verbatim
and unique, 0.75 found after normalization, and 0.6 x fuzzy score / 100 found fuzzily.

Sample confidence = min(span confidences, or 1.0 when there are none)
                    x prod(1 - penalty) over the distinct sample-level codes
                    x prod(1 - penalty) over the distinct span-level codes of entities that got
                      no span (missing, ambiguous, empty tag).

Status, from the most severe *action* among the codes (``issues.CODES``) and the confidence:
``reject`` -> rejected; ``refine`` -> refine; ``review`` -> review; otherwise accepted when
confidence >= ``accept_threshold``, review when >= ``review_threshold``, else refine.
"""

from __future__ import annotations

from ..config import AlignConfig
from ..schema import Status
from .context import Context, Placed
from .issues import Action, code_info

BASE = {"tag": 1.0, "exact": 0.9, "normalized": 0.75, "fuzzy": 0.6}


def _product(codes: set[str]) -> float:
    out = 1.0
    for code in codes:
        out *= 1.0 - code_info(code).penalty
    return out


def span_confidence(placed: Placed) -> float:
    base = BASE[placed.how]
    if placed.how == "fuzzy":
        base *= placed.score / 100.0
    return round(base * _product(set(placed.codes)), 4)


def sample_confidence(ctx: Context) -> float:
    spans = [span_confidence(p) for p in ctx.placed.values()]
    sample_codes = {f.code for f in ctx.findings if f.entity_index is None}
    orphan_codes = {f.code for f in ctx.findings if f.entity_index is not None
                    and f.entity_index not in ctx.placed}
    value = min(spans, default=1.0) * _product(sample_codes) * _product(orphan_codes)
    return round(max(0.0, min(1.0, value)), 4)


def route(codes: set[str], confidence: float, config: AlignConfig) -> Status:
    worst = max((code_info(c).action for c in codes), default=Action.note)
    if worst == Action.reject:
        return Status.rejected
    if worst == Action.refine:
        return Status.refine
    if worst == Action.review:
        return Status.review
    if confidence >= config.accept_threshold:
        return Status.accepted
    if confidence >= config.review_threshold:
        return Status.review
    return Status.refine
