"""push -> answers through the SDK (as an annotator user) -> pull, against the real local
Argilla."""

from __future__ import annotations

import json
import shutil
import warnings

import pytest
from pydantic import SecretStr

from annotation.client import ReviewUnavailableError
from annotation.review import pull_run, push_run
from annotation.users import add_user
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
        update={"audit_fraction": AUDIT})})


def _names(report) -> dict[str, str]:
    """'en-zh', 'audit-en-zh', ... -> dataset name."""
    return {("audit-" if d.audit else "") + d.name[-5:]: d.name for d in report.datasets}


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
    names = _names(report)
    zh, de = names["en-zh"], names["en-de"]
    assert zh == f"{settings.review.dataset_prefix}-{run_dir.name}-en-zh"  # one per run
    assert names["audit-en-zh"] == f"{settings.review.dataset_prefix}-{run_dir.name}-audit-en-zh"
    # Most urgent first: the queue file and the records' priority say the same.
    assert [s.id for s in queue][:3] == ["pud-en-0003", "pud-en-0002", "europarl-en-0006"]

    records = _records(owner, settings, zh)
    assert set(records) == {"pud-en-0002", "pud-en-0003"}
    assert set(_records(owner, settings, names["audit-en-zh"])) == {"pud-en-0001", "pud-en-0004"}
    assert (records["pud-en-0003"].metadata["priority"],
            records["pud-en-0002"].metadata["priority"]) == (1, 2)
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
    assert rec.metadata["run"] == run_dir.name
    assert len(_records(owner, settings, de)) == 1
    assert len(_records(owner, settings, names["audit-en-de"])) == 3

    # An answer arrives; then the pipeline re-runs and changes that sample; push again.
    submit(owner, settings, de, "europarl-en-0006", annotator.user, usable="yes",
           spans=[{"start": 4, "end": 22, "label": "ORG"},
                  {"start": 43, "end": 51, "label": "LOC"}])
    samples = read_jsonl(run_dir / "aligned.jsonl", ParallelSample)
    samples = [s.model_copy(update={"confidence": 0.6}) if s.id == "europarl-en-0006" else s
               for s in samples]
    write_jsonl(run_dir / "aligned.jsonl", samples)
    again = push_run(run_dir, settings)
    assert {d.name: (d.sent, d.kept) for d in again.datasets if not d.audit} == {
        zh: (2, 0), de: (0, 1)}
    de_records = _records(owner, settings, de)
    assert len(de_records) == 1  # no duplicates
    kept = de_records["europarl-en-0006"]
    assert kept.metadata["confidence"] == 0.61  # the answered record was not overwritten
    [answer] = kept._model.responses
    assert answer.status == "submitted" and answer.user_id == annotator.user.id
    assert answer.values["spans"]["value"][0] == {"start": 4, "end": 22, "label": "ORG"}


