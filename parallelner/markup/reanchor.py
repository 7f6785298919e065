"""Move spans found in a model's copy of a sentence onto the sentence it was asked to copy.

Projection mode gives the model a fixed target sentence and asks for it back, unchanged, with
entity tags inserted. Small models still change a character or two (a quote style, a space, a
typo fixed). The spans are offsets into the returned text; we need them on the given text. A
character alignment (Levenshtein edit operations, from rapidfuzz) maps every returned character
to its partner in the given text; a span keeps its first and last mapped characters and so also
absorbs characters the model dropped inside it. Pure logic, no I/O.

Whether the differences are "a character or two" or a rewrite is the caller's decision, made on
``distance`` (edit operations between the two texts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein


@dataclass(frozen=True)
class Reanchored:
    """Per input span its (start, end) on the given text, or None when nothing of it is there."""

    spans: list[tuple[int, int] | None]
    distance: int

    @property
    def lost(self) -> list[int]:
        return [i for i, s in enumerate(self.spans) if s is None]


def char_map(returned: str, given: str) -> tuple[list[int], list[bool]]:
    """For each returned character: its position in ``given`` and whether it exists there.

    A character the model added (absent from ``given``) points at the given position that follows
    it and is marked not kept.
    """
    pos = [0] * len(returned)
    kept = [False] * len(returned)
    for op in Levenshtein.opcodes(returned, given):
        n_src, n_dst = op.src_end - op.src_start, op.dest_end - op.dest_start
        for k in range(n_src):
            i = op.src_start + k
            if op.tag in ("equal", "replace") and k < n_dst:
                pos[i], kept[i] = op.dest_start + k, True
            else:
                pos[i] = op.dest_end
    return pos, kept


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def reanchor(returned: str, given: str, spans: Sequence[tuple[int, int]]) -> Reanchored:
    """Map ``spans`` (offsets into ``returned``) onto ``given``."""
    if returned == given:
        return Reanchored([(s, e) for s, e in spans], 0)
    pos, kept = char_map(returned, given)
    out: list[tuple[int, int] | None] = []
    for s, e in spans:
        inside = [i for i in range(s, e) if kept[i]]
        if not inside:
            out.append(None)
            continue
        start, end = _strip(given, pos[inside[0]], pos[inside[-1]] + 1)
        out.append((start, end) if end > start else None)
    return Reanchored(out, Levenshtein.distance(returned, given))


__all__ = ["Reanchored", "char_map", "reanchor"]
