import pytest

from parallelner.markup.render import render_markup
from parallelner.schema import EntitySpan


def test_render_ids_follow_entity_list_order():
    text = "Barack Obama visited Paris."
    ents = [EntitySpan(start=21, end=26, label="LOC"), EntitySpan(start=0, end=12, label="PER")]
    assert render_markup(text, ents) == \
        '<PER id="2">Barack Obama</PER> visited <LOC id="1">Paris</LOC>.'


def test_render_rejects_overlap():
    ents = [EntitySpan(start=0, end=5, label="A"), EntitySpan(start=3, end=7, label="B")]
    with pytest.raises(ValueError, match="overlaps"):
        render_markup("abcdefgh", ents)