def test_pull_merges_answers_and_measures_the_audit(run_dir, settings, owner, annotator, submit):
    report = push_run(run_dir, settings)
    names = _names(report)
    zh, de, zh_audit, de_audit = (names["en-zh"], names["en-de"], names["audit-en-zh"],
                                  names["audit-en-de"])
    who = annotator.user
    # 0002: the ORG span was cut short; the reviewer selects the whole name.
    submit(owner, settings, zh, "pud-en-0002", who, usable="fixed", spans=[
        {"start": 0, "end": 7, "label": "PER"}, {"start": 8, "end": 12, "label": "LOC"},
        {"start": 15, "end": 20, "label": "ORG"}])
    # 0003: the missing LOC is added.
    submit(owner, settings, zh, "pud-en-0003", who, usable="fixed", spans=[
        {"start": 0, "end": 2, "label": "ORG"}, {"start": 5, "end": 7, "label": "LOC"}])
    # 0001 (audited): a corrected translation, entities tagged by number.
    submit(owner, settings, zh_audit, "pud-en-0001", who, usable="fixed",
           corrected_translation='<PER id="1">奥巴马</PER>于2009年访问了<LOC id="2">巴黎</LOC>。')
    # 0004 (audited): fine as it is.
    submit(owner, settings, zh_audit, "pud-en-0004", who, usable="yes",
           spans=[{"start": 0, "end": 7, "label": "PER"}, {"start": 11, "end": 16, "label": "ORG"}])
    # 0006: discarded.  0009 (audited): only a draft.  0008 (audited): untouched.
    submit(owner, settings, de, "europarl-en-0006", who, usable="discard")
    submit(owner, settings, de_audit, "europarl-en-0009", who, status="draft", usable="fixed")
    # 0007 (audited): a plain corrected translation; the spans are found again in it.
    submit(owner, settings, de_audit, "europarl-en-0007", who, usable="fixed",
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
    written = json.loads((run_dir / "review_report.json").read_text())
    assert written["audit"] == {"audited": 5, "reviewed": 3, "changed": 2, "rate": 2 / 3}
    # The machine was right on 1 of 3 audited answers: silent-error rate 2/3, Wilson interval.
    assert written["silent_error_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert written["silent_error_ci95"] == "0.2077–0.9385"
    [person] = written["reviewers"]
    assert (person["reviewer"], person["answers"], person["submitted"], person["draft"],
            person["merged"]) == (annotator.username, 7, 6, 1, 6)
    rows = {r["id"]: r for r in map(json.loads,
                                    (run_dir / "review_samples.jsonl").read_text().splitlines())}
    assert rows["pud-en-0002"]["answers"][0]["reviewer"] == annotator.username
    assert rows["pud-en-0002"]["verdict"] == "merged" and rows["pud-en-0001"]["audit"]
    assert rows["pud-en-0002"]["answers"][0]["answered_at"]

    first = (run_dir / "reviewed.jsonl").read_bytes()
    pull_run(run_dir, settings)
    assert (run_dir / "reviewed.jsonl").read_bytes() == first  # pulling again changes nothing


def test_invalid_and_conflicting_answers_stay_in_review(
    run_dir, settings, owner, annotator, submit
):
    report = push_run(run_dir, settings)
    zh = _names(report)["en-zh"]
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

    # The verdicts are in Argilla: the refused answer went back to its annotator as a draft,
    # both records say "needs attention" with the reason, in metadata and on the record.
    records = _records(owner, settings, zh)
    r3, r2 = records["pud-en-0003"], records["pud-en-0002"]
    assert [r.status for r in r3._model.responses] == ["draft"]
    assert r3.metadata["verdict"] == "needs attention"
    assert r3.metadata["verdict_reason"].startswith(
        f"review_extra_span: review by {annotator.username}: span [5, 7) PER")
    assert r3.fields["entities"].startswith("**⚠ needs attention:** review\\_extra\\_span")
    assert r2.metadata["verdict"] == "needs attention"
    assert "reviewers disagree" in r2.metadata["verdict_reason"]
    assert result.returned == 1
    # Pulling again: the draft keeps the sample in review with the same reason (nothing lost).
    first = (run_dir / "reviewed.jsonl").read_bytes()
    again = pull_run(run_dir, settings)
    assert {a["id"]: a["outcome"] for a in again.attention}["pud-en-0003"] == "returned"
    assert (run_dir / "reviewed.jsonl").read_bytes() == first
    # The annotator fixes it and submits: merged, and the record says so.
    submit(owner, settings, zh, "pud-en-0003", annotator.user, usable="fixed", spans=[
        {"start": 0, "end": 2, "label": "ORG"}, {"start": 5, "end": 7, "label": "LOC"}])
    fixed = pull_run(run_dir, settings)
    assert "pud-en-0003" not in {a["id"] for a in fixed.attention}
    r3 = _records(owner, settings, zh)["pud-en-0003"]
    assert r3.metadata["verdict"] == "merged" and "verdict_reason" not in r3.metadata
    assert r3.fields["entities"].startswith("| #")


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


def test_runs_never_share_records_and_a_stale_answer_has_a_way_out(
    run_dir, settings, owner, annotator, submit
):
    # Two runs over the same source: each gets its own datasets (the default, dataset_per="run").
    other = run_dir.parent / f"{run_dir.name}-b"
    shutil.copytree(run_dir, other)
    a, b = _names(push_run(run_dir, settings)), _names(push_run(other, settings))
    assert set(a.values()).isdisjoint(b.values())
    submit(owner, settings, a["en-zh"], "pud-en-0002", annotator.user, usable="yes")
    push_run(other, settings)  # run B pushed again: run A's answer is untouched
    [kept] = _records(owner, settings, a["en-zh"])["pud-en-0002"]._model.responses
    assert kept.status == "submitted"

    # Run A's translation of 0002 changes after the answer: pull explains, push offers a way out.
    samples = read_jsonl(run_dir / "aligned.jsonl", ParallelSample)
    changed = "安格拉·默克尔在布鲁塞尔会见了欧洲委员会。"
    write_jsonl(run_dir / "aligned.jsonl", [
        s.model_copy(update={"target_text": changed}) if s.id == "pud-en-0002" else s
        for s in samples])
    result = pull_run(run_dir, settings)
    [stale] = [x for x in result.attention if x["id"] == "pud-en-0002"]
    assert stale["outcome"] == "stale" and "--replace-stale" in stale["detail"]
    report = push_run(run_dir, settings)
    assert {d.name: d.stale for d in report.datasets}[a["en-zh"]] == 1
    report = push_run(run_dir, settings, replace_stale=True)
    assert {d.name: d.sent for d in report.datasets}[a["en-zh"]] == 2
    fresh = _records(owner, settings, a["en-zh"])["pud-en-0002"]
    assert fresh.fields["target"] == changed and not fresh._model.responses


def test_run_folder_paths_are_relative_and_a_failed_push_keeps_the_last_success(
    run_dir, settings, owner, annotator, submit
):
    report = push_run(run_dir, settings)
    manifest = json.loads((run_dir / "review_push.json").read_text())
    assert manifest["input"] == "aligned.jsonl"
    pushed = manifest["last_push"]
    assert pushed["datasets"]["en-zh"] == _names(report)["en-zh"]
    submit(owner, settings, _names(report)["en-zh"], "pud-en-0003", annotator.user,
           usable="discard")

    # A copy of the run folder reads its own files, not the original's.
    copy = run_dir.parent / f"{run_dir.name}-copy"
    shutil.copytree(run_dir, copy)
    shutil.rmtree(run_dir)  # the original is gone: the copy must not need it
    pull_run(copy, settings)
    merged = {s.id: s for s in read_jsonl(copy / "reviewed.jsonl", ParallelSample)}
    assert "pud-en-0005" in merged and merged["pud-en-0003"].status == Status.rejected

    # A push that fails (Argilla unreachable) keeps the record of the push that worked.
    down = settings.model_copy(update={"review": settings.review.model_copy(
        update={"api_url": "http://127.0.0.1:9", "api_key": SecretStr("x")})})
    with pytest.raises(ReviewUnavailableError, match="last successful push"):
        push_run(copy, down)
    after = json.loads((copy / "review_push.json").read_text())
    assert after["pushed"] is False and after["last_push"] == pushed


def test_a_dataset_shared_by_runs_keeps_their_records_apart(run_dir, settings, owner, annotator,
                                                           submit):
    shared = settings.model_copy(update={"review": settings.review.model_copy(
        update={"dataset_per": "pair", "dataset_prefix": settings.review.dataset_prefix + "-p"})})
    other = run_dir.parent / f"{run_dir.name}-b"
    shutil.copytree(run_dir, other)
    a, b = _names(push_run(run_dir, shared)), _names(push_run(other, shared))
    assert a == b  # one dataset per pair ...
    records = _records(owner, shared, a["en-zh"])
    assert {f"{run_dir.name}/pud-en-0002", f"{other.name}/pud-en-0002"} <= set(records)
    submit(owner, shared, a["en-zh"], f"{run_dir.name}/pud-en-0002", annotator.user,
           usable="discard")
    # ... and each run's pull sees its own answers only.
    assert pull_run(run_dir, shared).outcomes.get("rejected") == 1
    assert "rejected" not in pull_run(other, shared).outcomes


def test_the_audit_needs_two_answers_once_the_team_has_two(run_dir, settings, owner):
    solo = settings.model_copy(update={"review": settings.review.model_copy(
        update={"workspace": settings.review.workspace + "-team"})})
    first = add_user(solo, f"solo-{run_dir.name[-6:]}")
    try:
        report = push_run(run_dir, solo)
        assert report.annotators == [first.username]
        assert {d.min_submitted for d in report.datasets} == {1}
        second = add_user(solo, f"duo-{run_dir.name[-6:]}")
        report = push_run(run_dir, solo)
        assert report.annotators == sorted([first.username, second.username])
        mins = {("audit-" if d.audit else "") + d.name[-5:]: d.min_submitted
                for d in report.datasets}
        assert mins == {"en-de": 1, "en-zh": 1, "audit-en-de": 2, "audit-en-zh": 2}
        ds = _dataset(owner, solo, _names(report)["audit-en-zh"])
        assert ds.settings.distribution.min_submitted == 2  # what Argilla itself holds
    finally:
        ws = owner.workspaces(solo.review.workspace)
        for listed in ws.datasets:
            listed.delete()
        for user in list(ws.users):
            ws.remove_user(user)
            owner.users(user.username).delete()
        ws.delete()
