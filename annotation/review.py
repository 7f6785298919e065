"""Push samples to Argilla for human review and pull the people's answers back into the run.

Run-folder convention (``RUN`` = ``outputs/<run-id>/``; the run id is the folder name):

- ``RUN/aligned.jsonl``        input: aligned/refined ``ParallelSample`` records (``--input``
                               overrides)
- ``RUN/review_queue.jsonl``   written by push *before* Argilla is contacted: every sample sent to
                               people (status ``review`` + the audited ``accepted`` ones), most
                               urgent first. If Argilla is down the queue stays, nothing lost.
- ``RUN/review_push.json``     what push did: input path (relative to RUN when inside it, so a
                               copied or moved run folder reads its own files), audit fraction,
                               and ``last_push``: datasets and time of the last push that
                               succeeded (a failed push never erases it).
- ``RUN/reviewed.jsonl``       written by pull: all input records, reviewed ones merged
                               (provenance ``reviewed_by="human"``, ``reviewer`` = usernames),
                               discarded ones ``rejected``.
- ``RUN/review_report.json``   written by pull: outcome counts, the audit (how many accepted
                               samples people changed), the machine's measured accuracy and
                               silent-error rate (Wilson 95 % interval), inter-annotator agreement,
                               per-reviewer figures, and the ids that need attention.
- ``RUN/review_samples.jsonl`` written by pull: one row per queued sample: outcome, verdict,
                               reason, and every answer (who, status, "usable", when).

Datasets: one per run and language pair (``review.dataset_per = "run"``, the default), so runs
never overwrite each other's records; with ``"pair"`` runs share a dataset and record ids carry
the run id. Audited accepted samples go to a separate ``…-audit-…`` dataset whose records need two
submitted answers when the workspace has two or more annotators (Argilla task distribution), which
is what agreement is measured on. Records are pushed most urgent first and numbered (metadata
``priority``); the printed link opens the dataset sorted by it.

Pushing again sends new or changed samples and skips records that already have an answer
(no submitted answer overwritten). Pull writes its verdict back on each record: an answer it
cannot merge is returned to its reviewer (their response becomes a draft) with metadata
``verdict = "needs attention"`` and ``verdict_reason``. Pulling again recomputes the same merge.
"""

from __future__ import annotations

import json
import time
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

from . import rawapi
from .agreement import Agreement, MachineAccuracy
from .client import ReviewUnavailableError, argilla_errors, connect, endpoint
from .dataset import F_ENTITIES, F_TARGET, M_PRIORITY, build_settings, dataset_name, missing_labels
from .merge import MergeOutcome, ReviewAnswer, merge_review
from .records import NO_TRANSLATION, answers_of, record_id, to_record
from .review_report import (
    AuditResult,
    ReviewerStats,
    audit_result,
    machine_check,
    reviewer_stats,
    sample_rows,
    team_agreement,
)
from .selection import priority_order, select_for_review
from .users import annotators
from .verdicts import ATTENTION_KINDS, returned_issue, updated_metadata, verdict, with_notice
from .workspace import find_dataset, find_workspace, quiet, workspace

INPUT_NAME = "aligned.jsonl"
QUEUE_NAME = "review_queue.jsonl"
PUSH_NAME = "review_push.json"
REVIEWED_NAME = "reviewed.jsonl"
REPORT_NAME = "review_report.json"
SAMPLES_NAME = "review_samples.jsonl"
BATCH = 100
AUDIT_KEY = "/audit"

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class DatasetPush:
    name: str
    url: str
    queued: int
    sent: int
    kept: int  # already answered in Argilla: left untouched
    stale: int = 0  # answered on a translation the run no longer has
    audit: bool = False
    min_submitted: int = 1  # submitted answers Argilla needs per record


@dataclass
class PushReport:
    run: str
    input: str
    queue: str
    samples: int
    review: int
    audit: int
    datasets: list[DatasetPush] = field(default_factory=list)
    annotators: list[str] = field(default_factory=list)


@dataclass
class PullReport:
    run: str
    reviewed_file: str
    samples: int
    queued: int
    outcomes: dict[str, int]
    audit: AuditResult
    attention: list[dict[str, str]] = field(default_factory=list)
    machine: MachineAccuracy | None = None
    agreement: Agreement | None = None
    undecided: int = 0  # audited samples whose reviewers disagreed on whether it was right
    reviewers: list[ReviewerStats] = field(default_factory=list)
    returned: int = 0  # answers sent back to their reviewer by this pull


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


