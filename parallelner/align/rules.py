"""The validation rules: each a named function with the issue code(s) it raises and why.

A rule reads the alignment context and adds findings; it never changes spans. ``RULES`` is the
ordered registry the pipeline runs and the docs and tests enumerate.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from .boundaries import ARTICLES, FUNCTION_WORDS, edge_function_word, word_after, word_before
from .context import Context, Placed
from .intervals import Spans
from .langid import SCRIPT_CLASSES, check_language, script_of_lang, script_profile
from .occurrences import find_all

# Characters of text per unit of meaning, relative to English (measured on the gold corpora:
# median zh/en length ratio 0.32, de/en 1.08-1.15, es/en and it/en 1.08).
_DENSITY = {"zh": 0.32, "ja": 0.45, "ko": 0.5, "de": 1.1, "es": 1.08, "it": 1.08, "fr": 1.1,
            "pt": 1.05, "nl": 1.1, "ru": 1.05}
_FINAL = set(".!?。！？…;；:：")
# Closing quotes and brackets (German closes with “ ‘ «: „…“, »…«; an answer *ending* with one of
# those as an opening quote is caught before they are stripped).
_TRAILERS = set("\"'”’»」』）)]】“‘«")
_SENTENCE_END = set(".!?。！？…")
# Abbreviations that stand before a name or a number, never at the end ("… al Sr.", "Nr.").
_LEADING_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset("mr. mrs. ms. dr. st. no. nos. vs. ca.".split()),
    "de": frozenset("nr. st. dr. hr. fr. ca. z. vgl. s.".split()),
    "es": frozenset("sr. sra. srta. dr. dra. d. dª. núm. nº. st.".split()),
    "it": frozenset("sig. sig.ra on. dott. prof. st. n. ca.".split()),
}
# Brackets only: quote marks pair differently per language (de „…“, fr « … », de » … «).
_PAIRS = (("(", ")"), ("（", "）"), ("[", "]"), ("「", "」"), ("《", "》"), ("【", "】"))


_REFUSAL = re.compile(
    r"\b(?:I'?m sorry|I am sorry|I apologi[sz]e|I can(?:not|'t) (?:help|assist|translate|provide)|"
    r"I am unable|I'm unable|as an AI\b|(?:translation|text) (?:is )?not available)|"
    r"抱歉|对不起|對不起|无法翻译|無法翻譯|作为一个?人工智能",
    re.IGNORECASE,
)
_REFUSAL_HINTS = ("sorry", "apolog", "cannot", "can't", "can’t", "unable", "as an ai",
                  "not available", "抱歉", "对不起", "對不起", "无法", "無法", "人工智能")
_CASED = {"en", "de", "es", "it", "fr", "pt", "nl"}
_ROMANCE = {"es", "it", "fr", "pt"}
_ORDER_SHIFT = 0.35  # fraction of the sentence both entities must move for a flip to count
# Pairwise rules (order, sound) compare an entity with every later same-label entity while a
# label has at most _PARTNERS + 1 of them, else with its next _PARTNERS: linear in the entities.
_PARTNERS = 16
# Look-alikes of a source name are looked for this many words either side of its span.
_LOOKALIKE_WINDOW = 100
_CALENDAR = set(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May "
    "June July August September October November December".split()
)


@dataclass(frozen=True)
class Rule:
    name: str
    codes: tuple[str, ...]
    reason: str
    check: Callable[[Context], None]


def _spans(ctx: Context) -> list[tuple[int, int, int]]:
    return sorted((p.start, p.end, i) for i, p in ctx.placed.items())


def _span_index(ctx: Context) -> Spans:
    return Spans((p.start, p.end, i) for i, p in ctx.placed.items())


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


def rule_label_multiset(ctx: Context) -> None:
    """The tag labels the answer used should be the source's label multiset."""
    if not ctx.tag_labels:
        return
    tags = Counter(label for label in ctx.tag_labels if label)
    # Entities the answer left untagged are reported by their own codes (entity_found_*,
    # entity_missing); count them as present so this rule speaks only of wrong or extra tags.
    tags.update(ctx.source_entities[i].label for i, p in ctx.placed.items() if p.how != "tag")
    tags.update(ctx.source_entities[f.entity_index].label for f in ctx.findings
                if f.code in ("entity_missing", "entity_ambiguous", "span_empty")
                and f.entity_index is not None)
    source = Counter(e.label for e in ctx.source_entities)
    if ctx.tag_labels and tags != source:
        ctx.add("label_multiset",
                f"tag labels {dict(tags)} differ from source labels {dict(source)}")


