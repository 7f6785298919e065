from parallelner.align import align_sample
from parallelner.schema import Issue, Status

from .conftest import OBAMA, OBAMA_DE, OBAMA_ENTS, sample


def targets(out):
    return [(out.target_text[t.start:t.end], t.label, t.source_index) for t in out.target_entities]


def test_perfect_answer_is_accepted_with_source_labels(config):
    out = align_sample(sample(OBAMA, OBAMA_ENTS, OBAMA_DE), config)
    assert out.status is Status.accepted and out.confidence == 1.0
    assert out.target_text == "Barack Obama besuchte am Montag Paris mit Angela Merkel."
    assert targets(out) == [("Barack Obama", "PER", 0), ("Paris", "LOC", 1),
                            ("Angela Merkel", "PER", 2)]


def test_chinese_answer_with_reordered_entities(config):
    answer = ('<PER id="1">巴拉克·奥巴马</PER>周一与<PER id="3">安格拉·默克尔</PER>一起访问了'
              '<LOC id="2">巴黎</LOC>。')
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer, target_lang="zh"), config)
    assert out.status is Status.accepted
    assert [i for *_, i in targets(out)] == [0, 2, 1]


def test_input_is_not_modified_and_old_results_are_replaced(config):
    s = sample(OBAMA, OBAMA_ENTS, OBAMA_DE).model_copy(
        update={"issues": [Issue(code="stale")], "status": Status.review})
    out = align_sample(s, config)
    assert s.issues[0].code == "stale" and s.target_text is None
    assert out.issues == [] and out.status is Status.accepted


def test_label_always_comes_from_the_source(config):
    answer = OBAMA_DE.replace('<LOC id="2">Paris</LOC>', '<ORG id="2">Paris</ORG>')
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    assert ("Paris", "LOC", 1) in targets(out)
    assert "tag_label_changed" in {i.code for i in out.issues} and out.status is Status.review


def test_missing_ids_with_repeated_labels_go_to_review(config):
    answer = ("<PER>Barack Obama</PER> besuchte am Montag <LOC>Paris</LOC> mit "
              "<PER>Angela Merkel</PER>.").replace("Barack Obama", "Barack H. Obama")
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    assert "tag_id_missing_ambiguous" in {i.code for i in out.issues}
    assert out.status is Status.review


def test_unknown_id_is_dropped_and_recorded(config):
    answer = OBAMA_DE.replace("am Montag", 'am <MISC id="4">Montag</MISC>')
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    assert len(out.target_entities) == 3 and "tag_id_unknown" in {i.code for i in out.issues}
    assert out.status is Status.accepted


def test_duplicate_id_keeps_one_and_asks_a_person(config):
    answer = OBAMA_DE.replace("am Montag", 'am <LOC id="2">Montag</LOC>')
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    assert "tag_id_duplicate" in {i.code for i in out.issues} and out.status is Status.review


def test_untagged_translated_entity_goes_back_to_the_llm(config):
    src = "The Commission met in Brussels."
    out = align_sample(sample(src, [("Commission", "ORG"), ("Brussels", "LOC")],
                              'Die <ORG id="1">Kommission</ORG> tagte in Brüssel.'), config)
    missing = [i for i in out.issues if i.code in ("entity_missing", "entity_found_fuzzy")]
    assert missing and missing[0].entity_index == 1 and out.status is Status.refine


def test_ambiguous_untagged_entity_is_not_guessed(config):
    src = "Paris is not Paris Hilton."
    out = align_sample(sample(src, [("Paris", "LOC")], "Paris ist nicht Paris Hilton."), config)
    assert out.target_entities == [] and "entity_ambiguous" in {i.code for i in out.issues}


def test_sample_without_entities(config):
    out = align_sample(sample("I thank you very much for this.", [], "Ich danke Ihnen sehr dafür."),
                       config)
    assert out.status is Status.accepted and out.target_entities == []