def _dataset(client: rg.Argilla, settings: Settings, name: str, pair: tuple[str, str],
             labels: list[str], schemes: list[str], min_submitted: int) -> rg.Dataset:
    ws = workspace(client, settings.review.workspace)
    found = find_dataset(client, name, ws)
    if found is None:
        ds = rg.Dataset(name=name, workspace=ws, client=client,
                        settings=build_settings(labels, schemes, pair[0], pair[1], client,
                                                min_submitted))
        with quiet():
            return ds.create()
    lacking = missing_labels(found, labels)
    if lacking:
        raise ConfigError(
            f"Argilla dataset {name!r} was created without the labels {lacking} that these samples "
            "use, and Argilla cannot add labels later: list every label in review.labels and use "
            "a new dataset (review.dataset_prefix, or review.dataset_per = 'run')")
    if found.settings.distribution.min_submitted != min_submitted and not _answered(client, found):
        # The team grew (or shrank) since the dataset was made: nobody answered yet, so the
        # number of answers per record can still change.
        found.settings.distribution = rg.TaskDistribution(min_submitted=min_submitted)
        with quiet():
            found.update()
    return found


def _relative(path: Path, run_dir: Path) -> str:
    """A path inside the run folder relative to it (the folder can be copied or moved)."""
    try:
        return str(path.resolve().relative_to(run_dir.resolve()))
    except ValueError:
        return str(path.resolve())


def _last_push(manifest: dict) -> dict | None:
    """The last successful push recorded in a manifest (older manifests kept it at the top)."""
    if manifest.get("last_push"):
        return manifest["last_push"]
    if manifest.get("pushed") and manifest.get("datasets"):
        return {"at": manifest.get("pushed_at"), "datasets": manifest["datasets"]}
    return None


def push_run(run_dir: Path, settings: Settings, input_path: Path | None = None,
             progress: Progress | None = None, replace_stale: bool = False) -> PushReport:
    """Write the review queue, then send it to Argilla (see the module docstring).

    ``replace_stale``: records answered on a translation the run no longer has are deleted
    (with those answers) and sent again with the current translation.
    """
    run_dir = Path(run_dir)
    _require_dir(run_dir)
    source = Path(input_path) if input_path else run_dir / INPUT_NAME
    samples = read_jsonl(source, ParallelSample)
    queue = priority_order(select_for_review(samples, settings.review.audit_fraction))
    queue_path = run_dir / QUEUE_NAME
    write_jsonl(queue_path, queue)
    audit = sum(1 for s in queue if s.status == Status.accepted)
    report = PushReport(run_dir.name, str(source), str(queue_path), len(samples),
                        len(queue) - audit, audit)
    last = _last_push(_read_manifest(run_dir))
    manifest = {"input": _relative(source, run_dir),
                "audit_fraction": settings.review.audit_fraction, "queued": len(queue),
                "pushed": False, "last_push": last}
    _write_json(run_dir / PUSH_NAME, manifest)
    if not queue:
        return report

    datasets: dict[str, str] = {}
    try:
        _send(run_dir, settings, queue, report, datasets, progress, replace_stale)
    except ReviewUnavailableError as exc:
        kept = (f" The record of the last successful push ({last.get('at')}) is kept in "
                f"{run_dir / PUSH_NAME}." if last else "")
        raise ReviewUnavailableError(
            f"{exc}\nNothing is lost: the review queue ({len(queue)} samples) is kept in "
            f"{queue_path}; push again when Argilla is up.{kept}") from exc
    manifest.update(pushed=True, last_push={
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "queued": len(queue), "datasets": datasets,
        "annotators": report.annotators})
    _write_json(run_dir / PUSH_NAME, manifest)
    return report


def _answered(client: rg.Argilla, ds: rg.Dataset) -> dict[str, dict]:
    """Records that have any answer, by record id (external id)."""
    return {str(r["external_id"]): r for r in rawapi.iter_records(client, ds.id)
            if r.get("responses")}


def _shown(record: dict) -> str:
    text = record["fields"].get(F_TARGET) or ""
    return "" if text == NO_TRANSLATION else text


