"""Push samples to Argilla for human review and pull the people's answers back into the run.

Run-folder convention (``RUN`` = ``outputs/<run-id>/``; the run id is the folder name):

- ``RUN/aligned.jsonl``        input: aligned/refined ``ParallelSample`` records (``--input``
                               overrides)
- ``RUN/review_queue.jsonl``   written by push *before* Argilla is contacted: every sample sent to
                               people (status ``review`` + the audited ``accepted`` ones), as the
                               pipeline made them. If Argilla is down the queue stays, nothing lost.
- ``RUN/review_push.json``     what push did: input path, audit fraction, datasets, counts.
- ``RUN/reviewed.jsonl``       written by pull: all input records, reviewed ones merged
                               (provenance ``reviewed_by="human"``), discarded ones ``rejected``.
- ``RUN/review_report.json``   written by pull: outcome counts, the audit result (how many accepted
                               samples people changed), and the ids that need attention.

Pushing again sends new or changed samples and skips records that already have an answer in
Argilla (record id = sample id: no duplicates, no submitted answer overwritten). Pulling again
recomputes the same merge from the input and the answers.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import argilla as rg

from parallelner import ontology
from parallelner.config import Settings
from parallelner.errors import ConfigError, InputError
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import ParallelSample, Status

from .client import ReviewUnavailableError, argilla_errors, connect, endpoint
from .dataset import build_settings, dataset_name, missing_labels
from .merge import MergeOutcome, merge_review
from .records import answers_of, to_record
from .selection import select_for_review

INPUT_NAME = "aligned.jsonl"
QUEUE_NAME = "review_queue.jsonl"
PUSH_NAME = "review_push.json"
REVIEWED_NAME = "reviewed.jsonl"
REPORT_NAME = "review_report.json"
BATCH = 100

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class DatasetPush:
    name: str
    url: str
    queued: int
    sent: int
    kept: int  # already answered in Argilla: left untouched


@dataclass
class PushReport:
    run: str
    input: str
    queue: str
    samples: int
    review: int
    audit: int
    datasets: list[DatasetPush] = field(default_factory=list)


@dataclass
class AuditResult:
    audited: int  # accepted samples sent to people
    reviewed: int  # of those, answered (submitted or discarded)
    changed: int  # of those, changed or discarded by people
    rate: float | None  # changed / reviewed


@dataclass
class PullReport:
    run: str
    reviewed_file: str
    samples: int
    queued: int
    outcomes: dict[str, int]
    audit: AuditResult
    attention: list[dict[str, str]] = field(default_factory=list)


def _pairs(samples: list[ParallelSample]) -> dict[tuple[str, str], list[ParallelSample]]:
    groups: dict[tuple[str, str], list[ParallelSample]] = defaultdict(list)
    for s in samples:
        groups[(s.source_lang, s.target_lang)].append(s)
    return dict(groups)


def _require_dir(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise InputError("run folder not found", str(run_dir))


def _schemes(samples: list[ParallelSample]) -> list[str]:
    return sorted({s.source.label_scheme for s in samples if s.source} & set(ontology.schemes()))


def _labels(settings: Settings, samples: list[ParallelSample]) -> list[str]:
    """Every label of the samples' label schemes (Argilla cannot add labels later), and any other
    label the samples or the settings name."""
    found = {e.label for s in samples for e in s.source_entities}
    found |= {t.label for s in samples for t in s.target_entities}
    for name in _schemes(samples):
        found |= set(ontology.labels(name))
    return sorted(found | set(settings.review.labels))


@contextlib.contextmanager
def _quiet():
    """The SDK warns on every lookup that finds nothing and draws a tqdm bar per batch: we
    report."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore", UserWarning)
        yield


def _find_workspace(client: rg.Argilla, name: str) -> rg.Workspace | None:
    with _quiet():
        return client.workspaces(name)


def _find_dataset(client: rg.Argilla, name: str, workspace: rg.Workspace) -> rg.Dataset | None:
    with _quiet():
        return client.datasets(name, workspace=workspace)


def _workspace(client: rg.Argilla, name: str) -> rg.Workspace:
    workspace = _find_workspace(client, name)
    if workspace is None:
        workspace = rg.Workspace(name=name, client=client).create()
    return workspace


def _dataset(client: rg.Argilla, settings: Settings, name: str, pair: tuple[str, str],
             labels: list[str], schemes: list[str]) -> rg.Dataset:
    workspace = _workspace(client, settings.review.workspace)
    found = _find_dataset(client, name, workspace)
    if found is None:
        ds = rg.Dataset(name=name, workspace=workspace, client=client,
                        settings=build_settings(labels, schemes, pair[0], pair[1], client))
        return ds.create()
    lacking = missing_labels(found, labels)
    if lacking:
        raise ConfigError(
            f"Argilla dataset {name!r} was created without the labels {lacking} that these samples "
            "use, and Argilla cannot add labels later: list every label in review.labels and use "
            "a new dataset (review.dataset_prefix, or review.dataset_per = 'run')")
    return found


def _answered_ids(ds: rg.Dataset) -> set[str]:
    return {str(r.id) for r in ds.records(with_suggestions=False, with_responses=True)
            if r._model.responses}


