"""What the round trip does to a sample: issues, confidence, status, the back-translation kept."""

from __future__ import annotations

from verify_gold import evans, segni

from parallelner.align.issues import CODES, Code
from parallelner.schema import Status
from parallelner.verify import VERIFY_CODES, apply

WRONG = ('Yes, Mr <PER id="1">Plooij-van Gorsel</PER>, I feel an initiative of the type you '
         'have just suggested would be entirely appropriate.')


def test_a_right_back_translation_changes_nothing_but_keeps_the_text():
    s = segni()
    reply = 'Thank you, Mr <PER id="1">Segni</PER>, I will gladly do so.'
    out = apply(s, reply)
    assert out.back_translation == 'Thank you, Mr Segni, I will gladly do so.'
    assert (out.status, out.confidence, out.issues) == (Status.accepted, 1.0, [])
    assert s.back_translation is None  # the input is not changed


def test_a_wrong_name_goes_to_refine_with_lower_confidence():
    out = apply(evans(), WRONG)
    (issue,) = out.issues
    assert issue.code == "roundtrip_name_changed" and issue.entity_index == 0
    assert out.status == Status.refine
    assert out.confidence == 0.5 and out.target_entities[0].confidence == 0.5


def test_a_dropped_clause_goes_to_refine():
    out = apply(segni(), 'Thank you, Mr <PER id="1">Segni</PER>.')
    assert [i.code for i in out.issues] == ["roundtrip_content_dropped"]
    assert out.status == Status.refine and out.confidence == 0.5


def test_a_rejected_sample_stays_rejected_and_a_review_stays_review_on_a_note():
    out = apply(evans().model_copy(update={"status": Status.rejected}), WRONG)
    assert out.status == Status.rejected
    lost = apply(segni().model_copy(update={"status": Status.review}),
                 "Thank you, Mr Senyi, I shall do so gladly.")
    assert [i.code for i in lost.issues] == ["roundtrip_tag_lost"]
    assert lost.status == Status.review and lost.confidence == 0.95


def test_no_reply_checks_nothing_and_says_so():
    out = apply(segni(), None)
    assert [i.code for i in out.issues] == ["roundtrip_unavailable"]
    assert (out.status, out.confidence, out.back_translation) == (Status.accepted, 1.0, None)


def test_the_codes_have_the_align_stage_form_and_do_not_clash():
    assert all(isinstance(c, Code) for c in VERIFY_CODES.values())
    assert not set(VERIFY_CODES) & set(CODES)