def dataset_url(url: str, ds: rg.Dataset) -> str:
    """The annotation view of a dataset, sorted by priority (most urgent first)."""
    return f"{url}/dataset/{ds.id}/annotation-mode?sort=metadata.{M_PRIORITY}.asc"


def _send(run_dir: Path, settings: Settings, queue: list[ParallelSample], report: PushReport,
          datasets: dict[str, str], progress: Progress | None, replace_stale: bool) -> None:
    client = connect(settings)
    url = endpoint(settings)[0]
    run = run_dir.name
    shared = settings.review.dataset_per == "pair"
    priority = {s.id: i + 1 for i, s in enumerate(queue)}
    done = 0
    with argilla_errors(url):
        report.annotators = annotators(client, settings.review.workspace)
        overlap = 2 if len(report.annotators) >= 2 else 1
        for pair, group in sorted(_pairs(queue).items()):
            labels, schemes = _labels(settings, group), _schemes(group)
            for audit in (False, True):
                part = [s for s in group if (s.status == Status.accepted) == audit]
                if not part:
                    continue
                name = dataset_name(settings.review, pair[0], pair[1], run, audit=audit)
                ds = _dataset(client, settings, name, pair, labels, schemes,
                              overlap if audit else 1)
                answered = _answered(client, ds)
                fresh, stale = [], []
                for s in part:
                    found = answered.get(record_id(s.id, run, shared))
                    if found is None:
                        fresh.append(s)
                    elif _shown(found) != (s.target_text or ""):
                        stale.append((s, found))
                if replace_stale and stale:
                    rawapi.delete_records(client, ds.id, [str(r["id"]) for _, r in stale])
                    fresh = sorted([*fresh, *(s for s, _ in stale)], key=lambda s: priority[s.id])
                for start in range(0, len(fresh), BATCH):
                    chunk = fresh[start : start + BATCH]
                    with quiet():
                        ds.records.log([to_record(s, run, priority[s.id], shared) for s in chunk])
                    done += len(chunk)
                    if progress:
                        progress(done, len(queue))
                done += len(part) - len(fresh)
                if progress:
                    progress(done, len(queue))
                report.datasets.append(DatasetPush(
                    name, dataset_url(url, ds), len(part), len(fresh), len(part) - len(fresh),
                    len(stale), audit, ds.settings.distribution.min_submitted))
                datasets[f"{pair[0]}-{pair[1]}{AUDIT_KEY if audit else ''}"] = name


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


def _input_of(run_dir: Path, manifest: dict, input_path: Path | None) -> Path:
    if input_path:
        return Path(input_path)
    recorded = manifest.get("input")
    if not recorded:
        return run_dir / INPUT_NAME
    path = Path(recorded)
    return path if path.is_absolute() else run_dir / path


def _write_back(record: dict, outcome: MergeOutcome) -> dict | None:
    """The update that puts the merge's verdict on a record, or None when it already has it.
    A refused answer also goes back to its reviewer: it becomes a draft, in their queue again."""
    meta = record.get("metadata")
    new_meta = updated_metadata(meta, outcome)
    if new_meta is None:
        return None
    fields = {**record["fields"], F_ENTITIES: with_notice(record["fields"].get(F_ENTITIES) or "",
                                                          verdict(outcome)[1])}
    drafts = ([r for r in record.get("responses") or [] if r["status"] == "submitted"]
              if outcome.kind == "invalid" else [])
    return rawapi.record_update(record, new_meta, fields, drafts)


