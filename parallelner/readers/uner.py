"""Universal NER ``.iob2`` files: CoNLL-U-like blocks with ``# sent_id`` and ``# text =`` comments.

Columns: index, token, BIO tag, then unused columns (``-``, annotator). The ``# text`` line is the
original sentence, so tokens are located in it (Chinese has no spaces between tokens) rather than
detokenized. A token found only after folding typographic quotes or full-width forms (``"`` vs
``”``) keeps the text's characters and is recorded as a ``token-text-mismatch`` repair; a token
that is not there at all is an error naming the file and the token's line. A block without
``# text`` is detokenized and recorded as ``no-text``.

Ids are ``{dataset}-{lang}-{split}-{sent_id}``; the document is the last ``# newdoc id`` or else
the ``sent_id`` without its last ``-`` part. UNER's Chinese PUD names annotation batches
(``batch-0000``) where the others name news documents; a batch is not a document (it chains many
stories), so such samples carry no document and export splits them by sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..schema import SourceSample
from .base import ReadContext, iter_text_lines, tagged_sample
from .detok import TokenNotFound, locate_tokens

_BATCH = re.compile(r"^batch-\d+$")
MIN_COLUMNS = 3


@dataclass
class _Block:
    meta: dict[str, tuple[int, str]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)


def _comment(line: str) -> tuple[str, str]:
    body = line[1:].strip()
    key, sep, value = body.partition("=")
    return (key.strip(), value.strip()) if sep else (body, "")


def read(ctx: ReadContext) -> Iterator[SourceSample]:
    """Yield one sample per sentence block of a UNER ``.iob2`` file."""
    lang = ctx.require_lang()
    width: int | None = None
    block = _Block()
    index = 0
    newdoc: str | None = None

    def flush() -> SourceSample:
        nonlocal index, block
        sample = _sample(ctx, block, index, newdoc, lang)
        index += 1
        block = _Block()
        return sample

    for number, line in iter_text_lines(Path(ctx.path), ctx.name):
        if not line.strip():
            if block.tokens:
                yield flush()
            continue
        if line.startswith("#"):
            if block.tokens:  # a comment right after tokens starts the next sentence
                yield flush()
            key, value = _comment(line)
            if key == "newdoc id" or key == "newdoc":
                newdoc = value or None
            block.meta[key] = (number, value)
            continue
        cols = line.split("\t")
        if width is None:
            if len(cols) < MIN_COLUMNS:
                raise ctx.error(
                    f"expected tab-separated index, token and tag columns, got {line!r}", number
                )
            width = len(cols)
        if len(cols) != width:
            raise ctx.error(
                f"expected {width} tab-separated columns like the first token line, "
                f"got {len(cols)}: {line!r}",
                number,
            )
        expected = len(block.tokens) + 1
        if cols[0] != str(expected):
            raise ctx.error(
                f"token index {cols[0]!r} where {expected} was expected "
                "(multi-word token ranges and gaps are not supported)",
                number,
            )
        block.tokens.append(cols[1])
        block.tags.append(cols[2])
        block.lines.append(number)
    if block.tokens:
        yield flush()


def _sample(
    ctx: ReadContext, block: _Block, index: int, newdoc: str | None, lang: str
) -> SourceSample:
    sent_id = block.meta.get("sent_id", (None, ""))[1] or None
    document = newdoc
    if document is None and sent_id and "-" in sent_id:
        document = sent_id.rsplit("-", 1)[0]
    if document is not None and _BATCH.match(document):
        document = None
    key = sent_id if sent_id else index
    text_entry = block.meta.get("text")
    if text_entry is None:
        sample = tagged_sample(
            ctx, block.tokens, block.tags, index=index, lines=block.lines, key=key,
            document=document, lang=lang,
        )  # fmt: skip
        ctx.repair(
            "no-text",
            "no '# text =' line; the sentence was detokenized from its tokens",
            block.lines[0],
            sample.id,
        )
        return sample
    text_line, text = text_entry
    try:
        offsets, folded = locate_tokens(text, block.tokens)
    except TokenNotFound as exc:
        line = block.lines[exc.index] if exc.index < len(block.lines) else text_line
        raise ctx.error(f"{exc} (the '# text' line is {text_line})", line) from None
    sample = tagged_sample(
        ctx, block.tokens, block.tags, index=index, lines=block.lines, key=key,
        document=document, lang=lang, text=text, offsets=offsets,
    )  # fmt: skip
    for i in folded:
        start, end = offsets[i]
        ctx.repair(
            "token-text-mismatch",
            f"token {block.tokens[i]!r} matches {text[start:end]!r} of the text only after "
            "folding quotes/width; the text's characters are kept",
            block.lines[i],
            sample.id,
            data_error=False,
        )
    return sample
