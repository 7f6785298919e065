"""Evidence rules: where the text itself pins a span (a verbatim name, a number, a
look-alike of the name), and function words at a span's edge."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from ..boundaries import edge_function_word
from ..context import Context, Placed
from ..intervals import Spans
from ..occurrences import find_all
from .base import (
    _CASED,
    _FOLD,
    _UNLIKE,
    _outside_spans,
    _span_index,
    _spans,
)

# Look-alikes of a source name are looked for this many words either side of its span.
_LOOKALIKE_WINDOW = 100


def rule_edge_words(ctx: Context) -> None:
    """A span starting/ending with a function word most likely swallowed a neighbour."""
    for s, e, i in _spans(ctx):
        word = edge_function_word(ctx.text, s, e, ctx.target_lang, ctx.source_surface(i))
        if word:
            ctx.add("span_edge_function_word", f"{ctx.describe(i)}: {ctx.text[s:e]!r} has "
                    f"{word!r} at its edge", i)


def _occurrences(ctx: Context, needles: set[str]) -> dict[str, list[tuple[int, int]]]:
    """Where each needle stands verbatim in the target on token boundaries (one pass)."""
    return {needle: [(p, p + len(needle)) for p in starts if ctx.on_boundaries(p, p + len(needle))]
            for needle, starts in find_all(ctx.text, needles).items()}


def _attached(text: str, start: int, end: int, occurrence: tuple[int, int]) -> bool:
    """The span is the name plus material glued to it without a space (a compound)."""
    o_start, o_end = occurrence
    if not (start <= o_start and o_end <= end):
        return False
    return not any(ch.isspace() for ch in text[start:o_start] + text[o_end:end])


def rule_surface_evidence(ctx: Context) -> None:
    """Where a source name reappears verbatim in the target, its span must be exactly there.

    Catches swapped ids and tags that swallowed or lost a word, whenever the name is kept as is
    (most person and place names between Latin-script languages). No verbatim occurrence: no
    evidence either way, nothing is said.
    """
    surfaces = {i: ctx.source_surface(i).strip() for i in ctx.placed}
    wanted = {s for s in surfaces.values() if sum(ch.isalpha() for ch in s) >= 2}
    occurrences = _occurrences(ctx, wanted)
    index = _span_index(ctx)
    owned: dict[str, set[tuple[int, int]]] = {}
    for j, q in ctx.placed.items():
        owned.setdefault(surfaces[j], set()).add((q.start, q.end))
    evidence = {s: _SurfaceEvidence(s, occ, index, owned[s])
                for s, occ in occurrences.items() if occ}
    for i, p in ctx.placed.items():
        ev = evidence.get(surfaces[i])
        if ev is not None:
            ev.check(ctx, i, p)
    _number_evidence(ctx)
    _cognate_evidence(ctx)


class _SurfaceEvidence:
    """The verbatim occurrences of one source name, sorted out once for all entities of that
    name: an occurrence inside another entity's longer span does not count (the name is part
    of a longer one there); one inside a span of entity ``i`` counts only for ``i`` itself."""

    def __init__(self, surface: str, occ: list[tuple[int, int]], index: Spans,
                 owned: set[tuple[int, int]]) -> None:
        self.surface = surface
        self.free: list[tuple[int, int]] = []  # inside no other span
        self.inside_only: dict[int, list[tuple[int, int]]] = {}  # inside spans of one entity
        for o in occ:
            owners = {j for a, b, j in index.containing(*o) if (a, b) != o}
            if not owners:
                self.free.append(o)
            elif len(owners) == 1:
                self.inside_only.setdefault(owners.pop(), []).append(o)
        self.free_index = Spans((a, b, -1) for a, b in self.free)
        self.free_set = set(self.free)
        self.owned = owned  # the spans of the entities of this name
        self.unowned_free = sum(o not in self.owned for o in self.free)

    def check(self, ctx: Context, i: int, p: Placed) -> None:
        extra = self.inside_only.get(i, [])
        span = (p.start, p.end)
        if not (self.free or extra) or span in self.free_set or span in extra:
            return
        overlapping = [(a, b) for a, b, _ in self.free_index.overlapping(*span)]
        overlapping += [o for o in extra if o[0] < p.end and p.start < o[1]]
        if overlapping and all(_attached(ctx.text, p.start, p.end, o) for o in overlapping):
            return  # "EU-Recht", "Záhorie地區": the name inside one compound token
        surface = self.surface
        if overlapping:
            ctx.add("span_surface_conflict", f"{ctx.describe(i)}: span {ctx.text[p.start:p.end]!r} "
                    f"and the verbatim name {surface!r} overlap but differ", i)
            return
        # Spans of the other entities of this name own their occurrences (the span of ``i`` is
        # not an occurrence here, so leaving it out of ``owned`` changes nothing).
        if self.unowned_free or any(o not in self.owned for o in extra):
            ctx.add("span_surface_conflict", f"{ctx.describe(i)}: span is "
                    f"{ctx.text[p.start:p.end]!r} but {surface!r} appears elsewhere", i)


_WORD = re.compile(r"\w[\w'’-]*")


_COGNATE = 70.0  # a look-alike of the source name (Commission / Comisión / Kommission)


def _cognate_evidence(ctx: Context) -> None:
    """Between Latin-script languages most names are look-alikes of their source (Europe /
    Europa, Comisión / Commission, Bélgica / Belgium). A tag on words unlike its source name,
    while a capitalized look-alike of that name stands elsewhere, untagged or tagged for an
    entity with another name, sits on the wrong words (swapped ids, a tag on another word).
    Compared without case, accents and punctuation (rapidfuzz's own processor: C speed)."""
    if ctx.source_lang not in _CASED or ctx.target_lang not in _CASED:
        return
    folded = ctx.text.translate(_FOLD)  # same length: offsets hold
    words: list[tuple[int, int]] | None = None
    word_starts: list[int] = []
    index = _span_index(ctx)
    for i, p in ctx.placed.items():
        surface = ctx.source_surface(i).translate(_FOLD)
        n = len(default_process(surface).split())
        if sum(map(str.isalpha, surface)) < 4 or p.how != "tag" or not n or fuzz.token_sort_ratio(
            surface, folded[p.start : p.end], processor=default_process
        ) >= _UNLIKE:
            continue
        if words is None:
            words = [(m.start(), m.end()) for m in _WORD.finditer(ctx.text)]
            word_starts = [a for a, _ in words]
        first = max(0, bisect_left(word_starts, p.start) - _LOOKALIKE_WINDOW)
        last = min(len(words) - n + 1, bisect_left(word_starts, p.end) + _LOOKALIKE_WINDOW)
        grams = [(words[k][0], words[k + n - 1][1]) for k in range(first, last)
                 if ctx.text[words[k][0]].isupper()
                 and not (words[k][0] < p.end and p.start < words[k + n - 1][1])]
        best = process.extractOne(surface, [folded[a:b] for a, b in grams],
                                  scorer=fuzz.token_sort_ratio, processor=default_process,
                                  score_cutoff=_COGNATE) if grams else None
        if best is None:
            continue
        a, b = grams[best[2]]
        owners = [j for _, _, j in index.overlapping(a, b) if j != i]
        if any(fuzz.token_sort_ratio(surface, ctx.source_surface(j).translate(_FOLD),
                                     processor=default_process) >= _COGNATE for j in owners):
            continue  # the same name twice: "Europe … Europe"
        ctx.add("span_surface_conflict", f"{ctx.describe(i)}: span {ctx.text[p.start:p.end]!r} is "
                f"unlike the name, {ctx.text[a:b]!r} elsewhere is like it", i)


_DIGITS = re.compile(r"\d+")


THOUSANDS_SEP = re.compile(r"(?<=\d)[,.\u00a0\u202f](?=\d{3}(?!\d))")


def _numbers(text: str) -> Counter[str]:
    """Digit runs, thousands separators dropped ("5,000" = "5.000" = "5000"; "1,4" = "1.4")."""
    return Counter(_DIGITS.findall(THOUSANDS_SEP.sub("", text))) if any(map(str.isdigit, text)) \
        else Counter()


_NUMBER_CHARS = frozenset("0123456789,.\u00a0\u202f")


def _numbers_outside(text: str, start: int, end: int, total: Counter[str],
                     inside: Counter[str]) -> Counter[str]:
    """``_numbers`` of the text without ``[start, end)``: the whole text's less the span's when no
    number runs across an edge (the text is not sliced and joined again per entity)."""
    def joined(pos: int) -> bool:
        return 0 < pos < len(text) and text[pos - 1] in _NUMBER_CHARS and text[pos] in _NUMBER_CHARS

    if joined(start) or joined(end) or any(not ch.isascii() and ch.isdigit()
                                           for ch in text[max(0, start - 1) : end + 1]):
        return _numbers(text[:start] + " " + text[end:])
    return total - inside


def _number_evidence(ctx: Context) -> None:
    """Numbers are written the same in every language here: a span holding a number that the
    source has outside its entity sits on other words ("1904年到1914年之間" for Antonio Gaudí);
    a span without a number of its source entity that the target has outside every span lost it
    ("decisione del Consiglio del giugno" + "1999")."""
    if not any(map(str.isdigit, ctx.text)):
        return
    spans = sorted((p.start, p.end) for p in ctx.placed.values())
    target_rest = _numbers(_outside_spans(ctx.text, spans))
    source_all: Counter[str] | None = None
    for i, p in ctx.placed.items():
        ent = ctx.source_entities[i]
        have, want = _numbers(ctx.text[p.start : p.end]), _numbers(ctx.source_surface(i))
        extra, missing = have - want, want - have
        if extra:
            if source_all is None:
                source_all = _numbers(ctx.source_text)
            source_rest = _numbers_outside(ctx.source_text, ent.start, ent.end, source_all, want)
            if not extra - source_rest:
                ctx.add("span_surface_conflict", f"{ctx.describe(i)}: span "
                        f"{ctx.text[p.start:p.end]!r} holds {', '.join(sorted(extra))}, which "
                        "the source has outside this entity", i)
                continue
        if missing and not missing - target_rest:
            ctx.add("span_surface_conflict", f"{ctx.describe(i)}: span "
                    f"{ctx.text[p.start:p.end]!r} lacks {', '.join(sorted(missing))} of the "
                    "source name, found next to it", i)
