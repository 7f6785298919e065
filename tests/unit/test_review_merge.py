"""The merge of people's answers into samples (pure logic)."""

from __future__ import annotations

import pytest

from annotation.merge import (
    InvalidAnswer,
    ReviewAnswer,
    Span,
    merge_review,
    parse_tagged,
)
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample, Status


@pytest.fixture(scope="module")
def samples(fixtures_dir) -> dict[str, ParallelSample]:
    return {s.id: s for s in read_jsonl(fixtures_dir / "review" / "samples.jsonl", ParallelSample)}


def answer(sample: ParallelSample, status="submitted", who="ann", **kw) -> ReviewAnswer:
    return ReviewAnswer(reviewer=who, status=status, shown_target=sample.target_text, **kw)


def surfaces(s: ParallelSample) -> list[tuple[str, str, int]]:
    return [(t.surface(s.target_text), t.label, t.source_index) for t in s.target_entities]


def test_no_final_answer_changes_nothing(samples):
    s = samples["pud-en-0002"]
    assert merge_review(s, []).kind == "pending"
    out = merge_review(s, [answer(s, status="draft", usable="discard")])
    assert out.kind == "pending" and out.sample is s


def test_corrected_boundary_is_merged_with_human_provenance(samples):
    s = samples["pud-en-0002"]
    out = merge_review(s, [answer(s, usable="fixed", spans=(
        Span(0, 7, "PER"), Span(15, 20, "ORG"), Span(8, 12, "LOC")))])
    assert out.kind == "changed" and out.changed
    m = out.sample
    assert m.status == Status.accepted and m.confidence == 1.0 and m.issues == []
    assert surfaces(m) == [("安格拉·默克尔", "PER", 0), ("欧盟委员会", "ORG", 1),
                           ("布鲁塞尔", "LOC", 2)]
    assert (m.provenance.reviewed_by, m.provenance.reviewer) == ("human", "ann")
    assert m.provenance.attempts[-1].stage == "review"
    assert len(m.provenance.attempts) == len(s.provenance.attempts) + 1
    assert s.provenance.reviewed_by == "machine"  # the input is not mutated


def test_confirmed_sample_is_unchanged_but_reviewed(samples):
    s = samples["pud-en-0001"]
    out = merge_review(s, [answer(s, usable="yes", spans=(Span(0, 7, "PER"), Span(16, 18, "LOC")))])
    assert out.kind == "unchanged" and not out.changed
    assert out.sample.provenance.reviewed_by == "human"
    assert surfaces(out.sample) == surfaces(s)


def test_no_span_answer_keeps_the_pipeline_spans(samples):
    s = samples["pud-en-0004"]
    out = merge_review(s, [answer(s, usable="yes")])
    assert out.kind == "unchanged" and surfaces(out.sample) == surfaces(s)


@pytest.mark.parametrize("how", [{"usable": "discard"}, {"status": "discarded"}])
def test_discard_rejects(samples, how):
    s = samples["europarl-en-0006"]
    out = merge_review(s, [answer(s, **how)])
    assert out.kind == "rejected" and out.changed
    assert out.sample.status == Status.rejected
    assert out.sample.issues[-1].code == "review_discarded"


def test_corrected_translation_with_tags(samples):
    s = samples["pud-en-0001"]
    out = merge_review(s, [answer(s, usable="fixed", corrected_translation=(
        '<LOC id="2">巴黎</LOC>在2009年迎来了<PER id="1">奥巴马</PER>。'))])
    assert out.kind == "changed"
    assert out.sample.target_text == "巴黎在2009年迎来了奥巴马。"
    assert surfaces(out.sample) == [("奥巴马", "PER", 0), ("巴黎", "LOC", 1)]


def test_corrected_translation_without_tags_finds_the_spans_again(samples):
    s = samples["europarl-en-0007"]
    out = merge_review(s, [answer(
        s, usable="fixed", corrected_translation="Siemens hat Maria Schmidt in München eingestellt."
    )])
    assert surfaces(out.sample) == [("Siemens", "ORG", 0), ("Maria Schmidt", "PER", 1),
                                    ("München", "LOC", 2)]


