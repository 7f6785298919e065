"""Recover the translation and its tagged spans from a real (messy) LLM answer.

Real answers wrap the translation in chatter, code fences or quotes; write tags with spaces,
other quoting, lower-case, synonym or translated names, no ids, wrong closing tags, full-width
brackets, HTML escapes or markdown emphasis. Each tolerance is recorded as an issue code (see
``parallelner.align.issues``) so it can lower confidence: nothing is repaired silently.

Markup styles are lexers in ``LEXERS`` (one per style of
``parallelner.markup.render``). A lexer finds
*markers* (open and close tags) in the text; one stack matcher turns markers of any style into
spans, so a new style is one lexer function. Labels here are the raw tag names as written; mapping
them to the source labels is the aligner's job.

Pure logic: no I/O. LLM output is data: it is matched with regular expressions, never evaluated.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Delimiters accepted in ASCII and full-width forms (a full-width one is recorded).
_LT, _GT, _SL, _EQ = "[<＜]", "[>＞]", "[/／]", "[=＝:：]"
_Q = "[\"'＂“”‘’]"
_FULLWIDTH = set("＜＞／＝：＂［］｛｝")
_NAME = r"(?P<name>[^\W\d_](?:[^\W\d]|-)*?)"
_NUM_SUFFIX = r"(?:[_#\-]?(?P<suffix>\d+))?"
_ATTRS = r"(?P<attrs>(?:\s+|(?=[>＞]))[^<>＜＞\n]{0,40}?)?"
_OPEN_RE = re.compile(rf"{_LT}\s*{_NAME}{_NUM_SUFFIX}{_ATTRS}\s*{_GT}")
_CLOSE_RE = re.compile(rf"{_LT}\s*{_SL}\s*(?:{_NAME}{_NUM_SUFFIX})?{_ATTRS}\s*{_GT}")
_ID_RE = re.compile(
    rf"^(?:\s*(?:id|ID|Id|iD|编号|編號)?\s*{_EQ}?\s*{_Q}?\s*[a-zA-Z]?(\d+)\s*{_Q}?\s*)$"
)
_BRACKET_RE = re.compile(
    r"[\[［](?P<surface>[^\[\]［］{}｛｝\n]{1,200}?)[\]］]\s?[{｛]\s*"
    rf"{_NAME}{_NUM_SUFFIX}(?:\s*[\s,;#:=]\s*(?:id\s*{_EQ}\s*)?{_Q}?(?P<num>\d+){_Q}?)?\s*[}}｝]"
)
_HTML_ESCAPE_RE = re.compile(r"&(?:lt|gt|quot|amp|apos|#\d{1,6}|#x[0-9a-fA-F]{1,6});")
_FENCE_RE = re.compile(r"```[^\n`]*\n?(.*?)\n?\s*```", re.DOTALL)
_CHATTER_PREFIX_RE = re.compile(
    r"^\s*(?:[*_#>]+\s*)?(?:here(?:'s| is| are)\b[^:：\n]{0,80}|(?:the\s+)?(?:\w+\s+){0,2}"
    r"(?:translation|translated(?:\s+text)?|output|answer|result)\b[^:：\n]{0,40}|"
    r"übersetzung|traducción|traduzione|traduction|翻译|翻譯|译文|譯文)\s*(?:[*_]+\s*)?[:：]"
    r"\s*(?:[*_]+\s*)?",
    re.IGNORECASE,
)
_CHATTER_LINE_RE = re.compile(
    r"^\s*(?:[(\[*_]*\s*)?(?:note|notes|explanation|here|sure|certainly|translation|"
    r"i (?:have|kept|translated|preserved)|the (?:translation|entit|tags?\b)|注|说明|說明|备注|"
    r"hinweis|nota|anmerkung)\b",
    re.IGNORECASE,
)
_LEFTOVER_RE = re.compile(
    r"[<＜]\s*/?\s*[^\W\d_][\w\-]{0,30}(?:\s[^<>]{0,40})?[>＞]"
    r"|[\]］]\s?[{｛]\w+[}｝]"
)
_EMPHASIS = "*_`"
_QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“", "«": "»", "「": "」", "『": "』", "'": "'", "‘": "’"}
_QUOTE_CHARS = set(_QUOTE_PAIRS) | set(_QUOTE_PAIRS.values()) | set("»›‹‚")
_END_PUNCT = ".!?。！？ "


@dataclass(frozen=True)
class Marker:
    """One tag found by a lexer: ``text[start:end]`` is removed from the clean text."""

    start: int
    end: int
    kind: str  # "open" | "close"
    name: str | None
    number: int | None
    raw: str
    style: str
    canonical: bool  # written exactly as the style's renderer writes it


@dataclass(frozen=True)
class TaggedSpan:
    """A span of the clean text inside one matched pair of tags, with the tag as written."""

    start: int
    end: int
    label: str | None
    number: int | None
    style: str


@dataclass
class ParsedAnswer:
    """The clean translation, its tagged spans, and every tolerance or defect met on the way."""

    text: str
    spans: list[TaggedSpan] = field(default_factory=list)
    codes: dict[str, list[str]] = field(default_factory=dict)  # issue code -> messages
    unclosed_at_end: bool = False

    def note(self, code: str, message: str) -> None:
        self.codes.setdefault(code, []).append(message)


def _id_of(attrs: str | None, suffix: str | None) -> tuple[int | None, bool]:
    """Return (id, understood). An attribute string we cannot read is not an id."""
    if suffix:
        return int(suffix), not attrs or not attrs.strip()
    if not attrs or not attrs.strip():
        return None, True
    m = _ID_RE.match(attrs)
    return (int(m.group(1)), True) if m else (None, False)


def lex_xml(text: str) -> list[Marker]:
    """``<LABEL id="N">`` … ``</LABEL>`` in every spacing, quoting and width seen in answers."""
    out: list[Marker] = []
    for kind, regex in (("open", _OPEN_RE), ("close", _CLOSE_RE)):
        for m in regex.finditer(text):
            name = m.group("name")
            number, understood = _id_of(m.group("attrs"), m.group("suffix"))
            if kind == "open" and not understood:
                continue  # "<b and c>"-like text, not a tag
            raw = m.group(0)
            if kind == "close":
                canon = f"</{name}>"
            else:
                canon = f'<{name} id="{number}">' if number is not None else f"<{name}>"
            out.append(Marker(m.start(), m.end(), kind, name, number, raw, "xml", raw == canon))
    return out


def lex_bracket(text: str) -> list[Marker]:
    """``[surface]{LABEL}`` (optionally ``{LABEL id=N}``): one match gives an open and a close."""
    out: list[Marker] = []
    for m in _BRACKET_RE.finditer(text):
        name = m.group("name")
        number = (int(m.group("num") or m.group("suffix"))
                  if (m.group("num") or m.group("suffix")) else None)
        close_start = m.end("surface")
        raw = m.group(0)
        canonical = raw == f"[{m.group('surface')}]{{{name}}}"
        out.append(Marker(m.start(), m.start() + 1, "open", None, None, raw[:1], "bracket", True))
        out.append(
            Marker(close_start, m.end(), "close", name, number, text[close_start : m.end()],
                   "bracket", canonical)
        )
    return out


LEXERS: dict[str, Callable[[str], list[Marker]]] = {"xml": lex_xml, "bracket": lex_bracket}


def _has_markers(text: str) -> bool:
    return any(lexer(text) for lexer in LEXERS.values())


def _unescape(text: str, source: str, out: ParsedAnswer) -> str:
    if _HTML_ESCAPE_RE.search(text) and not _HTML_ESCAPE_RE.search(source):
        out.note("markup_html_escaped", "HTML escapes in the answer were decoded")
        return html.unescape(text)
    return text


def _strip_fence(text: str, out: ParsedAnswer) -> str:
    fences = _FENCE_RE.findall(text)
    if fences:
        tagged = [f for f in fences if _has_markers(f)] or fences
        if len(tagged) > 1:
            out.note("markup_multiple_candidates", f"{len(tagged)} code blocks; the first was used")
        out.note("markup_code_fence", "the translation was inside a code fence")
        return tagged[0].strip()
    if text.lstrip().startswith("```"):  # an opening fence that never closed (cut answer?)
        out.note("markup_code_fence", "an unclosed code fence was removed")
        text = text.lstrip()[3:]
        return text.split("\n", 1)[1] if "\n" in text else text
    return text


def _is_chatter(line: str) -> bool:
    if _CHATTER_LINE_RE.match(line) or line.rstrip().endswith((":", "：")):
        return True
    return line.startswith(("(", "（")) and line.rstrip().endswith((")", "）"))


def _pick_line(text: str, source: str, out: ParsedAnswer) -> str:
    """Keep the translation line when chatter lines come before or after it."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) <= 1 or "\n" in source.strip():
        return text.strip()
    # "Translation: <the sentence>" on one line is a candidate, not chatter.
    lines = [ln[m.end():].strip() if (m := _CHATTER_PREFIX_RE.match(ln)) and m.end() < len(ln)
             else ln for ln in lines]
    tagged = [ln for ln in lines if _has_markers(ln)]
    if tagged:
        if len(tagged) > 1:
            out.note("markup_multiple_candidates",
                     f"{len(tagged)} lines carry tags; the first was used")
        out.note("markup_chatter", "text around the translation was removed")
        return tagged[0]
    kept = [ln for ln in lines if not _is_chatter(ln)]
    if len(kept) == 1:
        out.note("markup_chatter", "text around the translation was removed")
        return kept[0]
    out.note("markup_multiline", "the answer has several lines; they were joined")
    return " ".join(kept or lines)


