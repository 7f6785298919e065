"""Tag sequences (BIO / IOB2, BIOES / BILOU, IOB1) to token spans: pure logic, no I/O.

Why one lenient decoder: real corpora mix conventions (an ``I-X`` opening an entity is common even
in "BIO" files). The decoder never guesses silently: every place where the sequence is not valid in
the declared scheme comes back as a :class:`TagProblem`, and the reader either records it as a
repair or raises (``strict``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

TagScheme = Literal["bio", "iob1"]
TAG_SCHEMES: tuple[str, ...] = ("bio", "iob1")

# "O", or a one-letter prefix, a dash, and a label: B-PER, I-ORG, E-LOC, S-MISC, L-X, U-X.
_TAG_RE = re.compile(r"^(?:O|([BIESLU])-(\S+))$")


class TagError(ValueError):
    """A tag that is not ``O`` nor ``<prefix>-<label>``: the file is not a BIO file at all."""

    def __init__(self, index: int, tag: str) -> None:
        self.index = index
        self.tag = tag
        super().__init__(
            f"tag {tag!r} is neither 'O' nor a B-/I-/E-/S- prefixed label "
            "(IO-only tagging without prefixes is not supported)"
        )


@dataclass(frozen=True)
class TokenSpan:
    """An entity over tokens ``[start, end)`` (token indices, end exclusive)."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class TagProblem:
    """A place where the tag sequence breaks its scheme; ``index`` is the token index."""

    index: int
    code: str
    message: str


def split_tag(tag: str, index: int = 0) -> tuple[str, str]:
    """Return ``(prefix, label)``; ``("O", "")`` for outside. Raises :class:`TagError`."""
    m = _TAG_RE.match(tag)
    if m is None:
        raise TagError(index, tag)
    if tag == "O":
        return "O", ""
    prefix = m.group(1)
    prefix = {"L": "E", "U": "S"}.get(prefix, prefix)  # BILOU == BIOES
    return prefix, m.group(2)


def decode_tags(
    tags: Sequence[str], scheme: TagScheme = "bio"
) -> tuple[list[TokenSpan], list[TagProblem]]:
    """Decode a sentence's tags into token spans and the problems found on the way.

    ``bio`` accepts IOB2 and BIOES/BILOU tags. An ``I-X`` (or ``E-X``) that does not continue an
    open ``X`` entity starts a new entity and is reported as ``orphan-inside``: this is what
    conlleval does, and the report keeps it visible. ``iob1`` is the older convention where ``I-X``
    opens an entity and ``B-X`` only separates two adjacent entities of one type; there an
    opening ``I-X`` is valid and not reported.
    """
    if scheme not in TAG_SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; known: {', '.join(TAG_SCHEMES)}")
    spans: list[TokenSpan] = []
    problems: list[TagProblem] = []
    open_label: str | None = None
    open_start = 0

    def close(end: int) -> None:
        nonlocal open_label
        if open_label is not None:
            spans.append(TokenSpan(open_start, end, open_label))
            open_label = None

    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag, i)
        continues = open_label == label
        if prefix == "O":
            close(i)
            continue
        if prefix in ("I", "E") and not continues:
            if scheme == "bio":
                before = tags[i - 1] if i > 0 else "the sentence start"
                problems.append(
                    TagProblem(
                        i,
                        "orphan-inside",
                        f"{tag} follows {before} (no B-{label} before it); "
                        f"read as the start of a new {label} entity",
                    )
                )
            close(i)
            open_label, open_start = label, i
        elif prefix in ("B", "S"):
            close(i)
            open_label, open_start = label, i
        if prefix in ("E", "S"):
            close(i + 1)
    close(len(tags))
    return spans, problems
