"""A sorted set of spans answering "does anything here overlap / contain this?" in O(log n).

Why: the rules asked those questions with a scan over every placed span, once per span: quadratic
in the number of entities (issue 15). Spans are kept sorted by start; a query bisects to the spans
that start before its end and walks back only while a span could still reach it (no span is
longer than the longest one added), so flat NER spans answer in one or two steps.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator


class Spans:
    """Half-open ``(start, end)`` spans, with an optional owner (an entity index) each."""

    def __init__(self, spans: Iterable[tuple[int, int, int]] = ()) -> None:
        self._items: list[tuple[int, int, int]] = sorted(spans)  # (start, end, owner)
        self._starts = [s for s, _, _ in self._items]
        self._longest = max((e - s for s, e, _ in self._items), default=0)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, start: int, end: int, owner: int = -1) -> None:
        item = (start, end, owner)
        insort(self._items, item)
        self._starts.insert(bisect_right(self._starts, start), start)
        self._longest = max(self._longest, end - start)

    def _reaching(self, start: int, before: int) -> Iterator[tuple[int, int, int]]:
        """Spans that start before ``before`` and may end after ``start``, nearest first."""
        j = bisect_left(self._starts, before) - 1
        while j >= 0 and self._items[j][0] + self._longest > start:
            yield self._items[j]
            j -= 1

    def overlapping(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """Spans sharing at least one character with ``[start, end)``."""
        return ((s, e, o) for s, e, o in self._reaching(start, end) if e > start)

    def free(self, start: int, end: int) -> bool:
        """No span overlaps ``[start, end)``."""
        return next(self.overlapping(start, end), None) is None

    def containing(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """Spans ``(a, b)`` with ``a <= start`` and ``end <= b``."""
        return ((s, e, o) for s, e, o in self._reaching(start, start + 1)
                if s <= start and end <= e)

    def covers(self, pos: int) -> bool:
        """Some span holds offset ``pos`` (``a <= pos < b``)."""
        return any(s <= pos < e for s, e, _ in self._reaching(pos, pos + 1))
