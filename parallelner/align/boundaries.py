"""Span boundaries: trim what never belongs to an entity, and know the words that never end one.

Trimmed (each trim is recorded): spaces inside tags; leading articles/determiners of the target
language, incl. fused preposition+article forms (de "im", es "del", it "della"); leading and
trailing punctuation. A trim is skipped when the source entity itself starts (ends) the same way,
e.g. "The Hague" -> "Den Haag" keeps "Den", "U.S." keeps its final period.

The word lists are closed-class words (articles, prepositions, conjunctions), kept here because
spaCy's stop-word lists also hold content words ("grossen", "secondo") that do end entities.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

ARTICLES: dict[str, frozenset[str]] = {
    "en": frozenset("the a an".split()),
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer eines im am vom zum zur beim "
        "ins".split()
    ),
    "es": frozenset("el la los las un una unos unas lo del al".split()),
    "it": frozenset(
        "il lo la i gli le l' un uno una un' del dello della dei degli delle dell' al allo alla ai "
        "agli alle all' dal dallo dalla dai dagli dalle dall' nel nello nella nei negli nelle "
        "nell' sul sullo sulla sui sugli sulle sull'".split()
    ),
    "fr": frozenset("le la les l' un une des du au aux".split()),
    "pt": frozenset("o a os as um uma uns umas do da dos das no na nos nas ao à aos às".split()),
}

# Words that start or end an entity only by mistake (a tag that swallowed a neighbour):
# prepositions, conjunctions, negations, reflexives, auxiliaries and modals, relative words.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "of in on at to for from by with and or but as is was are were that which not no has have "
        "had will would can could must should also very more who whom whose where when said says "
        "has been".split()
    ),
    "de": frozenset(
        "von in an auf zu für aus bei mit nach über unter und oder aber als ist war sind wird "
        "dass wie nicht kein keine sich hat haben wird werden kann können muss müssen soll sollte "
        "auch schon sehr mehr wenn wo immer bereits nämlich".split()
    ),
    "es": frozenset(
        "de en a por para con sin sobre y o pero que como es fue son está no ni se ha han he "
        "hemos habrá debe deben puede pueden tiene tienen va van también ya muy más cuyo cual "
        "donde cuando acerca".split()
    ),
    "it": frozenset(
        "di in a da per con su tra fra e o ma che come è era sono non né si ci ha hanno ho "
        "abbiamo deve devono dovrebbe può possono sia siano possa va vanno anche già molto più "
        "cui dove quando viene vengono".split()
    ),
    "fr": frozenset(
        "de en à par pour avec sans sur et ou mais que comme est ne pas se a ont".split()
    ),
    # Only particles that never end (的, 了) or start (在, 被, 把) a name: 及, 和, 与 do ("埃及").
    "zh": frozenset("的 了 在 被 把".split()),
}

# Pronouns, possessives, demonstratives, subordinators and a few adverbs: never a name alone,
# never the edge of one ("Mitgliedstaaten ihre", "Rat dazu", a tag on "ich" or "Ciò").
PRONOUNS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "i you he she it we they me him her us them this that these those his its their our my "
        "your there here then".split()
    ),
    "de": frozenset(
        "ich du er sie es wir ihr ihm ihn ihnen mich mir uns euch dies diese dieser dieses diesem "
        "diesen jene jener jenes sein seine seiner seinen seinem seines ihre ihrer ihren ihrem "
        "ihres unser unsere dazu dann hier dort da nachdem bevor weil obwohl ob man".split()
    ),
    "es": frozenset(
        "yo tú él ella ello nosotros nosotras vosotros ellos ellas le les me te nos esto este "
        "esta estos estas eso ese esa esos esas aquello su sus mi mis nuestro nuestra aquí allí "
        "porque aunque si cuando".split()
    ),
    "it": frozenset(
        "io tu lui lei noi voi loro gli mi ti ci vi questo questa questi queste quello quella "
        "quelli quelle ciò suo sua suoi sue mio mia nostro nostra qui lì perché sebbene se "
        "quando".split()
    ),
}
# Chinese characters no name holds (none of 1,139 UNER zh gold spans does): pronouns, 是, 了,
# 說 "say", 這 "this", 被 and 把 (passive and object markers).
_ZH_NON_NAME = set("他她我你們们是了說说這这被把")
_ZH_OPENERS = tuple("由於 由于 因為 因为 如果 雖然 虽然 但是 而且 以及 並且 并且 "
                    "為了 为了 對於 对于 關於 关于 根據 根据".split())

_ORDINAL = re.compile(r"(?:^|\s)(?:[IVXLC]+|\d+)$")
_OPENING = set("([{«‹“‘„\"'¿¡「『《〈（【")
_CLOSING = set(")]}»›”’\"'.,;:!?、，。；：！？」』》〉）】")


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or ch in _OPENING or ch in _CLOSING


_AFTER_END = " \t\n\"'”’»」』)）]】"


def ends_text(text: str, pos: int) -> bool:
    """Nothing but spaces, closing quotes and brackets follow ``pos``: a period there is the
    sentence's full stop (UNER de "… Pharaos Thutmosis III" + ".", Europarl "ISO 9002" + ".").
    Reads only up to the first other character (a slice to the end, per span, was quadratic)."""
    return all(ch in _AFTER_END for ch in itertools.islice(text, pos, None))


_WORD_AFTER = re.compile(r" (\w+)")
_WORD_CHAR = re.compile(r"\w")
_SENTENCE_MARKS = ".!?:;"


def word_after(text: str, pos: int) -> str | None:
    """The word after one space at ``pos`` ("[Parlamento] Europeo"), or None."""
    m = _WORD_AFTER.match(text, pos)
    return m.group(1) if m else None


def word_before(text: str, pos: int) -> str | None:
    r"""The word before one space at ``pos`` that does not open a sentence (spaces and then a
    character other than . ! ? : ; stand before it), or None. Reads backwards only as far as
    needed: ``re.search(r"[^.!?:;\s]\s+(\w+) $", text[:pos])`` without slicing the text."""
    if pos < 1 or text[pos - 1] != " ":
        return None
    k = pos - 1
    while k > 0 and _WORD_CHAR.match(text[k - 1]):
        k -= 1
    if k == pos - 1:
        return None
    j = k
    while j > 0 and text[j - 1].isspace():
        j -= 1
    if j == k or j == 0 or text[j - 1] in _SENTENCE_MARKS:
        return None
    return text[k : pos - 1]


@dataclass(frozen=True)
class Trim:
    start: int
    end: int
    codes: tuple[str, ...]  # span_whitespace_trimmed / span_punct_trimmed / span_article_trimmed


def _strip_ws(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _leading_article(text: str, start: int, end: int, lang: str) -> int:
    """Length of a leading article (with its space or elision) of ``text[start:end]``, or 0."""
    articles = ARTICLES.get(lang)
    if not articles:
        return 0
    span = text[start:end]
    lower = span.casefold()
    for art in articles:
        if art.endswith("'"):
            for apo in ("'", "’"):
                form = art[:-1] + apo
                if lower.startswith(form) and len(span) > len(form) and span[len(form)].isalpha():
                    return len(form)
        elif lower.startswith(art + " ") and len(span) > len(art) + 1:
            return len(art) + 1
    return 0


def _source_starts_with_article(surface: str, lang: str) -> bool:
    return _leading_article(surface, 0, len(surface), lang) > 0


def trim_span(
    text: str, start: int, end: int, source_surface: str, target_lang: str, source_lang: str
) -> Trim:
    """Trim a tagged span to the entity proper; report what was trimmed."""
    codes: list[str] = []
    s, e = _strip_ws(text, start, end)
    if (s, e) != (start, end):
        codes.append("span_whitespace_trimmed")
    src = source_surface.strip()
    # Leading punctuation and articles may alternate: « la "Commission" »: loop until stable.
    changed = True
    while changed and s < e:
        changed = False
        if _is_punct(text[s]) and not (src and src[0] == text[s]) and e - s > 1:
            s += 1
            changed = True
            codes.append("span_punct_trimmed")
        n = _leading_article(text, s, e, target_lang)
        if n and not _source_starts_with_article(src, source_lang):
            s += n
            changed = True
            codes.append("span_article_trimmed")
        s, e = _strip_ws(text, s, e)
    while e > s + 1 and _is_punct(text[e - 1]) and not (src and src[-1] == text[e - 1]):
        if text[e - 1] == "." and "." in text[s : e - 1]:  # an abbreviation: "EE.UU.", "U.S."
            break
        if text[e - 1] == "." and _ORDINAL.search(text[s : e - 1]) and not ends_text(text, e):
            break  # "Amyntas I. um 512", "Ludwig 14."; at the very end it is the full stop
        e -= 1
        codes.append("span_punct_trimmed")
        s, e = _strip_ws(text, s, e)
    return Trim(s, e, tuple(dict.fromkeys(codes)))


def edge_function_word(
    text: str, start: int, end: int, lang: str, source_surface: str
) -> str | None:
    """The closed-class word a span starts or ends with (a swallowed neighbour) or consists of
    (a tag on another word), if any; in Chinese, also a pronoun or clause opener inside."""
    words = FUNCTION_WORDS.get(lang)
    if not words or end <= start:
        return None
    span = text[start:end]
    if lang == "zh":
        for ch in (span[0], span[-1]):
            if ch in words and ch not in source_surface and len(span) > 1:
                return ch
        if span.startswith(_ZH_OPENERS) and len(span) > 2:
            return span[:2]  # "由於氣候": a clause opener, not a name
        return next((ch for ch in span if ch in _ZH_NON_NAME and ch not in source_surface), None)
    parts = span.split()
    pronouns = PRONOUNS.get(lang, frozenset())
    src_parts = source_surface.casefold().split()
    if len(parts) == 1:
        # A tag on one closed-class word ("ich", "wird", "Ciò"); acronyms ("ES", "IT") excepted.
        word = parts[0].casefold()
        is_closed = word in words or word in pronouns or word in ARTICLES.get(lang, ())
        if is_closed and not parts[0].isupper() and src_parts != [word]:
            return parts[0]
        return None
    if (parts[0] in words or parts[0] in pronouns) and parts[0].islower() and \
            parts[0] != (src_parts[0] if src_parts else ""):
        return parts[0]
    # At the end, an article is as foreign as a preposition ("Rußland der").
    last = parts[-1]
    closed = words | ARTICLES.get(lang, frozenset()) | pronouns
    if last in closed and last.islower() and \
            last != (src_parts[-1] if src_parts else ""):
        return last
    return None