def test_unchanged_suggested_translation_is_not_a_correction(samples):
    s = samples["pud-en-0003"]
    out = merge_review(s, [answer(s, usable="fixed", corrected_translation=s.target_text,
                                  spans=(Span(0, 2, "ORG"), Span(5, 7, "LOC")))])
    assert out.kind == "changed"
    assert surfaces(out.sample) == [("微软", "ORG", 0), ("上海", "LOC", 1)]


@pytest.mark.parametrize(("spans", "translation", "code"), [
    ((Span(0, 2, "ORG"), Span(5, 7, "PER")), None, "review_extra_span"),
    ((Span(0, 2, "ORG"),), None, "review_missing_entity"),
    ((Span(0, 2, "ORG"), Span(1, 7, "LOC")), None, "review_overlap"),
    ((Span(0, 2, "ORG"), Span(5, 7, "LOC")), "微软在北京开设了新办事处。",
     "review_span_not_found"),
    (None, '<ORG id="1">微软</ORG>在<LOC id="2">上海</LOC>开设了<b>新</b>办事处。',
     "review_bad_markup"),
    (None, '<ORG id="1">微软</ORG>在<LOC id="9">上海</LOC>开设了新办事处。',
     "review_extra_span"),
    (None, '<ORG id="1">微软</ORG>在<ORG id="2">上海</ORG>开设了新办事处。',
     "review_label_changed"),
])
def test_invalid_answers_keep_the_sample_in_review(samples, spans, translation, code):
    s = samples["pud-en-0003"]
    out = merge_review(s, [answer(s, usable="fixed", spans=spans,
                                  corrected_translation=translation)])
    assert out.kind == "invalid" and not out.changed
    assert out.sample.status == Status.review
    assert out.sample.target_text == s.target_text and \
        out.sample.target_entities == s.target_entities
    assert [i.code for i in out.sample.issues] == ["entity_missing", code]
    assert out.sample.provenance.reviewed_by == "machine"


def test_two_new_spans_of_one_label_are_ambiguous(samples):
    s = samples["pud-en-0005"].model_copy(update={"target_entities": []})
    out = merge_review(s, [answer(s, usable="fixed", spans=(Span(0, 2, "LOC"), Span(4, 6, "LOC")))])
    assert out.kind == "invalid" and out.sample.issues[-1].code == "review_ambiguous_span"


def test_stale_and_conflicting_answers(samples):
    s = samples["pud-en-0004"]
    stale = ReviewAnswer(reviewer="ann", status="submitted", shown_target="旧的译文", usable="yes")
    assert merge_review(s, [stale]).kind == "stale"
    out = merge_review(s, [answer(s, usable="yes"), answer(s, who="bob", usable="discard")])
    assert out.kind == "conflict" and out.sample.status == Status.review
    assert out.sample.issues[-1].code == "review_conflict"
    agree = merge_review(s, [answer(s, usable="yes"), answer(s, who="bob", usable="yes")])
    assert agree.kind == "unchanged" and agree.sample.provenance.reviewer == "ann, bob"


def test_parse_tagged_offsets_and_escapes():
    text, spans = parse_tagged('<PER id="1">Tom &amp; Jerry</PER> in <LOC id=2>Rom</LOC>.')
    assert text == "Tom & Jerry in Rom."
    assert [(text[a:b], lab, n) for a, b, lab, n in spans] == [("Tom & Jerry", "PER", 1),
                                                               ("Rom", "LOC", 2)]
    with pytest.raises(InvalidAnswer):
        parse_tagged('<PER id="1">Tom</LOC>')


def test_a_sample_without_translation_gets_one_from_the_reviewer(samples):
    s = samples["pud-en-0003"].model_copy(update={"target_text": None, "target_entities": []})
    shown = ReviewAnswer(reviewer="ann", status="submitted", shown_target="", usable="fixed",
                         corrected_translation='<ORG id="1">微软</ORG>去年在'
                                               '<LOC id="2">上海</LOC>开设了办事处。')
    out = merge_review(s, [shown])
    assert out.kind == "changed" and out.sample.status == Status.accepted
    assert surfaces(out.sample) == [("微软", "ORG", 0), ("上海", "LOC", 1)]
