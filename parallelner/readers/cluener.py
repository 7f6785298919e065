"""CLUENER2020 JSON lines: ``{"text": ..., "label": {type: {surface: [[start, end_inclusive]]}}}``.

The published files are named ``train.json``/``dev.json``/``test.json`` but hold one JSON object per
line. Ends are inclusive there and exclusive here. Every span must lie inside the text and its text
must equal the surface it is filed under; anything else is an error naming the file and line (a
mismatch means offsets were shifted, and a shifted span is worse than no sample). Lines without
``label`` (the unlabelled test split) read as samples without entities. The ten types (name,
company, government, organization, address, position, book, game, movie, scene) are passed on as
labels under the ``cluener`` label scheme; mapping them is the ontology's job.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..schema import EntitySpan, SourceSample
from .base import ReadContext, checked, iter_json_objects


def _spans(ctx: ReadContext, text: str, label: Any, number: int) -> list[EntitySpan]:
    if label is None:
        return []
    if not isinstance(label, dict):
        raise ctx.error(f"'label' must be an object of types, got {type(label).__name__}", number)
    out: list[EntitySpan] = []
    for etype, surfaces in label.items():
        if not isinstance(surfaces, dict):
            raise ctx.error(f"label {etype!r} must map surfaces to span lists", number)
        for surface, spans in surfaces.items():
            if not isinstance(spans, list):
                raise ctx.error(f"{etype} {surface!r}: spans must be a list", number)
            for pair in spans:
                ok = isinstance(pair, list) and len(pair) == 2
                if not ok or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair):
                    raise ctx.error(
                        f"{etype} {surface!r}: span {pair!r} is not [start, end_inclusive]", number
                    )
                start, end = pair[0], pair[1] + 1
                if start < 0 or end > len(text) or end <= start:
                    raise ctx.error(
                        f"{etype} {surface!r}: span {pair!r} lies outside the text "
                        f"({len(text)} characters)",
                        number,
                    )
                if text[start:end] != surface:
                    raise ctx.error(
                        f"{etype} {surface!r}: span {pair!r} covers {text[start:end]!r} instead",
                        number,
                    )
                out.append(EntitySpan(start=start, end=end, label=etype))
    out.sort(key=lambda e: (e.start, e.end, e.label))
    kept: list[EntitySpan] = []
    for span in out:
        if kept and span == kept[-1]:
            ctx.repair("duplicate-entity", f"{span.label} {text[span.start:span.end]!r} is "
                       "listed twice; kept once", number)
            continue
        if kept and span.start < kept[-1].end:
            prev = kept[-1]
            raise ctx.error(
                f"{span.label} {text[span.start:span.end]!r} [{span.start}, {span.end - 1}] "
                f"overlaps {prev.label} {text[prev.start:prev.end]!r} [{prev.start}, "
                f"{prev.end - 1}]: NER spans must not overlap",
                number,
            )
        kept.append(span)
    return kept


def read(ctx: ReadContext) -> Iterator[SourceSample]:
    """Yield one sample per non-blank line of a CLUENER2020 file."""
    lang = ctx.require_lang()
    for index, (number, record) in enumerate(iter_json_objects(ctx)):
        if not isinstance(record.get("text"), str):
            raise ctx.error("expected an object with a string 'text'", number)
        text = record["text"]
        entities = _spans(ctx, text, record.get("label"), number)
        sample = SourceSample(
            id=ctx.new_id(index, number),
            lang=lang,
            text=text,
            entities=entities,
            provenance=ctx.provenance(index),
        )
        yield checked(ctx, sample, number)
