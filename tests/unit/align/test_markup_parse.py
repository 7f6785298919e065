import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallelner.markup.parse import parse_markup
from parallelner.markup.render import render_markup
from parallelner.schema import EntitySpan

SRC = "Barack Obama visited Paris."
CLEAN = "Barack Obama besuchte Paris."


def surfaces(parsed):
    return [(parsed.text[s.start:s.end], s.label, s.number) for s in parsed.spans]


def test_canonical_answer_parses_without_any_code():
    p = parse_markup('<PER id="1">Barack Obama</PER> besuchte <LOC id="2">Paris</LOC>.', SRC)
    assert p.text == CLEAN
    assert surfaces(p) == [("Barack Obama", "PER", 1), ("Paris", "LOC", 2)]
    assert p.codes == {}


@pytest.mark.parametrize("answer, code", [
    ('Here is the translation:\n\n<PER id="1">Barack Obama</PER> besuchte <LOC id="2">Paris</LOC>.'
     '\n\nNote: names kept.', "markup_chatter"),
    ('Translation: <PER id="1">Barack Obama</PER> besuchte <LOC id="2">Paris</LOC>.',
     "markup_chatter"),
    ('```xml\n<PER id="1">Barack Obama</PER> besuchte <LOC id="2">Paris</LOC>.\n```',
     "markup_code_fence"),
    ('"<PER id="1">Barack Obama</PER> besuchte <LOC id="2">Paris</LOC>."', "markup_quoted"),
    ("< PER id = '1' >Barack Obama</ PER > besuchte <LOC id=2>Paris</LOC>.", "markup_tag_format"),
    ('＜PER id="1"＞Barack Obama＜/PER＞ besuchte <LOC id="2">Paris</LOC>.', "markup_fullwidth"),
    ('&lt;PER id=&quot;1&quot;&gt;Barack Obama&lt;/PER&gt; besuchte <LOC id="2">Paris</LOC>.',
     "markup_html_escaped"),
    ('**<PER id="1">Barack Obama</PER>** besuchte <LOC id="2">Paris</LOC>.', "markup_emphasis"),
    ('<PER id="1">Barack Obama</LOC> besuchte <LOC id="2">Paris</>.', "markup_mismatched_close"),
    ('<PER id="1"> Barack Obama </PER> besuchte <LOC id="2">Paris</LOC>.', "markup_tag_whitespace"),
])
def test_every_tolerance_recovers_the_answer_and_is_recorded(answer, code):
    p = parse_markup(answer, SRC)
    assert p.text == CLEAN
    assert [(t, n) for t, _, n in surfaces(p)] == [("Barack Obama", 1), ("Paris", 2)]
    assert code in p.codes


def test_lower_case_synonym_and_translated_names_are_kept_raw_for_the_aligner():
    p = parse_markup('<person id="1">Barack Obama</person> besuchte <地点 id="2">Paris</地点>.',
                     SRC)
    assert [lab for _, lab, _ in surfaces(p)] == ["person", "地点"]


def test_missing_ids_are_none():
    p = parse_markup("<PER>Barack Obama</PER> besuchte <LOC>Paris</LOC>.", SRC)
    assert [n for *_, n in surfaces(p)] == [None, None]
    assert p.codes == {}


def test_bracket_style_with_and_without_ids():
    p = parse_markup("[Barack Obama]{PER} besuchte [Paris]{LOC 2}.", SRC)
    assert p.text == CLEAN
    assert surfaces(p) == [("Barack Obama", "PER", None), ("Paris", "LOC", 2)]


def test_mixed_styles_are_flagged():
    p = parse_markup('[Barack Obama]{PER} besuchte <LOC id="2">Paris</LOC>.', SRC)
    assert len(p.spans) == 2 and "markup_mixed_styles" in p.codes


def test_unclosed_last_tag_marks_a_cut_answer():
    p = parse_markup('<PER id="1">Barack Obama</PER> besuchte <LOC id="2">Par', SRC)
    assert p.unclosed_at_end and "markup_unclosed" in p.codes
    assert surfaces(p) == [("Barack Obama", "PER", 1)]


def test_stray_close_and_nested_tags_are_recorded():
    assert "markup_stray_close" in parse_markup("Barack Obama</PER> besuchte Paris.", SRC).codes
    nested = parse_markup('<ORG id="1">Bank of <LOC id="2">Paris</LOC></ORG> zahlt.', SRC)
    assert "markup_nested" in nested.codes and len(nested.spans) == 2


def test_text_that_only_looks_like_a_tag_is_left_and_flagged():
    p = parse_markup("Wenn a <b and c> d gilt, besuchte Obama Paris.", SRC)
    assert p.spans == [] and "a <b and c> d" in p.text
    assert "markup_leftover" in p.codes


def test_quotes_that_belong_to_the_source_quotation_are_kept():
    src = "“We face competition,” said Joe."
    p = parse_markup('„Wir haben Konkurrenz“, sagte <PER id="1">Joe</PER>.', src)
    assert p.text.startswith("„") and "markup_quoted" not in p.codes


def test_outer_quotes_with_balanced_inner_quotes_are_removed():
    p = parse_markup('"Mi voto era "a favor"."', 'My vote was "in favour".')
    assert p.text == 'Mi voto era "a favor".'


def test_several_tagged_lines_use_the_first_and_say_so():
    p = parse_markup('<PER id="1">A</PER> x.\n<PER id="1">B</PER> y.', "A x.")
    assert p.text == "A x." and "markup_multiple_candidates" in p.codes


def test_untagged_multiline_answer_is_joined_and_flagged():
    p = parse_markup("Erste Zeile hier.\nZweite Zeile dort.", "One line.")
    assert p.text == "Erste Zeile hier. Zweite Zeile dort." and "markup_multiline" in p.codes


def test_html_escapes_in_the_source_itself_are_not_decoded():
    src = "AT&amp;T is a company."
    p = parse_markup("AT&amp;T ist eine Firma.", src)
    assert p.text == "AT&amp;T ist eine Firma." and "markup_html_escaped" not in p.codes


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüé中文", min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(_word, min_size=1, max_size=8), picks=st.sets(st.integers(0, 7), max_size=4),
       style=st.sampled_from(["xml", "bracket"]))
def test_render_then_parse_round_trips(words, picks, style):
    text = " ".join(words)
    ents, pos = [], 0
    for i, w in enumerate(words):
        if i in picks:
            ents.append(EntitySpan(start=pos, end=pos + len(w), label="PER" if i % 2 else "LOC"))
        pos += len(w) + 1
    parsed = parse_markup(render_markup(text, ents, style=style), text)
    assert parsed.text == text
    assert [(s.start, s.end, s.label) for s in parsed.spans] == \
        [(e.start, e.end, e.label) for e in ents]
