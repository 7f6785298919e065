"""The inline entity markup the LLM sees and answers in: one home for the format.

Product default: ``<LABEL id="N">surface</LABEL>`` where N is the 1-based position of the entity in
the sample's entity list and LABEL its source label, e.g.
``<PER id="1">Barack Obama</PER> visited <LOC id="2">Paris</LOC>.``

Rendering is here; parsing of real (messy) answers lives beside it (see ``parse_markup``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .schema import EntitySpan

DEFAULT_STYLE = "xml"


def render_markup(text: str, entities: Sequence[EntitySpan], style: str = DEFAULT_STYLE) -> str:
    """Wrap each entity of ``text`` in its tag. Entities must not overlap (NER spans never do)."""
    if style != "xml":
        raise ValueError(f"unknown markup style {style!r}; known: 'xml'")
    order = sorted(range(len(entities)), key=lambda i: (entities[i].start, entities[i].end))
    out: list[str] = []
    pos = 0
    for i in order:
        ent = entities[i]
        if ent.start < pos:
            raise ValueError(f"entity {i + 1} [{ent.start}, {ent.end}) overlaps the previous one")
        out.append(text[pos : ent.start])
        out.append(f'<{ent.label} id="{i + 1}">{text[ent.start : ent.end]}</{ent.label}>')
        pos = ent.end
    out.append(text[pos:])
    return "".join(out)
