"""Completeness rules: a length plausible for the pair, and nothing cut off (what the API
said about how the answer ended, then the text's own evidence)."""

from __future__ import annotations

import math
import re

from ..boundaries import ARTICLES, FUNCTION_WORDS
from ..context import Context
from .base import (
    DENSITY,
)

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


def rule_length_ratio(ctx: Context) -> None:
    """Target length must be plausible for the language pair (catches cut or padded answers)."""
    cfg = ctx.config
    expected = DENSITY.get(ctx.target_lang, 1.0) / DENSITY.get(ctx.source_lang, 1.0)
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
