"""Fold traditional Chinese characters to simplified ones, one character for one.

A model often writes simplified characters where the text it works on is traditional (UNER PUD
zh is; the embedded model answers in simplified), so a name it gives ("钱德勒") would never be
found in the sentence ("錢德勒"). Search compares folded forms; the folding is character for
character, so offsets into the original text stay valid. The table comes from OpenCC's
``t2s`` character dictionary, built once per process (~20 ms).
"""

from __future__ import annotations

from functools import cache

# CJK Unified Ideographs, Extension A and the compatibility block.
_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@cache
def fold_table() -> dict[int, str]:
    """``str.translate`` table: traditional character -> its one simplified character."""
    import opencc

    chars = [chr(c) for lo, hi in _RANGES for c in range(lo, hi)]
    # One character per line: OpenCC converts phrases by longest match, and a line break stops
    # a phrase, so every character is converted on its own and stays one character.
    converted = opencc.OpenCC("t2s.json").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC t2s changed the number of lines; cannot build the fold table")
    return {ord(a): b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


def fold(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones (same length)."""
    return text.translate(fold_table())
