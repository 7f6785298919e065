"""Every occurrence of many short strings in one text, in one pass over the text.

Why: asking ``text.find(name)`` once per entity reads the whole text once per entity, quadratic
in the number of entities (issue 15). Here the needles are grouped by their first character and
length; each position of the text whose character starts some needle looks up only those
lengths, so the work is the text's length times the (small) number of needle lengths per
character, plus the hits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def find_all(text: str, needles: Iterable[str]) -> dict[str, list[int]]:
    """Start offsets of every occurrence (overlapping ones too) of each non-empty needle, in
    order: what repeated ``text.find(needle, pos + 1)`` gives, for all needles at once."""
    out: dict[str, list[int]] = {}
    lengths: dict[str, set[int]] = defaultdict(set)
    for needle in needles:
        if needle and needle not in out:
            out[needle] = []
            lengths[needle[0]].add(len(needle))
    if not out:
        return out
    by_first = {ch: sorted(ns) for ch, ns in lengths.items()}
    n = len(text)
    for pos, ch in enumerate(text):
        sizes = by_first.get(ch)
        if sizes is None:
            continue
        for size in sizes:  # ascending: past the end, every longer one is too
            if pos + size > n:
                break
            hits = out.get(text[pos : pos + size])
            if hits is not None:
                hits.append(pos)
    return out