def test_empty_or_missing_response_is_rejected(config):
    for response in (None, "   ", "```\n```"):
        out = align_sample(sample(OBAMA, OBAMA_ENTS, response), config)
        assert out.status is Status.rejected and out.issues[0].code == "empty_response"


def test_bracket_style_answer(config):
    answer = "[Barack Obama]{PER} besuchte am Montag [Paris]{LOC} mit [Angela Merkel]{PER}."
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    # ids are implicit: the two PER spans are confirmed by their verbatim surfaces
    assert [i for *_, i in targets(out)] == [0, 1, 2] and out.status is Status.accepted


def test_offsets_are_in_the_clean_text(config):
    answer = 'Sure! Translation: **<PER id="1">Barack Obama</PER>** besuchte am Montag ' \
             '<LOC id="2">das Paris,</LOC> mit <PER id="3">Angela Merkel</PER>.'
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    assert targets(out) == [("Barack Obama", "PER", 0), ("Paris", "LOC", 1),
                            ("Angela Merkel", "PER", 2)]


def test_tag_with_unknown_label_and_no_id_is_dropped(config):
    answer = OBAMA_DE.replace('<LOC id="2">Paris</LOC>', "<BANANA>Paris</BANANA>")
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    codes = {i.code for i in out.issues}
    assert "tag_label_unknown" in codes and out.status is Status.refine


def test_empty_tag_frees_the_entity_for_search(config):
    answer = OBAMA_DE.replace('<LOC id="2">Paris</LOC>', '<LOC id="2"> </LOC>Paris')
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    codes = {i.code for i in out.issues}
    assert "span_empty" in codes and out.status is Status.refine


def test_untagged_entity_found_after_normalizing_needs_a_person(config):
    src = "We met Jose Maria Aznar today."
    out = align_sample(sample(src, [("Jose Maria Aznar", "PER")],
                              "Wir trafen heute José María Aznar."), config)
    assert "entity_found_normalized" in {i.code for i in out.issues}
    assert out.status is Status.review and \
        out.target_text[out.target_entities[0].start:].startswith("José")


def test_found_name_glued_into_a_compound_is_not_accepted(config):
    src = "We discuss EU law."
    out = align_sample(sample(src, [("EU", "ORG")], "Wir diskutieren über EU-Recht."), config)
    assert "entity_found_partial" in {i.code for i in out.issues} and out.status is Status.review


def test_a_tag_closed_inside_a_character_is_grown_to_take_it(config):
    """Issue 15 item 8: "Zoé" written decomposed (e + U+0301); the tag closes before the accent."""
    source = "Zoe\u0301 lives in Paris."
    response = '<PER id="1">Zoe</PER>\u0301 wohnt in <LOC id="2">Paris</LOC>.'
    out = align_sample(sample(source, [("Zoe\u0301", "PER"), ("Paris", "LOC")], response), config)
    zoe = out.target_entities[0]
    assert out.target_text[zoe.start:zoe.end] == "Zoe\u0301"
    issue = next(i for i in out.issues if i.code == "span_grapheme_snapped")
    assert issue.entity_index == 0
    assert issue.message == ("entity 1 (PER 'Zoe\u0301'): the span 'Zoe' split a character; "
                             "grown to 'Zoe\u0301'")
    assert out.status.value == "accepted"  # a note: the repair is recorded, the answer is fine


def test_grapheme_snapping_leaves_whole_characters_alone():
    from parallelner.graphemes import snap_span

    text = "Zoe\u0301 und 👍🏽 und Zoé"
    assert snap_span(text, 0, 4) == (0, 4)
    assert snap_span(text, 0, 3) == (0, 4)  # before the combining accent
    assert snap_span(text, 3, 4) == (2, 4)  # the accent alone: "e" + accent is one character
    thumbs = text.index("👍")
    assert snap_span(text, thumbs, thumbs + 1) == (thumbs, thumbs + 2)  # skin tone modifier
    assert snap_span(text, len(text) - 3, len(text)) == (len(text) - 3, len(text))  # precomposed
