"""The inline entity markup the LLM sees and answers in: one home for the formats.

Two styles, each defined only here (render) and in ``markup.parse`` (its lexer), so a third style is
one renderer plus one lexer:

- ``xml`` (product default): ``<LABEL id="N">surface</LABEL>`` where N is the 1-based position of
  the entity in the sample's entity list and LABEL its source label, e.g.
  ``<PER id="1">Barack Obama</PER> visited <LOC id="2">Paris</LOC>.``
- ``bracket``: ``[surface]{LABEL}`` (no id), e.g. ``[Barack Obama]{PER} visited [Paris]{LOC}.``
  A small local model kept more spans with it (shared/notes/local-llm.md); the parser also reads
  ``[surface]{LABEL id=N}`` should a prompt ask for ids.

Rendering is here; parsing of real (messy) answers lives beside it (``markup.parse.parse_markup``),
and the parser always accepts every style, whichever one the prompt used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from parallelner.schema import EntitySpan

DEFAULT_STYLE = "xml"


def _xml(surface: str, label: str, number: int) -> str:
    return f'<{label} id="{number}">{surface}</{label}>'


def _bracket(surface: str, label: str, number: int) -> str:
    return f"[{surface}]{{{label}}}"


RENDERERS: dict[str, Callable[[str, str, int], str]] = {"xml": _xml, "bracket": _bracket}
STYLES: tuple[str, ...] = tuple(RENDERERS)


def render_markup(text: str, entities: Sequence[EntitySpan], style: str = DEFAULT_STYLE) -> str:
    """Wrap each entity of ``text`` in its tag. Entities must not overlap (NER spans never do)."""
    try:
        wrap = RENDERERS[style]
    except KeyError:
        known = ", ".join(map(repr, STYLES))
        raise ValueError(f"unknown markup style {style!r}; known: {known}") from None
    order = sorted(range(len(entities)), key=lambda i: (entities[i].start, entities[i].end))
    out: list[str] = []
    pos = 0
    for i in order:
        ent = entities[i]
        if ent.start < pos:
            raise ValueError(f"entity {i + 1} [{ent.start}, {ent.end}) overlaps the previous one")
        out.append(text[pos : ent.start])
        out.append(wrap(text[ent.start : ent.end], ent.label, i + 1))
        pos = ent.end
    out.append(text[pos:])
    return "".join(out)