def push_run(run_dir: Path, settings: Settings, input_path: Path | None = None,
             progress: Progress | None = None) -> PushReport:
    """Write the review queue, then send it to Argilla (see the module docstring)."""
    run_dir = Path(run_dir)
    _require_dir(run_dir)
    source = Path(input_path) if input_path else run_dir / INPUT_NAME
    samples = read_jsonl(source, ParallelSample)
    queue = select_for_review(samples, settings.review.audit_fraction)
    queue_path = run_dir / QUEUE_NAME
    write_jsonl(queue_path, queue)
    audit = sum(1 for s in queue if s.status == Status.accepted)
    report = PushReport(run_dir.name, str(source), str(queue_path), len(samples),
                        len(queue) - audit, audit)
    manifest = {"input": str(source.resolve()), "audit_fraction": settings.review.audit_fraction,
                "queued": len(queue), "pushed": False, "datasets": {}}
    _write_json(run_dir / PUSH_NAME, manifest)
    if not queue:
        return report

    try:
        _send(run_dir, settings, queue, report, manifest, progress)
    except ReviewUnavailableError as exc:
        raise ReviewUnavailableError(
            f"{exc}\nNothing is lost: the review queue ({len(queue)} samples) is kept in "
            f"{queue_path}; push again when Argilla is up.") from exc
    manifest.update(pushed=True, pushed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    _write_json(run_dir / PUSH_NAME, manifest)
    return report


def _send(run_dir: Path, settings: Settings, queue: list[ParallelSample], report: PushReport,
          manifest: dict, progress: Progress | None) -> None:
    client = connect(settings)
    url = endpoint(settings)[0]
    done = 0
    with argilla_errors(url):
        for pair, group in sorted(_pairs(queue).items()):
            name = dataset_name(settings.review, pair[0], pair[1], run_dir.name)
            ds = _dataset(client, settings, name, pair, _labels(settings, group), _schemes(group))
            answered = _answered_ids(ds)
            fresh = [s for s in group if s.id not in answered]
            for start in range(0, len(fresh), BATCH):
                chunk = fresh[start : start + BATCH]
                with _quiet():
                    ds.records.log([to_record(s) for s in chunk])
                done += len(chunk)
                if progress:
                    progress(done, len(queue))
            done += len(group) - len(fresh)
            if progress:
                progress(done, len(queue))
            report.datasets.append(DatasetPush(name, f"{url}/dataset/{ds.id}/annotation-mode",
                                               len(group), len(fresh), len(group) - len(fresh)))
            manifest["datasets"][f"{pair[0]}-{pair[1]}"] = name


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _usernames(client: rg.Argilla) -> dict[str, str]:
    try:
        return {str(u.id): u.username for u in client.users}
    except Exception:  # noqa: BLE001 - a non-owner key may not list users: ids then stand in
        return {}


def _read_manifest(run_dir: Path) -> dict:
    path = run_dir / PUSH_NAME
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"unreadable ({exc})", str(path)) from exc


def audit_result(queue: list[ParallelSample], outcomes: dict[str, MergeOutcome]) -> AuditResult:
    """How many accepted (audited) samples people answered, and how many of those they changed."""
    audited = [s.id for s in queue if s.status == Status.accepted]
    answered = [i for i in audited if outcomes.get(i) and outcomes[i].kind in
                ("unchanged", "changed", "rejected")]
    changed = sum(1 for i in answered if outcomes[i].changed)
    return AuditResult(len(audited), len(answered), changed,
                       changed / len(answered) if answered else None)


def pull_run(run_dir: Path, settings: Settings, input_path: Path | None = None,
             progress: Progress | None = None) -> PullReport:
    """Read submitted answers and write ``reviewed.jsonl`` and ``review_report.json``."""
    run_dir = Path(run_dir)
    _require_dir(run_dir)
    queue_path = run_dir / QUEUE_NAME
    if not queue_path.exists():
        raise InputError("no review queue here: run `parallelner review push RUN` first",
                         str(queue_path))
    queue = read_jsonl(queue_path, ParallelSample)
    manifest = _read_manifest(run_dir)
    source = Path(input_path or manifest.get("input") or run_dir / INPUT_NAME)
    samples = read_jsonl(source, ParallelSample)
    current = {s.id: s for s in samples}

    client = connect(settings)
    url = endpoint(settings)[0]
    outcomes: dict[str, MergeOutcome] = {}
    with argilla_errors(url):
        users = _usernames(client)
        workspace = _find_workspace(client, settings.review.workspace)
        done = 0
        for pair, group in sorted(_pairs(queue).items()):
            name = manifest.get("datasets", {}).get(f"{pair[0]}-{pair[1]}") or dataset_name(
                settings.review, pair[0], pair[1], run_dir.name)
            ds = _find_dataset(client, name, workspace) if workspace else None
            if ds is None:
                raise InputError(f"Argilla has no dataset {name!r} in workspace "
                                 f"{settings.review.workspace!r}: push first", str(queue_path))
            wanted = {s.id for s in group}
            records = {str(r.id): r for r in ds.records(with_suggestions=False, with_responses=True)
                       if str(r.id) in wanted}
            for s in group:
                base = current.get(s.id, s)
                record = records.get(s.id)
                answers = answers_of(record, users) if record is not None else []
                outcomes[s.id] = merge_review(base, answers)
                done += 1
                if progress:
                    progress(done, len(queue))

    merged = [outcomes[s.id].sample if s.id in outcomes else s for s in samples]
    merged_ids = {s.id for s in samples}
    merged += [o.sample for i, o in outcomes.items() if i not in merged_ids]  # queued, not in input
    reviewed_path = run_dir / REVIEWED_NAME
    write_jsonl(reviewed_path, merged)
    attention = [{"id": i, "outcome": o.kind, "detail": o.detail,
                  "reviewers": ", ".join(o.reviewers)}
                 for i, o in outcomes.items() if o.kind in ("invalid", "conflict", "stale")]
    report = PullReport(run_dir.name, str(reviewed_path), len(merged), len(queue),
                        dict(Counter(o.kind for o in outcomes.values())),
                        audit_result(queue, outcomes), attention)
    _write_json(run_dir / REPORT_NAME, asdict(report))
    return report
