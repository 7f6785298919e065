"""Re-anchoring spans from a model's copy of a sentence onto the given sentence."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parallelner.markup.reanchor import reanchor


def _span(text: str, surface: str) -> tuple[int, int]:
    start = text.index(surface)
    return start, start + len(surface)


def test_identical_text_keeps_offsets():
    r = reanchor("Obama in Paris", "Obama in Paris", [(0, 5), (9, 14)])
    assert r.spans == [(0, 5), (9, 14)] and r.distance == 0


def test_a_changed_character_inside_and_around_spans():
    given_text = "Herr Schultz sagte in „Paris“ etwas."
    returned = "Herr Schulz sagte in \"Paris\" etwas."
    r = reanchor(returned, given_text, [_span(returned, "Schulz"), _span(returned, "Paris")])
    got = [given_text[s:e] for s, e in r.spans]
    assert got == ["Schultz", "Paris"] and r.distance == 3


def test_a_character_added_after_the_span_stays_outside():
    r = reanchor("in Paris.", "in Paris", [(3, 8)])
    assert r.spans == [(3, 8)]
    r = reanchor("in Paris", "in Paris.", [(3, 8)])
    assert r.spans == [(3, 8)]


def test_a_span_over_text_the_given_sentence_lacks_is_lost():
    given_text = "Er kam gestern."
    returned = "Er kam aus Rom gestern."
    r = reanchor(returned, given_text, [_span(returned, "Rom"), _span(returned, "gestern")])
    assert r.spans[0] is None and r.lost == [0]
    assert given_text[slice(*r.spans[1])] == "gestern"


def test_spacing_changes_are_trimmed():
    r = reanchor("die  Europäische Union  tagt", "die Europäische Union tagt", [(5, 23)])
    assert "die Europäische Union tagt"[slice(*r.spans[0])] == "Europäische Union"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(max_size=5), st.integers(0, 40))
def test_mapped_spans_always_lie_inside_the_given_text(text, insert, at):
    at = min(at, len(text))
    returned = text[:at] + insert + text[at:]
    spans = [(0, len(returned))] if returned.strip() else []
    for span in reanchor(returned, text, spans).spans:
        if span is not None:
            assert 0 <= span[0] < span[1] <= len(text)