def _strip_prefix(text: str, out: ParsedAnswer) -> str:
    m = _CHATTER_PREFIX_RE.match(text)
    if m and m.end() < len(text):
        out.note("markup_chatter", f"a lead-in {m.group(0).strip()!r} was removed")
        return text[m.end() :].lstrip()
    return text


def _quoted(text: str, source: str) -> tuple[int, str]:
    """Return (characters to drop at each end, inner text) when quotes wrap the whole answer."""
    lead = 0
    src = source.strip()
    if src[:1] in _QUOTE_CHARS and src.rstrip(_END_PUNCT)[-1:] in _QUOTE_CHARS:
        return 0, text  # the source is a quotation itself: its translation keeps the quotes
    while len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        inner = text[1:-1]
        # Only an outer pair that encloses everything (not '"A" said "B"'): inner quotes of the
        # same kind must pair up among themselves.
        # German closes its „…“ with the opening “ of “…”: those do not count.
        opens = inner.count(text[0]) - (inner.count("„") if text[0] == "“" else 0)
        if (text[0] == text[-1] and inner.count(text[0]) % 2) or (
            text[0] != text[-1] and opens != inner.count(text[-1])
        ):
            break
        stripped = inner.strip()
        lead += 1 + len(inner) - len(inner.lstrip())
        text = stripped
    return lead, text


