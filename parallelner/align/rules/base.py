"""What the rule families share: the ``Rule`` record, span helpers, language constants."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ..context import Context
from ..intervals import Spans

# Characters of text per unit of meaning, relative to English (measured on the gold corpora:
# median zh/en length ratio 0.32, de/en 1.08-1.15, es/en and it/en 1.08).
DENSITY = {"zh": 0.32, "ja": 0.45, "ko": 0.5, "de": 1.1, "es": 1.08, "it": 1.08, "fr": 1.1,
            "pt": 1.05, "nl": 1.1, "ru": 1.05}


_CASED = {"en", "de", "es", "it", "fr", "pt", "nl"}


_ROMANCE = {"es", "it", "fr", "pt"}


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


_UNLIKE = 65.0  # a span this unlike its source name is not itself a look-alike


def _accent_table() -> dict[int, str]:
    """Latin letters with diacritics -> their base letter, one character for one (é -> e)."""
    table = {}
    for code in range(0xC0, 0x250):
        base = unicodedata.normalize("NFKD", chr(code))[0]
        if base.isascii() and base.isalpha() and base != chr(code):
            table[code] = base
    return table


_FOLD = _accent_table()


def _outside_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return " ".join("".join(out).split()).casefold()
