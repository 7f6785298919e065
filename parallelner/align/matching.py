"""Find an untagged source entity in the target: exact, then normalized, then fuzzy.

Every hit is snapped to token boundaries and must not overlap a span already placed. A surface
that occurs more than once is *ambiguous* (no guess). Fuzzy search uses rapidfuzz's
``partial_ratio_alignment``, whose window can take a neighbouring space or cut a letter: the
window is snapped outward to whole tokens and re-scored before it counts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from .hanzi import fold
from .intervals import Spans
from .tokens import Tokens, cuts_word

Method = Literal["exact", "normalized", "fuzzy"]


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    method: Method
    score: float  # 100 for exact/normalized, the rapidfuzz ratio for fuzzy
    occurrences: int  # how many non-overlapping candidates were found (>1: ambiguous)


def normalize(text: str) -> tuple[str, list[int]]:
    """Width/case/diacritics/punctuation/whitespace/Chinese-script-insensitive form of ``text``,
    with an offset map.

    ``mapping[i]`` is the index in ``text`` of the character that produced normalized char ``i``.
    Punctuation and whitespace become one space; runs collapse.
    """
    out: list[str] = []
    mapping: list[int] = []
    for i, ch in enumerate(fold(text)):  # traditional -> simplified, one character for one
        cat = unicodedata.category(ch)
        if ch.isspace() or cat.startswith("P") or cat.startswith("S"):
            if out and out[-1] != " ":
                out.append(" ")
                mapping.append(i)
            continue
        piece = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch).casefold())
        for c in piece:
            if unicodedata.combining(c):
                continue
            out.append(c)
            mapping.append(i)
    while out and out[-1] == " ":
        out.pop()
        mapping.pop()
    return "".join(out), mapping


@lru_cache(maxsize=8)
def _normalized_text(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` once per text: every untagged entity of a sample searches the same
    text (normalizing it per entity was quadratic in the number of entities). Read-only."""
    return normalize(text)


def _all_occurrences(hay: str, needle: str) -> list[int]:
    out, pos = [], hay.find(needle)
    while pos >= 0 and needle:
        out.append(pos)
        pos = hay.find(needle, pos + 1)
    return out


def _on_boundaries(start: int, end: int, tokens: Tokens) -> bool:
    b = tokens.boundaries
    return (start in b or not cuts_word(tokens.text, start)) and \
        (end in b or not cuts_word(tokens.text, end))


def snap(start: int, end: int, tokens: Tokens) -> tuple[int, int] | None:
    """Grow ``[start, end)`` to whole tokens, after dropping edge whitespace; None if no token."""
    text = tokens.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    covered = tokens.covering(start, end)
    if not covered:
        return None
    return tokens.starts[covered[0]], tokens.ends[covered[-1]]


def find_entity(
    surface: str,
    text: str,
    tokens: Tokens,
    taken: list[tuple[int, int]] | Spans,
    fuzzy_cutoff: float,
) -> Match | None:
    """Search ``surface`` in ``text`` outside ``taken``; the first method with a hit decides."""
    surface = surface.strip()
    if not surface:
        return None
    if not isinstance(taken, Spans):
        taken = Spans((s, e, -1) for s, e in taken)
    hits = [
        (p, p + len(surface))
        for p in _all_occurrences(text, surface)
        if taken.free(p, p + len(surface)) and _on_boundaries(p, p + len(surface), tokens)
    ]
    if hits:
        return Match(hits[0][0], hits[0][1], "exact", 100.0, len(hits))
    norm_text, mapping = _normalized_text(text)
    norm_surface, _ = normalize(surface)
    if not norm_surface.strip():
        return None
    found: list[tuple[int, int]] = []
    for p in _all_occurrences(norm_text, norm_surface):
        s, e = mapping[p], mapping[p + len(norm_surface) - 1] + 1
        snapped = snap(s, e, tokens)
        if snapped and snapped == (s, e) and taken.free(s, e):
            found.append((s, e))
    if found:
        return Match(found[0][0], found[0][1], "normalized", 100.0, len(found))
    if len(norm_surface) < 4 or not norm_text:
        return None  # a short name is too easy to find by accident
    result = fuzz.partial_ratio_alignment(norm_surface, norm_text, score_cutoff=fuzzy_cutoff)
    if result is None:
        return None
    s = mapping[min(result.dest_start, len(mapping) - 1)]
    e = mapping[min(result.dest_end, len(mapping)) - 1] + 1
    best = _best_snap(norm_surface, s, e, tokens, taken)
    if best is None or best[0] < fuzzy_cutoff:
        return None
    return Match(best[1], best[2], "fuzzy", best[0], 1)


def _best_snap(norm_surface: str, start: int, end: int, tokens: Tokens,
               taken: Spans) -> tuple[float, int, int] | None:
    """Re-score the window grown to whole tokens, and with a partly covered edge token dropped
    (the window may have taken a letter of a neighbour): the best whole-token window wins."""
    covered = tokens.covering(start, end)
    if not covered:
        return None
    best: tuple[float, int, int] | None = None
    first, last = covered[0], covered[-1]
    for a in {first, min(first + 1, last)}:
        for b in {last, max(last - 1, a)}:
            s, e = tokens.starts[a], tokens.ends[b]
            if not taken.free(s, e):
                continue
            score = float(fuzz.ratio(norm_surface, normalize(tokens.text[s:e])[0]))
            if best is None or score > best[0]:
                best = (score, s, e)
    return best