def rule_overlap(ctx: Context) -> None:
    """No two spans may overlap (NER spans are flat)."""
    spans = _spans(ctx)
    for (_s1, e1, i1), (s2, _e2, i2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            ctx.add("span_overlap", f"{ctx.describe(i1)} and {ctx.describe(i2)} overlap", i2)
            ctx.placed[i1].codes.append("span_overlap")


def rule_token_boundaries(ctx: Context) -> None:
    """A span must start and end on token boundaries (a cut word is a misplaced tag)."""
    text = ctx.text
    for s, e, i in _spans(ctx):
        # A cut is a span edge inside a token *between two word characters*: spaCy keeps
        # "9002." or "CRTC-Sitzungen" whole, yet an entity may end before the "." or "-".
        # Only such edges need the tokenizer (the costliest step), so most samples skip it.
        if not ctx.on_boundaries(s, e):
            ctx.add("span_token_boundary", f"{ctx.describe(i)}: {text[s:e]!r} cuts a token", i)


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
_UNLIKE = 65.0  # a span this unlike its source name is not itself a look-alike
_LOOKALIKE_WORD = 60.0  # one word like another across languages (europeo / European)


def _accent_table() -> dict[int, str]:
    """Latin letters with diacritics -> their base letter, one character for one (é -> e)."""
    table = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))[0]
        if base.isascii() and base.isalpha() and base != chr(code):
            table[code] = base
    return table


_FOLD = _accent_table()


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
_THOUSANDS = re.compile(r"(?<=\d)[,.\u00a0\u202f](?=\d{3}(?!\d))")


def _numbers(text: str) -> Counter[str]:
    """Digit runs, thousands separators dropped ("5,000" = "5.000" = "5000"; "1,4" = "1.4")."""
    return Counter(_DIGITS.findall(_THOUSANDS.sub("", text))) if any(map(str.isdigit, text)) \
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


def rule_refusal(ctx: Context) -> None:
    """An apology or refusal instead of a translation."""
    low = ctx.text.lower()
    if not any(hint in low for hint in _REFUSAL_HINTS):
        return  # the regular expression costs more than these substring tests
    m = _REFUSAL.search(ctx.text)
    if m and not _REFUSAL.search(ctx.source_text):
        ctx.add("refusal", f"the answer reads as a refusal: {m.group(0)!r}")


def rule_name_case(ctx: Context) -> None:
    """In a cased target language a person or place name has a capital letter.

    Measured on the gold corpora: every PER span and all but a handful of LOC spans
    ("osteuropäischen") carry one, and so does every one-word ORG span (of 1,090 ORG spans),
    while longer lower-case ORG and MISC are common (it "commissione per…", es "europeo"); so the
    rule speaks of PER, LOC and one-word ORG spans whose source surface has a capital.
    """
    if ctx.target_lang not in _CASED:
        return
    for s, e, i in _spans(ctx):
        ent = ctx.source_entities[i]
        words = ctx.text[s:e].split()
        if ctx.target_lang == "de" and len(words) > 1 and words[-1][:1].islower() and \
                words[-1].casefold() not in ctx.source_surface(i).casefold().split():
            # Any German multi-word name ends with a noun, capitalized (4 of 478 gold spans do
            # not): "Mitgliedstaaten dar", "Europäischen Kommission ermöglichen" swallowed a word.
            ctx.add("span_name_case", f"{ctx.describe(i)}: {ctx.text[s:e]!r} ends with the "
                    f"lower-case word {words[-1]!r}", i)
            continue
        one_word_org = ent.label == "ORG" and len(words) == 1
        if ent.label not in ("PER", "LOC") and not one_word_org:
            continue
        surface = ctx.source_surface(i)
        source_cased = any(c.isupper() for c in surface) or ctx.source_lang not in _CASED
        if source_cased and not any(c.isupper() for c in ctx.text[s:e]):
            ctx.add("span_name_case",
                    f"{ctx.describe(i)}: {ctx.text[s:e]!r} has no capital letter", i)
            continue
        # A person's name also starts and ends with a capitalized word (2 of 721 gold PER spans
        # do not), and so does any English name: a lower-case edge word was swallowed.
        words, src_words = ctx.text[s:e].split(), surface.split()
        title_cased = ent.label == "PER" or ctx.target_lang == "en"  # English names: Title Case
        # German: a multi-word name ends with a noun, capitalized (3 of 331 gold spans do not).
        edges = [(words[0], src_words[0]), (words[-1], src_words[-1])] if title_cased else []
        if ctx.target_lang == "de" and not title_cased and not any(c.isupper() for c in words[-1]):
            edges = [(words[-1], "X")]
        if len(words) > 1:
            for word, src in edges:
                if word[:1].islower() and (src[:1].isupper() or ctx.source_lang not in _CASED):
                    ctx.add("span_name_case", f"{ctx.describe(i)}: {ctx.text[s:e]!r} has the "
                            f"lower-case word {word!r} at its edge", i)
                    break


