"""Our own ``SourceSample`` JSON lines, as the readers and ``write_jsonl`` produce them.

Samples keep their ids, languages and provenance. A line that does not validate (overlapping
entities among others), a duplicate id, a label its scheme does not know, or a sample in another
language than the one asked for is an error naming the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..io import iter_jsonl
from ..schema import SourceSample
from .base import ReadContext, checked


def read(ctx: ReadContext) -> Iterator[SourceSample]:
    """Yield the samples of one JSONL file in order."""
    seen: set[str] = set()
    for line in iter_jsonl(Path(ctx.path), SourceSample):
        sample = line.record
        if sample is None:
            raise ctx.error(line.error or "not a source sample", line.number)
        if ctx.lang is not None and sample.lang != ctx.lang:
            raise ctx.error(
                f"sample {sample.id!r} is in {sample.lang!r}, but the language asked for is "
                f"{ctx.lang!r}",
                line.number,
            )
        if sample.id in seen:
            raise ctx.error(f"duplicate sample id {sample.id!r}", line.number)
        seen.add(sample.id)
        yield checked(ctx, sample, line.number)
