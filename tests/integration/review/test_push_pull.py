"""push -> answers through the SDK (as an annotator user) -> pull, against the real local
Argilla."""

from __future__ import annotations

import json
import warnings

import pytest

from annotation.review import pull_run, push_run
from parallelner.errors import ConfigError
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import ParallelSample, Status

# Measured audit positions (sha256 of the id): 0009 .23, 0001 .36, 0008 .51, 0007 .60, 0004 .61,
# 0005 .93. With a fraction of 0.7, five accepted samples are audited; 0005 is not.
AUDIT = 0.7
REVIEW_IDS = {"pud-en-0002", "pud-en-0003", "europarl-en-0006"}
AUDIT_IDS = {"pud-en-0001", "pud-en-0004", "europarl-en-0007", "europarl-en-0008",
             "europarl-en-0009"}


@pytest.fixture
def settings(stack_settings):
    return stack_settings.model_copy(update={"review": stack_settings.review.model_copy(
        update={"audit_fraction": AUDIT, "dataset_per": "run"})})


def _dataset(owner, settings, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return owner.datasets(name, workspace=owner.workspaces(settings.review.workspace))


def _records(owner, settings, name):
    return {r.id: r for r in _dataset(owner, settings, name).records(with_responses=True)}


def test_push_queue_suggestions_and_idempotency(run_dir, settings, owner, annotator, submit):
    report = push_run(run_dir, settings)

    queue = read_jsonl(run_dir / "review_queue.jsonl", ParallelSample)
    assert {s.id for s in queue} == REVIEW_IDS | AUDIT_IDS
    assert (report.review, report.audit) == (3, 5)
    names = {d.name for d in report.datasets}
    zh = next(n for n in names if n.endswith("en-zh"))
    de = next(n for n in names if n.endswith("en-de"))

    records = _records(owner, settings, zh)
    assert set(records) == {"pud-en-0001", "pud-en-0002", "pud-en-0003", "pud-en-0004"}
    rec = records["pud-en-0002"]
    assert rec.fields["target"] == "安格拉·默克尔在布鲁塞尔会见了欧盟委员会。"
    assert "**\\[2 ORG\\] European Commission**" in rec.fields["source"]
    spans = rec.suggestions["spans"]
    assert spans.value == [{"start": 0, "end": 7, "label": "PER"},
                           {"start": 15, "end": 19, "label": "ORG"},
                           {"start": 8, "end": 12, "label": "LOC"}]
    assert spans.score == [0.96, 0.41, 0.93]
    assert spans.agent == "qwen2.5-7b-instruct / translate-v1"
    assert rec.metadata["confidence"] == 0.52
    assert rec.metadata["issues"] == ["fuzzy_boundary"]
    assert rec.metadata["language_pair"] == "en-zh"
    assert rec.metadata["source_dataset"] == "uner-pud"
    assert len(_records(owner, settings, de)) == 4

    # An answer arrives; then the pipeline re-runs and changes that sample; push again.
    submit(owner, settings, de, "europarl-en-0006", annotator.user, usable="yes",
           spans=[{"start": 4, "end": 22, "label": "ORG"},
                  {"start": 43, "end": 51, "label": "LOC"}])
    samples = read_jsonl(run_dir / "aligned.jsonl", ParallelSample)
    samples = [s.model_copy(update={"confidence": 0.6}) if s.id == "europarl-en-0006" else s
               for s in samples]
    write_jsonl(run_dir / "aligned.jsonl", samples)
    again = push_run(run_dir, settings)
    assert {d.name: (d.sent, d.kept) for d in again.datasets} == {zh: (4, 0), de: (3, 1)}
    de_records = _records(owner, settings, de)
    assert len(de_records) == 4  # no duplicates
    kept = de_records["europarl-en-0006"]
    assert kept.metadata["confidence"] == 0.61  # the answered record was not overwritten
    [answer] = kept._model.responses
    assert answer.status == "submitted" and answer.user_id == annotator.user.id
    assert answer.values["spans"]["value"][0] == {"start": 4, "end": 22, "label": "ORG"}


def test_pull_merges_answers_and_measures_the_audit(run_dir, settings, owner, annotator, submit):
    report = push_run(run_dir, settings)
    zh = next(d.name for d in report.datasets if d.name.endswith("en-zh"))
    de = next(d.name for d in report.datasets if d.name.endswith("en-de"))
    who = annotator.user
    # 0002: the ORG span was cut short; the reviewer selects the whole name.
    submit(owner, settings, zh, "pud-en-0002", who, usable="fixed", spans=[
        {"start": 0, "end": 7, "label": "PER"}, {"start": 8, "end": 12, "label": "LOC"},
        {"start": 15, "end": 20, "label": "ORG"}])
    # 0003: the missing LOC is added.
    submit(owner, settings, zh, "pud-en-0003", who, usable="fixed", spans=[
        {"start": 0, "end": 2, "label": "ORG"}, {"start": 5, "end": 7, "label": "LOC"}])
    # 0001 (audited): a corrected translation, entities tagged by number.
    submit(owner, settings, zh, "pud-en-0001", who, usable="fixed",
           corrected_translation='<PER id="1">奥巴马</PER>于2009年访问了<LOC id="2">巴黎</LOC>。')
    # 0004 (audited): fine as it is.
    submit(owner, settings, zh, "pud-en-0004", who, usable="yes",
           spans=[{"start": 0, "end": 7, "label": "PER"}, {"start": 11, "end": 16, "label": "ORG"}])
    # 0006: discarded.  0009 (audited): only a draft.  0008 (audited): untouched.
    submit(owner, settings, de, "europarl-en-0006", who, usable="discard")
    submit(owner, settings, de, "europarl-en-0009", who, status="draft", usable="fixed")
    # 0007 (audited): a plain corrected translation; the spans are found again in it.
    submit(owner, settings, de, "europarl-en-0007", who, usable="fixed",
           corrected_translation="Siemens hat Maria Schmidt in München eingestellt.")

    result = pull_run(run_dir, settings)

    merged = {s.id: s for s in read_jsonl(run_dir / "reviewed.jsonl", ParallelSample)}
    assert len(merged) == 10
    s2 = merged["pud-en-0002"]
    assert s2.status == Status.accepted and s2.provenance.reviewed_by == "human"
    assert s2.provenance.reviewer == annotator.username
    assert {t.surface(s2.target_text): t.source_index for t in s2.target_entities} == {
        "安格拉·默克尔": 0, "欧盟委员会": 1, "布鲁塞尔": 2}
    assert s2.provenance.attempts[-1].stage == "review"
    s3 = merged["pud-en-0003"]
    assert [(t.surface(s3.target_text), t.label, t.source_index) for t in s3.target_entities] == [
        ("微软", "ORG", 0), ("上海", "LOC", 1)]
    s1 = merged["pud-en-0001"]
    assert s1.target_text == "奥巴马于2009年访问了巴黎。"
    assert [t.surface(s1.target_text) for t in s1.target_entities] == ["奥巴马", "巴黎"]
    s7 = merged["europarl-en-0007"]
    assert s7.target_text == "Siemens hat Maria Schmidt in München eingestellt."
    assert [t.surface(s7.target_text) for t in s7.target_entities] == [
        "Siemens", "Maria Schmidt", "München"]
    assert merged["europarl-en-0006"].status == Status.rejected
    assert merged["europarl-en-0006"].provenance.reviewed_by == "human"
    pipeline = {s.id: s for s in read_jsonl(run_dir / "aligned.jsonl", ParallelSample)}
    for untouched in ("europarl-en-0009", "europarl-en-0008", "pud-en-0005", "europarl-en-0010"):
        assert merged[untouched] == pipeline[untouched]
    assert merged["pud-en-0004"].provenance.reviewed_by == "human"
    assert merged["pud-en-0004"].target_entities[0].source_index == 0

    assert result.outcomes == {"changed": 4, "unchanged": 1, "rejected": 1, "pending": 2}
    audit = json.loads((run_dir / "review_report.json").read_text())["audit"]
    assert audit == {"audited": 5, "reviewed": 3, "changed": 2, "rate": 2 / 3}

    first = (run_dir / "reviewed.jsonl").read_bytes()
    pull_run(run_dir, settings)
    assert (run_dir / "reviewed.jsonl").read_bytes() == first  # pulling again changes nothing


def test_invalid_and_conflicting_answers_stay_in_review(
    run_dir, settings, owner, annotator, submit
):
    report = push_run(run_dir, settings)
    zh = next(d.name for d in report.datasets if d.name.endswith("en-zh"))
    # A span labelled PER where the source has no second PER: refused, sample stays in review.
    submit(owner, settings, zh, "pud-en-0003", annotator.user, usable="fixed", spans=[
        {"start": 0, "end": 2, "label": "ORG"}, {"start": 5, "end": 7, "label": "PER"}])
    # Two reviewers disagree on 0002 (the owner is the second one).
    submit(owner, settings, zh, "pud-en-0002", annotator.user, usable="discard")
    submit(owner, settings, zh, "pud-en-0002", owner.me, usable="yes", spans=[
        {"start": 0, "end": 7, "label": "PER"}, {"start": 8, "end": 12, "label": "LOC"},
        {"start": 15, "end": 20, "label": "ORG"}])

    result = pull_run(run_dir, settings)

    merged = {s.id: s for s in read_jsonl(run_dir / "reviewed.jsonl", ParallelSample)}
    s3 = merged["pud-en-0003"]
    assert s3.status == Status.review and s3.provenance.reviewed_by == "machine"
    assert [i.code for i in s3.issues] == ["entity_missing", "review_extra_span"]
    assert merged["pud-en-0002"].status == Status.review
    assert merged["pud-en-0002"].issues[-1].code == "review_conflict"
    kinds = {a["id"]: a["outcome"] for a in result.attention}
    assert kinds == {"pud-en-0003": "invalid", "pud-en-0002": "conflict"}


def test_a_label_the_dataset_lacks_is_a_clear_error(run_dir, settings, owner):
    push_run(run_dir, settings)
    samples = read_jsonl(run_dir / "aligned.jsonl", ParallelSample)
    extra = samples[1].model_copy(update={
        "id": "pud-en-0099", "source_entities": [*samples[1].source_entities[:2],
                                                 samples[1].source_entities[2].model_copy(
                                                     update={"label": "NORP"})],
        "target_entities": []})
    write_jsonl(run_dir / "aligned.jsonl", [*samples, extra])
    with pytest.raises(ConfigError, match=r"without the labels \[.NORP.\].*review.labels"):
        push_run(run_dir, settings)
    assert "pud-en-0099" in (run_dir / "review_queue.jsonl").read_text()
