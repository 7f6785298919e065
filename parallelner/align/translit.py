"""How alike a Latin-script name and a Chinese one sound: the Latin letters against the pinyin
of the Chinese characters, without tones ("Huawei" / 華為 huawei, "Chandler" / 錢德勒 qiandelei).

Chinese writes most foreign names by sound, so this ties a source name to its translation where
no string does. It is weak evidence one by one (meaning translations such as 三星 for Samsung
sound like nothing), strong when two names are compared both ways: the rule that reads it only
asks whether two spans fit their names better swapped.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from .hanzi import fold


@lru_cache(maxsize=8192)
def latin_key(text: str) -> str:
    """Lower-case ASCII letters only ("São Tomé" -> "saotome")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isascii() and c.isalpha())


@lru_cache(maxsize=8192)
def pinyin_key(text: str) -> str:
    """Pinyin of the Chinese characters without tones, other letters kept ("CGI梅斯特" ->
    "cgimeisite")."""
    from pypinyin import lazy_pinyin

    return latin_key("".join(lazy_pinyin(fold(text))))


def sound_alike(latin: str, chinese: str) -> float:
    """0-100: how alike ``latin`` (a name in Latin script) and ``chinese`` sound."""
    a, b = latin_key(latin), pinyin_key(chinese)
    return float(fuzz.ratio(a, b)) if a and b else 0.0
