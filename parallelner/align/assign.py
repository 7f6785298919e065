"""Tie tagged spans to source entities (by id; by label and order only when unambiguous), trim
their boundaries, and search the target for source entities the answer left untagged."""

from __future__ import annotations

import re
from collections import defaultdict

from parallelner.graphemes import Snapper
from parallelner.markup.parse import TaggedSpan

from .boundaries import ends_text, trim_span, word_after, word_before
from .context import Context, Placed
from .intervals import Spans
from .labels import canonical_label
from .matching import find_entity

_ROMAN_END = re.compile(r"\s[IVXLC]+$")
_CASED_NOT_EN = frozenset({"de", "es", "it", "fr", "pt", "nl"})
# Generic nouns a Chinese name ends with: after a Latin name written as is, they belong to the
# entity in the Chinese gold ("Viguier區", "Blindleia運河", "…能源公司").
_ZH_NAME_SUFFIXES = tuple(
    "地區 地区 區 区 運河 运河 醫院 医院 大學 大学 學院 学院 修道院 教堂 城堡 廣場 广场 "
    "州 省 市 縣 县 鎮 镇 村 島 岛 山 河 湖 灣 湾 港 寺 街 路 "
    "橋 桥 站 隊 队 黨 党 一家 家族".split()
)


def _label_findings(
    ctx: Context, index: int, tag: TaggedSpan, label: str | None, code: str | None
) -> None:
    source_label = ctx.source_entities[index].label
    if label is not None and label != source_label:
        ctx.add("tag_label_changed", f"{ctx.describe(index)} is tagged {tag.label!r}", index)
    elif code == "tag_label_case":
        ctx.add(code, f"tag {tag.label!r} for label {source_label}")
    elif code:
        ctx.add(code, f"tag {tag.label!r} read as {source_label}", index)


def _place(ctx: Context, index: int, tag: TaggedSpan, label: str | None) -> None:
    ctx.placed[index] = Placed(index, tag.start, tag.end, "tag")
    ctx.tag_labels.append(label)


def assign_tags(ctx: Context) -> None:
    """Map every parsed tag to a source entity, or drop it with a recorded reason."""
    n = len(ctx.source_entities)
    labels = {e.label for e in ctx.source_entities}
    by_id: dict[int, list[tuple[TaggedSpan, str | None, str | None]]] = defaultdict(list)
    no_id: list[tuple[TaggedSpan, str | None, str | None]] = []
    for tag in ctx.parsed.spans:
        label, code = canonical_label(tag.label, labels)
        if tag.number is not None and 1 <= tag.number <= n:
            by_id[tag.number - 1].append((tag, label, code))
        elif tag.number is not None:
            ctx.add("tag_id_unknown", f"tag {tag.label!r} id={tag.number} matches no source entity "
                    f"(the source has {n}); dropped")
        elif label is None:
            ctx.add("tag_label_unknown",
                    f"tag {tag.label!r} without id has an unknown label; dropped")
        else:
            no_id.append((tag, label, code))
    for index, tags in sorted(by_id.items()):
        source_label = ctx.source_entities[index].label
        chosen = next((t for t in tags if t[1] == source_label), tags[0])
        _place(ctx, index, chosen[0], chosen[1])
        _label_findings(ctx, index, chosen[0], chosen[1], chosen[2])
        if len(tags) > 1:
            ctx.add("tag_id_duplicate", f"{len(tags)} tags carry id {index + 1}; the first "
                    f"{'with its label ' if chosen is not tags[0] else ''}was kept", index)
    _assign_without_ids(ctx, no_id)


def _assign_without_ids(
    ctx: Context, no_id: list[tuple[TaggedSpan, str | None, str | None]]
) -> None:
    by_label: dict[str, list[tuple[TaggedSpan, str | None, str | None]]] = defaultdict(list)
    for item in no_id:
        by_label[item[1] or ""].append(item)
    for label, tags in by_label.items():
        free = sorted(
            (i for i, e in enumerate(ctx.source_entities)
             if e.label == label and i not in ctx.placed),
            key=lambda i: ctx.source_entities[i].start,
        )
        if not free:
            for tag, _, _ in tags:
                ctx.add("tag_id_unknown", f"tag {tag.label!r} without id: no untagged {label} "
                        "entity is left; dropped")
            continue
        tags = sorted(tags, key=lambda t: t[0].start)
        unique = len(free) == 1 and len(tags) == 1
        confirmed = len(free) == len(tags) and all(
            ctx.text[t[0].start : t[0].end].strip() == ctx.source_surface(i).strip()
            for t, i in zip(tags, free, strict=True)
        )
        # More tags than entities: the rest are dropped below; more entities: left to search.
        for (tag, tag_label, code), index in zip(tags, free, strict=False):
            _place(ctx, index, tag, tag_label)
            if unique or confirmed:
                ctx.add("tag_id_missing", f"tag {tag.label!r} without id matched to "
                        f"{ctx.describe(index)}", index)
            else:
                ctx.add("tag_id_missing_ambiguous", f"{len(tags)} {label} tags without ids for "
                        f"{len(free)} {label} entities: matched by order", index)
            _label_findings(ctx, index, tag, tag_label, code)
        for tag, _, _ in tags[len(free):]:
            ctx.add("tag_id_unknown", f"tag {tag.label!r} without id: more {label} tags than "
                    f"{label} entities; dropped")