def _like_a_source_word(word: str, surface: str) -> bool:
    """``word`` looks like one of the words of the source name (europeo / European)."""
    folded = word.translate(_FOLD)
    return any(fuzz.ratio(folded, w.translate(_FOLD), processor=default_process) >= _LOOKALIKE_WORD
               for w in surface.split() if len(w) > 2)


def rule_span_extent(ctx: Context) -> None:
    """A span that lost a word of the name, or (Chinese) swallowed a clause.

    Cased scripts: the span has fewer words than the source entity and a capitalized word sits
    right next to it (not another span): "[Parlamento] Europeo". Chinese: a span far longer than
    the source entity could ever need (measured: 2 of 517 gold spans exceed 3x the expected
    length + 4 characters).
    """
    text = ctx.text
    spans = _spans(ctx)
    taken = _span_index(ctx)
    for s, e, i in spans:
        surface = ctx.source_surface(i)
        if ctx.target_lang == "zh":
            expected = len(surface) * _DENSITY["zh"] / _DENSITY.get(ctx.source_lang, 1.0)
            if e - s > 3 * expected + 4:
                ctx.add("span_extent", f"{ctx.describe(i)}: {text[s:e]!r} is too long for it", i)
            continue
        if ctx.target_lang not in _CASED:
            continue
        closed = ARTICLES.get(ctx.target_lang, frozenset()) | \
            FUNCTION_WORDS.get(ctx.target_lang, frozenset())
        nxt = word_after(text, e) or ""
        if ctx.target_lang in _ROMANCE and nxt[:1].isupper() and len(nxt) > 1 and \
                nxt.casefold() not in closed and nxt not in _CALENDAR and \
                not taken.covers(e + 1):
            # Spanish and Italian capitalize names, not nouns: a capitalized word right after a
            # span continues the name ("[Gobierno del Reino] Unido"), whatever the word counts.
            ctx.add("span_extent", f"{ctx.describe(i)}: {text[s:e]!r} may have lost the "
                    f"following {nxt!r}", i)
            continue
        # Word counts compare only when the source writes spaces; from Chinese into English a
        # capitalized neighbour alone is the evidence (English names are Title Case).
        spaced = ctx.source_lang in _CASED
        if (spaced and len(text[s:e].split()) >= len(surface.split())) or (
            not spaced and ctx.target_lang != "en"
        ):
            continue
        after = nxt or None
        if spaced and ctx.target_lang in _ROMANCE and after and after.islower() and \
                after not in FUNCTION_WORDS.get(ctx.target_lang, ()) and \
                after not in ARTICLES.get(ctx.target_lang, ()) and (
                    _like_a_source_word(after, surface)
                    or fuzz.token_set_ratio(text[s:e].translate(_FOLD), surface.translate(_FOLD),
                                            processor=default_process) < _UNLIKE):
            # Romance adjectives follow the noun ("Parlamento europeo"): a shorter span than the
            # source name, right before a content word, lost it, unless the span already looks
            # like the name and the word like none of its words ("PPE-DE saremmo" for "PPE-DE
            # Group": a verb follows the name).
            ctx.add("span_extent", f"{ctx.describe(i)}: {text[s:e]!r} may have lost the "
                    f"following {after!r}", i)
            continue
        # The word before must not open the sentence (capitalized anyway).
        before = word_before(text, s)
        sides = [(after, e + 1), (before, s - 1 - len(before) if before else 0)]
        if not spaced:
            sides = sides[:1]  # titles stand before names ("President Erdogan"): only look after
        for m, pos in sides:
            word = m or ""
            if not word[:1].isupper() or word.casefold() in closed or word in _CALENDAR or \
                    len(word) < 2:
                continue
            # German capitalizes every noun: there the neighbour must be part of the source name.
            if ctx.target_lang == "de" and word.casefold() not in surface.casefold():
                continue
            if not taken.covers(pos):
                ctx.add("span_extent", f"{ctx.describe(i)}: {text[s:e]!r} may have lost "
                        f"the neighbouring {word!r}", i)
                break


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
    from . import translit

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