def pull_run(run_dir: Path, settings: Settings, input_path: Path | None = None,
             progress: Progress | None = None) -> PullReport:
    """Read the answers, merge them, write the verdicts back on the records, and write
    ``reviewed.jsonl``, ``review_report.json`` and ``review_samples.jsonl``."""
    run_dir = Path(run_dir)
    _require_dir(run_dir)
    queue_path = run_dir / QUEUE_NAME
    if not queue_path.exists():
        raise InputError("no review queue here: run `parallelner review push RUN` first",
                         str(queue_path))
    queue = read_jsonl(queue_path, ParallelSample)
    manifest = _read_manifest(run_dir)
    samples = read_jsonl(_input_of(run_dir, manifest, input_path), ParallelSample)
    current = {s.id: s for s in samples}
    known = (_last_push(manifest) or {}).get("datasets", {})
    shared = settings.review.dataset_per == "pair"
    run = run_dir.name

    client = connect(settings)
    url = endpoint(settings)[0]
    outcomes: dict[str, MergeOutcome] = {}
    answers: dict[str, list[ReviewAnswer]] = {}
    where: dict[str, str] = {}
    returned = 0
    with argilla_errors(url):
        users = _usernames(client)
        ws = find_workspace(client, settings.review.workspace)
        done = 0
        for pair, group in sorted(_pairs(queue).items()):
            for audit in (False, True):
                part = [s for s in group if (s.status == Status.accepted) == audit]
                if not part:
                    continue
                key = f"{pair[0]}-{pair[1]}{AUDIT_KEY if audit else ''}"
                if audit and known and not any(k.endswith(AUDIT_KEY) for k in known):
                    key = key[: -len(AUDIT_KEY)]  # pushed before audits had their own dataset
                name = known.get(key) or dataset_name(settings.review, pair[0], pair[1], run,
                                                      audit=audit)
                ds = find_dataset(client, name, ws) if ws else None
                if ds is None:
                    raise InputError(f"Argilla has no dataset {name!r} in workspace "
                                     f"{settings.review.workspace!r}: push first", str(queue_path))
                wanted = {record_id(s.id, run, shared): s.id for s in part}
                records = {wanted[str(r["external_id"])]: r
                           for r in rawapi.iter_records(client, ds.id)
                           if str(r["external_id"]) in wanted}
                updates = []
                for s in part:
                    base = current.get(s.id, s)
                    record = records.get(s.id)
                    given = answers_of(record, users) if record is not None else []
                    answers[s.id], where[s.id] = given, name
                    meta = record.get("metadata") if record else None
                    outcome = merge_review(base, given, returned_issue(meta))
                    outcomes[s.id] = outcome
                    update = _write_back(record, outcome) if record is not None else None
                    if update is not None:
                        updates.append(update)
                        returned += len(update.get("responses", []))
                    done += 1
                    if progress:
                        progress(done, len(queue))
                rawapi.update_records(client, ds.id, updates)

    merged = [outcomes[s.id].sample if s.id in outcomes else s for s in samples]
    merged_ids = {s.id for s in samples}
    merged += [o.sample for i, o in outcomes.items() if i not in merged_ids]  # queued, not in input
    reviewed_path = run_dir / REVIEWED_NAME
    write_jsonl(reviewed_path, merged)
    attention = [{"id": i, "outcome": o.kind, "detail": o.detail,
                  "reviewers": ", ".join(o.reviewers)}
                 for i, o in outcomes.items() if o.kind in ATTENTION_KINDS]
    machine, undecided = machine_check(queue, answers)
    report = PullReport(run_dir.name, str(reviewed_path), len(merged), len(queue),
                        dict(Counter(o.kind for o in outcomes.values())),
                        audit_result(queue, outcomes), attention, machine,
                        team_agreement({s.id: current.get(s.id, s) for s in queue}, answers),
                        undecided, reviewer_stats(answers, outcomes), returned)
    _write_json(run_dir / REPORT_NAME, {**card_fields(report), **asdict(report)})
    rows = sample_rows(queue, where, answers, outcomes)
    (run_dir / SAMPLES_NAME).write_text(
        "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return report


def card_fields(report: PullReport) -> dict[str, object]:
    """Scalar figures at the top of the report: what the run report and the dataset card print."""
    m, a = report.machine, report.agreement
    out: dict[str, object] = {"audit_answered": m.answered if m else 0}
    if m and m.silent_error_rate is not None:
        out["silent_error_rate"] = round(m.silent_error_rate, 4)
        out["silent_error_ci95"] = (f"{m.silent_error_ci95[0]:.4f}–{m.silent_error_ci95[1]:.4f}"
                                    if m.silent_error_ci95 else "")
    if a and a.records:
        out["agreement_records"] = a.records
        if a.span_f1 is not None:
            out["agreement_span_f1"] = round(a.span_f1, 4)
        if a.usable_kappa is not None:
            out["agreement_usable_kappa"] = round(a.usable_kappa, 4)
    return out
