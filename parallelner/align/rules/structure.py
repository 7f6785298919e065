"""Structure rules: the tag labels, flat spans, spans on token boundaries."""

from __future__ import annotations

from collections import Counter

from ..context import Context
from .base import (
    _spans,
)


def rule_label_multiset(ctx: Context) -> None:
    """The tag labels the answer used should be the source's label multiset."""
    if not ctx.tag_labels:
        return
    tags = Counter(label for label in ctx.tag_labels if label)
    # Entities the answer left untagged are reported by their own codes (entity_found_*,
    # entity_missing); count them as present so this rule speaks only of wrong or extra tags.
    tags.update(ctx.source_entities[i].label for i, p in ctx.placed.items() if p.how != "tag")
    tags.update(ctx.source_entities[f.entity_index].label for f in ctx.findings
                if f.code in ("entity_missing", "entity_ambiguous", "span_empty")
                and f.entity_index is not None)
    source = Counter(e.label for e in ctx.source_entities)
    if ctx.tag_labels and tags != source:
        ctx.add("label_multiset",
                f"tag labels {dict(tags)} differ from source labels {dict(source)}")


def rule_overlap(ctx: Context) -> None:
    """No two spans may overlap (NER spans are flat)."""
    spans = _spans(ctx)
    for (_s1, e1, i1), (s2, _e2, i2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            ctx.add("span_overlap", f"{ctx.describe(i1)} and {ctx.describe(i2)} overlap", i2)
            ctx.placed[i1].codes.append("span_overlap")


def rule_token_boundaries(ctx: Context) -> None:
    """A span must start and end on token boundaries (a cut word is a misplaced tag)."""
    text = ctx.text
    for s, e, i in _spans(ctx):
        # A cut is a span edge inside a token *between two word characters*: spaCy keeps
        # "9002." or "CRTC-Sitzungen" whole, yet an entity may end before the "." or "-".
        # Only such edges need the tokenizer (the costliest step), so most samples skip it.
        if not ctx.on_boundaries(s, e):
            ctx.add("span_token_boundary", f"{ctx.describe(i)}: {text[s:e]!r} cuts a token", i)
