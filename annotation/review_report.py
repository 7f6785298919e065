"""The review report: per sample, per reviewer, the audit, agreement and the machine's measured
accuracy. Pure: samples, answers and merge outcomes in, plain data out (pull writes it).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from parallelner.schema import ParallelSample, Status

from .agreement import Agreement, MachineAccuracy, SpanSet, agreement, machine_accuracy
from .merge import USABLE_DISCARD, MergeOutcome, ReviewAnswer, Span, apply_answer
from .verdicts import ATTENTION_KINDS, verdict

FINAL = ("submitted", "discarded")


@dataclass
class AuditResult:
    audited: int  # accepted samples sent to people
    reviewed: int  # of those, answered (submitted or discarded)
    changed: int  # of those, changed or discarded by people
    rate: float | None  # changed / reviewed


@dataclass
class ReviewerStats:
    reviewer: str
    answers: int = 0
    submitted: int = 0
    discarded: int = 0
    draft: int = 0
    merged: int = 0  # their answer was merged into the sample
    needs_attention: int = 0  # their answer was refused, conflicted or stale
    first_answer_at: str | None = None
    last_answer_at: str | None = None
    # Argilla records no time spent; the gap between one person's consecutive saves is the
    # closest measure (it includes pauses).
    median_seconds_between_answers: float | None = None


@dataclass
class SampleRow:
    id: str
    dataset: str
    audit: bool
    outcome: str
    verdict: str | None
    reason: str
    answers: list[dict] = field(default_factory=list)


def audit_result(queue: list[ParallelSample], outcomes: dict[str, MergeOutcome]) -> AuditResult:
    """How many accepted (audited) samples people answered, and how many of those they changed."""
    audited = [s.id for s in queue if s.status == Status.accepted]
    answered = [i for i in audited if outcomes.get(i) and outcomes[i].kind in
                ("unchanged", "changed", "rejected")]
    changed = sum(1 for i in answered if outcomes[i].changed)
    return AuditResult(len(audited), len(answered), changed,
                       changed / len(answered) if answered else None)


def _spans(sample: ParallelSample, answer: ReviewAnswer) -> SpanSet:
    chosen = answer.spans if answer.spans is not None else tuple(
        Span(t.start, t.end, t.label) for t in sample.target_entities)
    return frozenset((s.start, s.end, s.label) for s in chosen)


def _usable(answer: ReviewAnswer) -> str:
    return USABLE_DISCARD if answer.status == "discarded" else str(answer.usable)


def team_agreement(samples: dict[str, ParallelSample],
                   answers: dict[str, list[ReviewAnswer]]) -> Agreement:
    """Pairwise agreement over every record at least two people answered (pooled pairs)."""
    spans: list[tuple[SpanSet, SpanSet]] = []
    usable: list[tuple[str, str]] = []
    for sid, given in sorted(answers.items()):
        final = sorted((a for a in given if a.status in FINAL), key=lambda a: a.reviewer)
        for a, b in combinations(final, 2):
            usable.append((_usable(a), _usable(b)))
            if USABLE_DISCARD not in (_usable(a), _usable(b)):
                spans.append((_spans(samples[sid], a), _spans(samples[sid], b)))
    return agreement(spans, usable)


def machine_check(queue: list[ParallelSample],
                  answers: dict[str, list[ReviewAnswer]]) -> tuple[MachineAccuracy, int]:
    """Was the machine right on the audited accepted samples? Each valid answer votes (unchanged
    = right); a sample counts when its votes agree. Returns (accuracy, samples left undecided)."""
    correct = answered = undecided = 0
    for sample in queue:
        if sample.status != Status.accepted:
            continue
        votes = set()
        for a in answers.get(sample.id, []):
            if a.status in FINAL and a.shown_target == (sample.target_text or ""):
                kind = apply_answer(sample, a).kind
                if kind != "invalid":
                    votes.add(kind == "unchanged")
        if len(votes) == 1:
            answered += 1
            correct += votes.pop()
        elif votes:
            undecided += 1
    return machine_accuracy(correct, answered), undecided


def _seconds(stamps: list[str]) -> float | None:
    times = sorted(datetime.fromisoformat(s) for s in stamps)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    return round(statistics.median(gaps), 1) if gaps else None


def reviewer_stats(answers: dict[str, list[ReviewAnswer]],
                   outcomes: dict[str, MergeOutcome]) -> list[ReviewerStats]:
    stats: dict[str, ReviewerStats] = {}
    stamps: dict[str, list[str]] = defaultdict(list)
    for sid, given in answers.items():
        outcome = outcomes[sid]
        for a in given:
            s = stats.setdefault(a.reviewer, ReviewerStats(a.reviewer))
            s.answers += 1
            setattr(s, a.status, getattr(s, a.status) + 1)
            if a.answered_at:
                stamps[a.reviewer].append(a.answered_at)
            if a.status in FINAL and a.reviewer in outcome.reviewers:
                if outcome.kind in ATTENTION_KINDS:
                    s.needs_attention += 1
                elif outcome.kind != "pending":
                    s.merged += 1
            elif outcome.kind == "returned" and a.reviewer in outcome.reviewers:
                s.needs_attention += 1
    for name, s in stats.items():
        if stamps[name]:
            ordered = sorted(stamps[name])
            s.first_answer_at, s.last_answer_at = ordered[0], ordered[-1]
            s.median_seconds_between_answers = _seconds(stamps[name])
    return [stats[k] for k in sorted(stats)]


def sample_rows(queue: list[ParallelSample], datasets: dict[str, str],
                answers: dict[str, list[ReviewAnswer]],
                outcomes: dict[str, MergeOutcome]) -> list[SampleRow]:
    rows = []
    for s in queue:
        outcome = outcomes[s.id]
        want, reason = verdict(outcome)
        rows.append(SampleRow(
            s.id, datasets.get(s.id, ""), s.status == Status.accepted, outcome.kind, want, reason,
            [{"reviewer": a.reviewer, "status": a.status, "usable": a.usable,
              "answered_at": a.answered_at} for a in answers.get(s.id, [])]))
    return rows