def rule_language(ctx: Context) -> None:
    """The target must be in the requested language (script check, then detectors).

    Skipped when the target was already found untranslated (it is the source language, and the
    second detector would cost milliseconds to say so).
    """
    if any(f.code == "untranslated" for f in ctx.findings):
        return
    verdict = _language_verdict(ctx)
    if verdict is None:
        return
    code, message = verdict
    ctx.add(code, message)


def _language_verdict(ctx: Context) -> tuple[str, str] | None:
    result = check_language(ctx.text, ctx.target_lang, ctx.config.language_min_letters)
    if result.verdict == "ok":
        return None
    if result.verdict == "wrong":
        return "wrong_language", (f"target should be {ctx.target_lang}, looks like "
                                  f"{result.detected} ({result.reason})")
    if result.detected is None:
        return None  # too short to judge: the other rules still apply
    return "language_uncertain", f"target should be {ctx.target_lang}: {result.reason}"


def _outside_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return " ".join("".join(out).split()).casefold()


def rule_untranslated(ctx: Context) -> None:
    """The words outside the entities must not be the source's words (left untranslated)."""
    src_rest = _outside_spans(ctx.source_text, [(e.start, e.end) for e in ctx.source_entities])
    tgt_rest = _outside_spans(ctx.text, [(p.start, p.end) for p in ctx.placed.values()])
    if sum(map(str.isalpha, src_rest)) < 4:
        return  # nothing to translate outside the names
    cutoff = ctx.config.untranslated_similarity
    if ctx.source_text.strip() == ctx.text.strip() or \
            fuzz.ratio(src_rest, tgt_rest, score_cutoff=cutoff):
        ctx.add("untranslated", "the target repeats the source instead of translating it")


# Words of one script, from langid's letter classes: a Latin word glued to Chinese
# ("rhetoric不同") is still a word. Left-over words are looked for from these two scripts.
_SCRIPT_WORDS = {name: re.compile(f"{SCRIPT_CLASSES[name]}+(?:['’-]{SCRIPT_CLASSES[name]}+)*")
                 for name in ("latin", "han")}
_BRACKETED = re.compile(r"\([^()]*\)|（[^（）]*）")


def _by_stem(source_words: set[str]) -> dict[str, list[str]]:
    """Source words of 4+ letters by their first four: a word and its inflection share them."""
    out: dict[str, list[str]] = {}
    for w in source_words:
        if len(w) >= 4:
            out.setdefault(w[:4], []).append(w)
    return out


def _left_latin_word(word: str, source_words: set[str], first: str,
                     stems: dict[str, list[str]]) -> bool:
    """A lower-case word of the source, or an inflection of one ("annex" for "annexed",
    "lobbyist" for "lobbyists"); the source's capitalized first word counts too ("Throughout")."""
    if len(word) < 3 or not (word.islower() or (word == first and word[1:].islower())):
        return False
    key = word.casefold()
    if key in source_words:
        return True
    return len(key) >= 4 and any(
        abs(len(w) - len(key)) <= 3 and (w.startswith(key) or key.startswith(w))
        for w in stems.get(key[:4], ()))


def rule_untranslated_words(ctx: Context) -> None:
    """Between two scripts, a source word written out in the target was left untranslated
    ("…限制移民的 rhetoric不同", a small model's habit: 5 of the 30 shipped sentences). Latin
    source words count when lower-case (names, brands and acronyms are often kept as they are);
    Chinese ones whenever the run occurs in the source. Entity spans and glosses in brackets
    ("火山學(volcanology)") are left out."""
    src_script, tgt_script = script_of_lang(ctx.source_lang), script_of_lang(ctx.target_lang)
    if src_script == tgt_script or src_script not in _SCRIPT_WORDS:
        return
    words = _SCRIPT_WORDS[src_script]
    source_words = set()
    for w in words.findall(ctx.source_text):  # "in-flight", "people's": the parts count too
        source_words.update(part.casefold() for part in re.split(r"['’-]", w) + [w])
    blocked = _span_index(ctx)
    for m in _BRACKETED.finditer(ctx.text):  # a gloss holds no target word
        if set(script_profile(m.group(0))) == {src_script}:
            blocked.add(*m.span())
    left: list[str] = []
    first = next(iter(words.findall(ctx.source_text)), "")
    stems = _by_stem(source_words)
    in_source: dict[str, bool] = {}
    for m in words.finditer(ctx.text):
        word = m.group(0)
        if blocked.covers(m.start()):
            continue
        if src_script == "latin":
            if _left_latin_word(word, source_words, first, stems):
                left.append(word)
        elif in_source.setdefault(word, word in ctx.source_text):
            left.append(word)
    if left:
        shown = ", ".join(repr(w) for w in dict.fromkeys(left))
        ctx.add("untranslated_words", f"source words left untranslated in the target: {shown}")


