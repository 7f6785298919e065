"""Pure parts of team review: priority order, agreement arithmetic, verdicts written back,
per-reviewer and machine-accuracy figures."""

from __future__ import annotations

import json

import pytest

from annotation.agreement import agreement, cohen_kappa, machine_accuracy, span_f1, wilson
from annotation.merge import ReviewAnswer, Span, merge_review
from annotation.review import PullReport, card_fields
from annotation.review_report import AuditResult, machine_check, reviewer_stats, team_agreement
from annotation.selection import priority_order, select_for_review
from annotation.verdicts import returned_issue, updated_metadata
from parallelner.export.inputs import run_audit
from parallelner.io import read_jsonl
from parallelner.schema import Issue, ParallelSample


@pytest.fixture(scope="module")
def samples(fixtures_dir) -> dict[str, ParallelSample]:
    return {s.id: s for s in read_jsonl(fixtures_dir / "review" / "samples.jsonl", ParallelSample)}


def _answer(s: ParallelSample, who: str, at: str | None = None, **kw) -> ReviewAnswer:
    return ReviewAnswer(reviewer=who, status=kw.pop("status", "submitted"),
                        shown_target=s.target_text, answered_at=at, **kw)


def test_priority_puts_severe_and_unsure_first(samples):
    queue = priority_order(select_for_review(samples.values(), 1.0))
    confs = [(s.id, s.confidence, [i.code for i in s.issues]) for s in queue]
    # entity_missing (a refine-level code) outranks a fuzzy boundary; accepted ones come last,
    # lowest confidence first.
    assert confs[0][0] == "pud-en-0003"
    accepted = [c for _, c, codes in confs if not codes]
    assert accepted == sorted(accepted)
    assert [s.id for s in priority_order(reversed(queue))] == [s.id for s in queue]


def test_wilson_and_kappa_match_textbook_values():
    low, high = wilson(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)  # Wilson 1927 / Newcombe 1998
    assert wilson(0, 0) is None
    # Cohen's example shape: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> kappa 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([("y", "y")] * 3) == 1.0
    a, b = frozenset({(0, 2, "PER"), (5, 7, "LOC")}), frozenset({(0, 2, "PER"), (5, 8, "LOC")})
    assert span_f1([(a, b)]) == 0.5
    m = machine_accuracy(9, 10)
    assert m.silent_error_rate == pytest.approx(0.1)
    assert m.silent_error_ci95 == pytest.approx((1 - wilson(9, 10)[1], 1 - wilson(9, 10)[0]))


def test_two_annotators_agreement_and_machine_check(samples):
    s = samples["pud-en-0004"]  # accepted: an audit sample
    same = [{"start": t.start, "end": t.end, "label": t.label} for t in s.target_entities]
    spans = tuple(Span(**d) for d in same)
    answers = {s.id: [_answer(s, "ann-a", usable="yes", spans=spans),
                      _answer(s, "ann-b", usable="yes")]}  # no span answer = the machine's
    agree = team_agreement({s.id: s}, answers)
    assert (agree.records, agree.span_f1, agree.usable_agreement) == (1, 1.0, 1.0)
    acc, undecided = machine_check([s], answers)
    assert (acc.answered, acc.correct, undecided) == (1, 1, 0)
    answers[s.id][1] = _answer(s, "ann-b", usable="discard")
    acc, undecided = machine_check([s], answers)
    assert (acc.answered, undecided) == (0, 1)  # one says right, one says wrong


def test_invalid_answer_goes_back_with_its_reason_and_stays_until_fixed(samples):
    s = samples["pud-en-0003"]
    bad = _answer(s, "ann-a", usable="fixed", spans=(Span(0, 2, "ORG"), Span(5, 7, "PER")))
    first = merge_review(s, [bad])
    assert first.kind == "invalid"
    meta = updated_metadata({"confidence": 0.3}, first)
    assert meta["verdict"] == "needs attention"
    assert meta["verdict_reason"].startswith("review_extra_span: review by ann-a: span [5, 7)")
    assert meta["confidence"] == 0.3
    assert updated_metadata(meta, first) is None  # written once
    # The answer is now a draft: the next pull keeps the same result, from the metadata.
    issue = returned_issue(meta)
    again = merge_review(s, [_answer(s, "ann-a", status="draft")], issue)
    assert again.kind == "returned" and again.sample == first.sample
    # Fixed and submitted again: merged, and the verdict says so.
    good = _answer(s, "ann-a", usable="fixed", spans=(Span(0, 2, "ORG"), Span(5, 7, "LOC")))
    fixed = merge_review(s, [good], issue)
    assert fixed.kind == "changed"
    assert updated_metadata(meta, fixed) == {"confidence": 0.3, "verdict": "merged"}
    assert returned_issue({"verdict": "merged"}) is None
    assert returned_issue({"verdict": "needs attention", "verdict_reason":
                           "review_conflict: x"}) is None
    assert issue == Issue(code="review_extra_span", message=first.sample.issues[-1].message)


def test_reviewer_stats_count_answers_outcomes_and_time(samples):
    s2, s3 = samples["pud-en-0002"], samples["pud-en-0003"]
    answers = {
        s2.id: [_answer(s2, "ann-a", "2026-11-29T10:00:00", usable="yes"),
                _answer(s2, "ann-b", "2026-11-29T10:05:00", usable="yes")],
        s3.id: [_answer(s3, "ann-a", "2026-11-29T10:01:30", usable="discard")],
    }
    outcomes = {k: merge_review({s2.id: s2, s3.id: s3}[k], v) for k, v in answers.items()}
    stats = {r.reviewer: r for r in reviewer_stats(answers, outcomes)}
    assert (stats["ann-a"].answers, stats["ann-a"].merged, stats["ann-a"].submitted) == (2, 2, 2)
    assert stats["ann-a"].median_seconds_between_answers == 90.0
    assert stats["ann-b"].median_seconds_between_answers is None
    assert stats["ann-a"].first_answer_at == "2026-11-29T10:00:00"


def test_the_dataset_card_gets_the_measured_silent_error_rate(tmp_path):


    report = PullReport("r", "x", 10, 5, {}, AuditResult(5, 4, 1, 0.25),
                        machine=machine_accuracy(3, 4),
                        agreement=agreement([], [("yes", "yes"), ("yes", "discard")]))
    (tmp_path / "review_report.json").write_text(json.dumps(card_fields(report)))
    card = run_audit(tmp_path)
    assert card["silent_error_rate"] == 0.25
    assert card["silent_error_ci95"] == "0.0456–0.6994"
    assert card["agreement_usable_kappa"] == 0.0 and card["agreement_records"] == 2
