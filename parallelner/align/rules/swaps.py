"""Swap rules: same-label entities whose ids look swapped (their order flips far apart, or
between Chinese and a Latin script each name sounds like the other's span).

Both compare pairs; ``_same_label_pairs`` keeps that linear in the number of entities."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context, Placed
from .base import (
    _CASED,
)

_ORDER_SHIFT = 0.35  # fraction of the sentence both entities must move for a flip to count


# Pairwise rules (order, sound) compare an entity with every later same-label entity while a
# label has at most _PARTNERS + 1 of them, else with its next _PARTNERS: linear in the entities.
_PARTNERS = 16


def _same_label_pairs(ctx: Context, items: list[int]) -> Iterator[tuple[int, int]]:
    """Pairs (i, j) of same-label entities, i before j in ``items``: all of them for a label
    with few entities (the order of a double loop), else each with its next ``_PARTNERS``."""
    groups: dict[str, list[int]] = {}
    place: dict[int, int] = {}
    for i in items:
        group = groups.setdefault(ctx.source_entities[i].label, [])
        place[i] = len(group)
        group.append(i)
    for i in items:
        group = groups[ctx.source_entities[i].label]
        k = place[i]
        later = group[k + 1 :] if len(group) <= _PARTNERS + 1 else group[k + 1 : k + 1 + _PARTNERS]
        for j in later:
            yield i, j


def rule_same_label_order(ctx: Context) -> None:
    """Two entities of the same label whose order flips *and* who both move far are more likely
    swapped ids than a reordering translation (names keep their rough place in a sentence).
    Pairs as in ``_same_label_pairs``: all of them up to ``_PARTNERS + 1`` entities a label."""
    tagged = [i for i, p in ctx.placed.items() if p.how == "tag"]
    n_src, n_tgt = max(len(ctx.source_text), 1), max(len(ctx.text), 1)

    def shift(i: int, p: Placed) -> float:
        ent = ctx.source_entities[i]
        return abs((ent.start + ent.end) / 2 / n_src - (p.start + p.end) / 2 / n_tgt)

    memo: dict[tuple[int, int], float] = {}
    for i, j in _same_label_pairs(ctx, tagged):
        p, q = ctx.placed[i], ctx.placed[j]
        flipped = (ctx.source_entities[i].start < ctx.source_entities[j].start) != \
            (p.start < q.start)
        if not flipped or min(shift(i, p), shift(j, q)) <= _ORDER_SHIFT:
            continue
        sound = _sound_pair(ctx, i, j, memo)
        if sound is not None and sound[0] >= sound[1]:
            continue  # Chinese reorders freely; the names sound right where they stand
        ctx.add("span_order", f"{ctx.describe(i)} and {ctx.describe(j)} swap places in the "
                "target: ids may be swapped", i)
        ctx.add("span_order", f"{ctx.describe(j)} swaps places with {ctx.describe(i)}", j)


# Two same-label names fit their spans this much better swapped (sum of two 0-100 scores).
_SOUND_SWAP = 30.0


def _sound_applies(ctx: Context) -> bool:
    """Names can be compared by sound: Chinese on one side, a Latin-script language on the other."""
    langs = (ctx.source_lang, ctx.target_lang)
    return "zh" in langs and langs[0] != langs[1] and set(langs) - {"zh"} <= _CASED


def _sound_pair(ctx: Context, i: int, j: int,
                memo: dict[tuple[int, int], float] | None = None) -> tuple[float, float] | None:
    """Between Chinese and a Latin-script language: how alike entities i and j sound to their
    own spans (summed) and to each other's; None for other language pairs. ``memo`` keeps the
    scores (entity, span owner) across the pairs of one sample (an entity is in many pairs)."""
    if not _sound_applies(ctx):
        return None
    from .. import translit

    memo = {} if memo is None else memo

    def score(k: int, owner: int) -> float:
        if (k, owner) not in memo:
            span = ctx.placed[owner]
            name, words = ctx.source_surface(k), ctx.text[span.start:span.end]
            memo[(k, owner)] = translit.sound_alike(name, words) if ctx.target_lang == "zh" \
                else translit.sound_alike(words, name)
        return memo[(k, owner)]

    return score(i, i) + score(j, j), score(i, j) + score(j, i)


def rule_sound_swap(ctx: Context) -> None:
    """Between Chinese and a Latin-script language, names are mostly written by sound. Two
    same-label spans that sound far more like each other's source names than like their own
    (pinyin against letters: 華為 / "Huawei") carry swapped ids, wherever they stand (among
    the next ``_PARTNERS`` same-label entities in a sample with more: linear, not quadratic)."""
    if not _sound_applies(ctx):
        return
    memo: dict[tuple[int, int], float] = {}
    for i, j in _same_label_pairs(ctx, sorted(ctx.placed)):
        scores = _sound_pair(ctx, i, j, memo)
        if scores is None:
            continue
        own, swapped = scores
        if swapped - own >= _SOUND_SWAP:
            p, q = ctx.placed[i], ctx.placed[j]
            ctx.add("span_sound_swap", f"{ctx.describe(i)} sounds like the span of "
                    f"{ctx.describe(j)} ({ctx.text[q.start:q.end]!r}), not its own "
                    f"({ctx.text[p.start:p.end]!r}): ids may be swapped", i)
            ctx.add("span_sound_swap", f"{ctx.describe(j)} sounds like the span of "
                    f"{ctx.describe(i)} ({ctx.text[p.start:p.end]!r}), not its own", j)