def rule_length_ratio(ctx: Context) -> None:
    """Target length must be plausible for the language pair (catches cut or padded answers)."""
    cfg = ctx.config
    expected = _DENSITY.get(ctx.target_lang, 1.0) / _DENSITY.get(ctx.source_lang, 1.0)
    src, tgt = len(ctx.source_text.strip()), len(ctx.text.strip())
    low = src * expected * cfg.length_ratio_min - cfg.length_slack_chars
    high = src * expected * cfg.length_ratio_max + cfg.length_slack_chars
    if not low <= tgt <= high:
        ctx.add("length_ratio", f"target has {tgt} characters for a {src}-character source "
                f"(expected {max(0, int(low))}-{int(high)})")
        return
    # A translation's length varies less the longer the sentence: the spread of log(target /
    # expected) measured on the gold pairs falls from 0.26 (under 30 characters) to 0.11 (over
    # 250), about 0.09 + 1/sqrt(length). Far below that spread, part of the sentence is likely
    # missing: a model that stopped early and closed the sentence looks complete otherwise.
    sigma = 0.09 + 1.0 / math.sqrt(max(src, 1))
    short = src * expected * math.exp(-cfg.length_short_sigmas * sigma)
    if tgt < short:
        ctx.add("length_short", f"target has {tgt} characters for a {src}-character source "
                f"(a translation this short is rare: expected at least {int(short)})")


def _last_inside(text: str) -> str:
    """The last character before closing quotes and brackets."""
    text = text.rstrip()
    while text and text[-1] in _TRAILERS:
        text = text[:-1].rstrip()
    return text[-1:]


def rule_finish_reason(ctx: Context) -> None:
    """The API said how the call that wrote the answer ended. ``length``: cut off at max_tokens,
    whatever the text looks like (a cut heading, "Gefahrguttransport", reads as a whole one);
    ``content_filter``: stopped by the provider's filter."""
    if ctx.finish_reason == "length":
        ctx.add("truncated_max_tokens", "the API reported finish_reason 'length': the answer was "
                "cut off at max_tokens")
    elif ctx.finish_reason == "content_filter":
        ctx.add("content_filtered", "the API reported finish_reason 'content_filter'")


def _opens_at_end(text: str, lang: str) -> bool:
    """The text ends with an opening quote: „ ‚ 「 『 always, “ ‘ « except in German (where they
    close: „…“, »…«), a straight quote after a space."""
    last = text[-1:]
    if last in "„‚「『《":
        return True
    if last in "“‘«":
        return lang != "de"
    return last in "\"'" and len(text) > 1 and text[-2].isspace()


# Chinese puts a subordinate clause before its main clause ("如果A，B", "由於A，B"): a sentence
# whose last clause opens with one of these and holds no main-clause marker (就/則/便/才) stopped
# before the main clause (none of 972 UNER zh gold sentences ends so).
_ZH_SUBORDINATORS = ("如果", "假如", "若是", "要是", "由於", "由于", "雖然", "虽然", "儘管", "尽管",
                     "只要", "除非", "對於", "对于", "為了", "为了", "隨著", "随着", "既然")
_ZH_CONNECTIVES = re.compile(r"^(?:但是|但|而且|而|並且|并且|所以|因此|然而|可是|不過|不过|也)")


def _zh_ends_subordinate(text: str) -> bool:
    last = re.split(r"[，,；;：:]", text.rstrip("。！？.!?”」』\"' "))[-1].strip()
    last = _ZH_CONNECTIVES.sub("", last)
    return last.startswith(_ZH_SUBORDINATORS) and not re.search(r"[就則则便才]", last[2:])