def _cut(out: ParsedAnswer, start: int, end: int) -> None:
    """Keep ``out.text[start:end]``, moving the spans with it."""
    if start == 0 and end == len(out.text):
        return
    out.text = out.text[start:end]
    out.spans = [
        TaggedSpan(min(max(0, s.start - start), len(out.text)),
                   min(max(0, s.end - start), len(out.text)),
                   s.label, s.number, s.style)
        for s in out.spans
    ]


def _strip_emphasis(
    text: str, source: str, markers: list[Marker], out: ParsedAnswer
) -> tuple[str, list[Marker]]:
    """Drop ``**``/``_``/backtick runs that touch a tag (outside or inside it)."""
    if not markers:
        return text, markers
    allowed = {c for c in _EMPHASIS if c not in source}
    if not allowed:
        return text, markers
    drop: set[int] = set()
    for m in markers:
        for step, pos in ((-1, m.start - 1), (1, m.end)):
            while 0 <= pos < len(text) and text[pos] in allowed:
                drop.add(pos)
                pos += step
    # Emphasis wrapping the whole answer.
    for step, pos in ((1, 0), (-1, len(text) - 1)):
        while 0 <= pos < len(text) and text[pos] in allowed and text[pos] != "_":
            drop.add(pos)
            pos += step
    if not drop:
        return text, markers
    out.note("markup_emphasis", "markdown emphasis around tags was removed")
    keep = [i for i in range(len(text)) if i not in drop]
    new_index = {old: new for new, old in enumerate(keep)}
    new_index[len(text)] = len(keep)
    new_text = "".join(text[i] for i in keep)

    def shift(pos: int) -> int:
        while pos not in new_index:
            pos += 1
        return new_index[pos]

    moved = [
        Marker(shift(m.start), shift(m.start) + (m.end - m.start), m.kind, m.name, m.number, m.raw,
               m.style, m.canonical)
        for m in markers
    ]
    return new_text, moved


def _lex(text: str) -> list[Marker]:
    markers: list[Marker] = []
    for lexer in LEXERS.values():
        markers.extend(lexer(text))
    markers.sort(key=lambda m: (m.start, m.end))
    kept: list[Marker] = []
    for m in markers:  # two lexers claiming the same characters: the first wins
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    return kept


def _spaced_word(ch: str) -> bool:
    """A letter/digit of a script that separates words by spaces (not Han, kana, Hangul)."""
    return ch.isalnum() and not ("\u2e80" <= ch <= "\ud7ff" or "\uf900" <= ch <= "\ufaff")


