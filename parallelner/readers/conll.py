"""CoNLL / BIO column files: a token per line (token first, tag last), sentences between blanks.

The files carry no original text, so each sentence is detokenized (see ``detok``) with exact token
offsets. Two-column files (Europarl NER) and CoNLL-2003's four columns both read; the column count
is fixed by the first token line and any other count is an error naming the line. ``-DOCSTART-``
lines start a new document.

Escaped brackets: the Europarl NER files write ``[``/``]`` as ``\\[``/``\\]`` (six tokens in the
English file), and Penn Treebank-style files write ``-LRB-`` etc. We unescape them to the real
characters, because the LLM must see the sentence as written, and record each as an
``unescaped-token`` repair.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..schema import SourceSample
from .base import ReadContext, iter_text_lines, tagged_sample

DOCSTART = "-DOCSTART-"
_PTB_ESCAPES = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_BACKSLASH_ESCAPE_RE = re.compile(r"^\\([^\w\s])$")


def unescape_token(token: str) -> str:
    """``\\[`` -> ``[``, ``-LRB-`` -> ``(``; any other token is returned unchanged."""
    if token in _PTB_ESCAPES:
        return _PTB_ESCAPES[token]
    m = _BACKSLASH_ESCAPE_RE.match(token)
    return m.group(1) if m else token


def _columns(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else line.split()


def read(ctx: ReadContext) -> Iterator[SourceSample]:
    """Yield one sample per sentence of a CoNLL/BIO file."""
    ctx.require_lang()
    width: int | None = None
    tokens: list[str] = []
    tags: list[str] = []
    lines: list[int | None] = []
    unescaped: list[tuple[int, str]] = []
    index = 0
    documents = 0
    document: str | None = None

    def flush() -> SourceSample:
        nonlocal index
        sample = tagged_sample(ctx, tokens, tags, index=index, lines=lines, document=document)
        for number, message in unescaped:
            ctx.repair("unescaped-token", message, number, sample.id, data_error=False)
        index += 1
        unescaped.clear()
        tokens.clear()
        tags.clear()
        lines.clear()
        return sample

    for number, raw in iter_text_lines(Path(ctx.path), ctx.name):
        line = raw.rstrip()
        if not line.strip():
            if tokens:
                yield flush()
            continue
        cols = _columns(line)
        if cols[0] == DOCSTART:
            if tokens:
                yield flush()
            documents += 1
            document = f"doc{documents}"
            continue
        if width is None:
            if len(cols) < 2:
                raise ctx.error(
                    f"expected a token and a tag separated by a tab or spaces, got {line!r}",
                    number,
                )
            width = len(cols)
        if len(cols) != width:
            raise ctx.error(
                f"expected {width} columns like the first token line, got {len(cols)}: {line!r}",
                number,
            )
        token = unescape_token(cols[0])
        if token != cols[0]:
            unescaped.append((number, f"token {cols[0]!r} read as {token!r}"))
        tokens.append(token)
        tags.append(cols[-1])
        lines.append(number)
    if tokens:
        yield flush()