def trim_all(ctx: Context) -> None:
    """Trim each tagged span to the entity proper; an empty result frees the entity for search."""
    for index in list(ctx.placed):
        p = ctx.placed[index]
        trim = trim_span(ctx.text, p.start, p.end, ctx.source_surface(index), ctx.target_lang,
                         ctx.source_lang)
        p.start, p.end = trim.start, trim.end
        for code in trim.codes:
            ctx.add(code, f"{ctx.describe(index)}: "
                    f"{code.removeprefix('span_').replace('_', ' ')}", index)
        if p.end <= p.start:
            del ctx.placed[index]
            ctx.add("span_empty", f"the tag of {ctx.describe(index)} wraps no text", index)


def snap_graphemes(ctx: Context) -> None:
    """Grow every placed span to whole grapheme clusters: a tag closed between "e" and its
    combining accent ("Zoe" + U+0301) keeps the accent in the entity; the snap is recorded."""
    snapper = Snapper(ctx.text)
    for index, p in ctx.placed.items():
        start, end = snapper.snap(p.start, p.end)
        if (start, end) != (p.start, p.end):
            before = ctx.text[p.start : p.end]
            p.start, p.end = start, end
            ctx.add("span_grapheme_snapped", f"{ctx.describe(index)}: the span {before!r} split "
                    f"a character; grown to {ctx.text[start:end]!r}", index)


def search_untagged(ctx: Context) -> None:
    """Look for the source entities no tag marks; place only on strong, unambiguous evidence."""
    taken = Spans((p.start, p.end, i) for i, p in ctx.placed.items())  # grows as names are found
    for index in range(len(ctx.source_entities)):
        if index in ctx.placed:
            continue
        surface = ctx.source_surface(index)
        match = find_entity(surface, ctx.text, ctx.tokens, taken, ctx.config.fuzzy_cutoff)
        if match is None:
            ctx.add("entity_missing", f"{ctx.describe(index)} is not tagged and not found in the "
                    "target", index)
            continue
        if match.occurrences > 1:
            ctx.add("entity_ambiguous", f"{ctx.describe(index)} is not tagged and occurs "
                    f"{match.occurrences} times in the target", index)
            continue
        end = match.end
        if ctx.target_lang == "de" and _ROMAN_END.search(ctx.text[match.start : end]) and \
                ctx.text[end : end + 1] == "." and not ends_text(ctx.text, end + 1):
            end += 1  # German ordinals carry their period: "Amyntas I. um 512" (gold: 10 of 11)
        ctx.placed[index] = Placed(index, match.start, end, match.method, match.score)
        taken.add(match.start, end, index)
        found = ctx.text[match.start : end]
        ctx.add(f"entity_found_{match.method}", f"{ctx.describe(index)} was not tagged; found "
                f"{found!r} ({match.method}, score {match.score:.0f})", index)
        glued = _name_continues(ctx.text, match.start, end, ctx.target_lang)
        ent = ctx.source_entities[index]
        same = _name_continues(ctx.source_text, ent.start, ent.end, ctx.source_lang)
        if glued and same and _kind(same) == _kind(glued):
            glued = None  # the source has it the same way: "Canadian Blood Services (CBS)"
        if glued and not glued.startswith(("-", "(", "+")) and ctx.target_lang in _CASED_NOT_EN:
            glued = None  # de capitalizes nouns, es/it titles ("Comisario Monti")
        if glued:
            ctx.add("entity_found_partial", f"{ctx.describe(index)}: the found {found!r} may be "
                    f"part of a longer name ({glued!r})", index)


def _last_visible(text: str, pos: int) -> str:
    """The last non-space character before ``pos`` ("" if none), read backwards."""
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return text[pos - 1] if pos > 0 else ""


def _kind(glued: str) -> str:
    return glued[0] if glued[0] in "-(+" else "word"


def _name_continues(text: str, start: int, end: int, lang: str) -> str | None:
    """What makes a found name look like part of a longer one: a hyphen compound ("EU-Recht"),
    a gloss in brackets after the name it explains ("艾賓根（Eibingen）"), a Latin name glued to a
    Chinese generic noun ("Viguier區", "Blindleia運河": the Chinese gold spans include it), a
    capitalized neighbour ("Martin Winterkorn", "CNN Style") that does not open a sentence."""
    if re.match(r"[-‐]\w", text[end : end + 2]) or \
            re.search(r"\w[-‐]$", text[max(0, start - 2) : start]):
        return "-" + text[max(0, start - 12) : end + 12].strip()
    if start >= 2 and text[start - 1] in "(（" and text[end : end + 1] in ")）" and \
            _last_visible(text, start - 1).isalnum():
        return "(" + text[max(0, start - 12) : end + 1]
    if lang == "zh" and text[end - 1 : end].isascii() and text.startswith(_ZH_NAME_SUFFIXES, end):
        return "+" + text[start : end + 4]
    after = word_after(text, end)
    if after and after[:1].isupper():
        return f"{text[start:end]} {after}"
    before = word_before(text, start)
    if before and before[:1].isupper():
        return f"{before} {text[start:end]}"
    return None