def _unspaced_word(ch: str) -> bool:
    """A letter of a script written without spaces between words (Han, kana, Hangul)."""
    return ch.isalnum() and not _spaced_word(ch)


def _match(text: str, markers: list[Marker], out: ParsedAnswer) -> None:
    """Pair markers with a stack, build the clean text and the spans, record every defect."""
    pieces: list[str] = []
    pos = 0
    clean_len = 0
    stack: list[tuple[Marker, int]] = []
    styles: set[str] = set()
    for m in markers:
        piece = text[pos : m.start]
        after = text[m.end : m.end + 1]
        if m.kind == "close" and piece[-1:].isspace() and not (
            _spaced_word(after) and not _unspaced_word(piece.rstrip()[-1:])
        ):
            # "<X>Paris </X>, ..." -> "Paris, ..." (not "Paris ,"); "<X> Remy一家 </X>1947年" ->
            # "Remy一家1947年": a space stays only between two words of a spaced script.
            piece = piece.rstrip()
            out.note("markup_tag_whitespace", "spaces inside a tag were moved out of the span")
        pieces.append(piece)
        clean_len += len(piece)
        pos = m.end
        if m.kind == "open" and after.isspace() and not (
            _spaced_word(text[m.start - 1 : m.start])
            and not _unspaced_word(text[m.end :].lstrip()[:1])
        ):
            while pos < len(text) and text[pos].isspace():
                pos += 1
            out.note("markup_tag_whitespace", "spaces inside a tag were moved out of the span")
        styles.add(m.style)
        if not m.canonical:
            if _FULLWIDTH.intersection(m.raw):
                out.note("markup_fullwidth", f"full-width characters in tag {m.raw!r}")
            else:
                out.note("markup_tag_format", f"tag written as {m.raw!r}")
        if m.kind == "open":
            if stack:
                out.note("markup_nested", f"tag {m.raw!r} opens inside another tag")
            stack.append((m, clean_len))
            continue
        if not stack:
            out.note("markup_stray_close",
                     f"closing tag {m.raw!r} without an opening tag was removed")
            continue
        opener, start = stack.pop()
        if opener.name and m.name and opener.name.casefold() != m.name.casefold():
            out.note("markup_mismatched_close", f"{opener.raw!r} is closed by {m.raw!r}")
        elif opener.number is not None and m.number is not None and opener.number != m.number:
            out.note("markup_mismatched_close", f"{opener.raw!r} is closed by {m.raw!r}")
        label = opener.name or m.name
        number = opener.number if opener.number is not None else m.number
        out.spans.append(TaggedSpan(start, clean_len, label, number, opener.style))
    pieces.append(text[pos:])
    out.text = "".join(pieces)
    for opener, _start in stack:
        out.note("markup_unclosed", f"tag {opener.raw!r} is never closed")
        if opener is markers[-1]:  # nothing after it: the answer was most likely cut off
            out.unclosed_at_end = True
    if len(styles) > 1:
        out.note("markup_mixed_styles", f"tags of several styles: {', '.join(sorted(styles))}")
    out.spans.sort(key=lambda s: (s.start, s.end))


def parse_markup(answer: str, source_text: str = "") -> ParsedAnswer:
    """Parse a raw LLM answer. ``source_text`` tells which quotes/escapes/emphasis are genuine."""
    out = ParsedAnswer(text="")
    text = answer.replace("\r\n", "\n").strip()
    text = _unescape(text, source_text, out)
    text = _strip_fence(text, out)
    text = _pick_line(text, source_text, out)
    text = _strip_prefix(text, out)
    markers = _lex(text)
    text, markers = _strip_emphasis(text, source_text, markers, out)
    _match(text, markers, out)
    _cut(out, len(out.text) - len(out.text.lstrip()), len(out.text.rstrip()))
    lead, inner = _quoted(out.text, source_text)
    if lead:
        out.note("markup_quoted", "quotes around the whole answer were removed")
        _cut(out, lead, lead + len(inner))
    leftover = _LEFTOVER_RE.search(out.text)
    if leftover and not _LEFTOVER_RE.search(source_text):
        out.note("markup_leftover", f"unparsed markup {leftover.group(0)!r} is left in the text")
    return out


__all__ = ["LEXERS", "Marker", "ParsedAnswer", "TaggedSpan", "lex_bracket", "lex_xml",
           "parse_markup"]
