"""Translation rules: a refusal, the source repeated or left in words, the wrong language."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from ..context import Context
from ..langid import SCRIPT_CLASSES, check_language, script_of_lang, script_profile
from .base import (
    _outside_spans,
    _span_index,
)

_REFUSAL = re.compile(
    r"\b(?:I'?m sorry|I am sorry|I apologi[sz]e|I can(?:not|'t) (?:help|assist|translate|provide)|"
    r"I am unable|I'm unable|as an AI\b|(?:translation|text) (?:is )?not available)|"
    r"抱歉|对不起|對不起|无法翻译|無法翻譯|作为一个?人工智能",
    re.IGNORECASE,
)


_REFUSAL_HINTS = ("sorry", "apolog", "cannot", "can't", "can’t", "unable", "as an ai",
                  "not available", "抱歉", "对不起", "對不起", "无法", "無法", "人工智能")


def rule_refusal(ctx: Context) -> None:
    """An apology or refusal instead of a translation."""
    low = ctx.text.lower()
    if not any(hint in low for hint in _REFUSAL_HINTS):
        return  # the regular expression costs more than these substring tests
    m = _REFUSAL.search(ctx.text)
    if m and not _REFUSAL.search(ctx.source_text):
        ctx.add("refusal", f"the answer reads as a refusal: {m.group(0)!r}")


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