def _truncation(ctx: Context) -> str | None:
    """Why the text looks cut off, or None."""
    text = ctx.text.rstrip()
    if ctx.parsed.unclosed_at_end:
        return "the last tag is never closed"
    lang = ctx.target_lang
    if _opens_at_end(text, lang):
        return f"the target ends with an opening quote: {text[-20:]!r}"
    words = text.rstrip("'’ ").rsplit(None, 1)
    last_word = words[-1].casefold() if words else ""
    closed = ARTICLES.get(lang, frozenset()) | FUNCTION_WORDS.get(lang, frozenset())
    if last_word in closed or last_word + "'" in closed:
        # "… la", "Ripresa dell", "sarebbe l '": an article or preposition ends nothing
        if not ctx.source_text.rstrip().casefold().endswith(last_word):
            return f"the target ends with {words[-1]!r}"
    if last_word in _LEADING_ABBREVIATIONS.get(lang, ()) or (
        lang == "de" and re.search(r"\b(?:dem|am|den|vom|zum|bis zum) \d{1,2}\.$", text)
    ):
        return f"the target ends with {words[-1]!r}, which stands before a name or a number"
    source_end = _last_inside(ctx.source_text)
    if source_end in _FINAL:
        last = _last_inside(text)  # "… ein „Faschist“" / "…分子”": look inside the quotes
        # Anything but a stop where the source has one (a letter, "%", "》"), or only a clause
        # mark (";", ":") where the source ends a sentence: cut.
        if last and (last not in _FINAL
                     or (source_end in _SENTENCE_END and last not in _SENTENCE_END)):
            return f"the source ends a sentence, the target stops at {text[-20:]!r}"
    if lang == "zh" and _zh_ends_subordinate(text):
        return f"the target ends with a subordinate clause and no main clause: {text[-20:]!r}"
    for opening, closing in _PAIRS:
        if text.count(opening) > text.count(closing) and \
                ctx.source_text.count(opening) <= ctx.source_text.count(closing):
            return f"{opening!r} is opened and never closed"
    return None


def rule_truncated(ctx: Context) -> None:
    """An answer cut off (max tokens, a stream error, a model that stopped early) ends early: a
    tag left open, an opening quote or an article at the end, no final stop where the source
    has one, an opened bracket never closed. Not said again when the API already said so."""
    if any(f.code == "truncated_max_tokens" for f in ctx.findings):
        return
    why = _truncation(ctx)
    if why:
        ctx.add("truncated", why)


RULES: tuple[Rule, ...] = (
    Rule("label_multiset", ("label_multiset",), "tag labels must be the source's label multiset",
         rule_label_multiset),
    Rule("no_overlap", ("span_overlap",), "NER spans are flat", rule_overlap),
    Rule("token_boundaries", ("span_token_boundary",), "a cut token is a misplaced tag",
         rule_token_boundaries),
    Rule("edge_words", ("span_edge_function_word",),
         "entities do not start/end with function words", rule_edge_words),
    Rule("surface_evidence", ("span_surface_conflict",),
         "a verbatim name, a number or a look-alike pins its span",
         rule_surface_evidence),
    Rule("name_case", ("span_name_case",),
         "person/place names (and one-word ORG) are capitalized in cased scripts",
         rule_name_case),
    Rule("span_extent", ("span_extent",), "a span covers the whole name and only the name",
         rule_span_extent),
    Rule("same_label_order", ("span_order",), "same-label entities keep their rough places",
         rule_same_label_order),
    Rule("sound_swap", ("span_sound_swap",),
         "zh <-> Latin: a name sounds like its own span more than like another's",
         rule_sound_swap),
    Rule("refusal", ("refusal",), "an apology is not a translation", rule_refusal),
    Rule("untranslated", ("untranslated",), "target is not the source again", rule_untranslated),
    Rule("untranslated_words", ("untranslated_words",),
         "no source word left untranslated in a target of another script",
         rule_untranslated_words),
    Rule("language", ("wrong_language", "language_uncertain"), "target in the requested language",
         rule_language),
    Rule("length_ratio", ("length_ratio", "length_short"), "length plausible for the pair",
         rule_length_ratio),
    Rule("finish_reason", ("truncated_max_tokens", "content_filtered"),
         "the API says the answer is complete", rule_finish_reason),
    Rule("truncated", ("truncated",), "nothing cut off", rule_truncated),
)
