"""Test data by surface instead of hand-counted offsets (shared by the unit tests)."""

from __future__ import annotations

from parallelner.schema import EntitySpan


def spans(text: str, *items: tuple[str, str]) -> list[EntitySpan]:
    """Entity spans for (surface, label) items, each found left to right in ``text``."""
    out, pos = [], 0
    for surface, label in items:
        start = text.index(surface, pos)
        out.append(EntitySpan(start=start, end=start + len(surface), label=label))
        pos = start + len(surface)
    return out
