"""Grapheme clusters: what a reader sees as one character ("é" written "e" + U+0301, "👍🏽").

Why: a span offset is a code point offset, so a span can end between "e" and its combining
accent ("Zoe" of "Zoé" decomposed) and no rule noticed: the accent was lost from the entity and
left glued to the next word. Spans are snapped outward to cluster boundaries, and the snap is
recorded (align: ``span_grapheme_snapped``; readers: repair ``grapheme-snapped``).
Clusters come from the ``regex`` module's ``\\X`` (Unicode extended grapheme clusters); the whole
text is segmented only when an edge sits before a character that can continue a cluster.
Pure: no I/O.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right

import regex

_CLUSTER = regex.compile(r"\X")
_ZWJ = "\u200d"


def _may_continue(ch: str) -> bool:
    """``ch`` may belong to the cluster before it: a mark, a joiner, a variation selector or
    emoji modifier, a Hangul vowel or final jamo, a regional indicator (flags), LF after CR."""
    o = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == _ZWJ
        or 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF  # variation selectors
        or 0x1F3FB <= o <= 0x1F3FF  # skin tone modifiers
        or 0x1F1E6 <= o <= 0x1F1FF  # regional indicators
        or 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF  # Hangul V/T jamo
        or 0xE0020 <= o <= 0xE007F  # emoji tag characters
        or ch == "\n"
        or unicodedata.category(ch) == "Cf"
    )


def inside_cluster(text: str, pos: int) -> bool:
    """A cheap test that ``pos`` may split a cluster (then ask ``cluster_bounds``)."""
    return 0 < pos < len(text) and (_may_continue(text[pos]) or text[pos - 1] == _ZWJ)


def cluster_starts(text: str) -> list[int]:
    """Start offsets of every grapheme cluster of ``text``, and ``len(text)``."""
    return [m.start() for m in _CLUSTER.finditer(text)] + [len(text)]


def snap_span(text: str, start: int, end: int,
              starts: list[int] | None = None) -> tuple[int, int]:
    """``[start, end)`` grown to whole grapheme clusters (unchanged when already whole).
    ``starts`` is ``cluster_starts(text)`` when the caller has it (many spans, one text)."""
    if not (inside_cluster(text, start) or inside_cluster(text, end)):
        return start, end
    if starts is None:
        starts = cluster_starts(text)
    new_start = starts[bisect_right(starts, start) - 1]
    new_end = starts[min(bisect_left(starts, end), len(starts) - 1)]
    return new_start, max(new_end, new_start)


class Snapper:
    """Snaps many spans of one text, segmenting the text at most once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def snap(self, start: int, end: int) -> tuple[int, int]:
        if not (inside_cluster(self.text, start) or inside_cluster(self.text, end)):
            return start, end
        if self._starts is None:
            self._starts = cluster_starts(self.text)
        return snap_span(self.text, start, end, self._starts)
