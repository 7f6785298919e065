"""What pull writes back on each Argilla record: the merge's verdict and, when the answer cannot
be merged, the reason, so a reviewer sees it in Argilla (filter: verdict = "needs attention").
Pure: outcome in, metadata out.
"""

from __future__ import annotations

from typing import Any

from parallelner.schema import Issue

from .dataset import M_REASON, M_VERDICT, MERGED, NEEDS_ATTENTION
from .merge import MergeOutcome
from .records import md_escape

ATTENTION_KINDS = ("invalid", "conflict", "stale", "returned")
NOTICE_START, NOTICE_END = "**⚠ needs attention:** ", "\n\n---\n\n"


def verdict(outcome: MergeOutcome) -> tuple[str | None, str]:
    """(verdict, reason) for a record: "needs attention" with a reason, "merged", or nothing."""
    if outcome.kind in ("invalid", "returned"):
        issue = outcome.sample.issues[-1]
        return NEEDS_ATTENTION, f"{issue.code}: {issue.message}"
    if outcome.kind == "conflict":
        who = ", ".join(outcome.reviewers)
        return NEEDS_ATTENTION, (f"review_conflict: reviewers disagree ({who}); agree on one "
                                 "answer, or the owner submits the deciding one")
    if outcome.kind == "stale":
        return NEEDS_ATTENTION, f"review_stale: {outcome.detail}"
    if outcome.kind in ("unchanged", "changed", "rejected"):
        return MERGED, ""
    return None, ""


def returned_issue(metadata: dict[str, Any] | None) -> Issue | None:
    """The issue of an answer an earlier pull sent back (read from the record's metadata)."""
    meta = metadata or {}
    reason = str(meta.get(M_REASON) or "")
    if meta.get(M_VERDICT) != NEEDS_ATTENTION or not reason.startswith("review_"):
        return None
    code, _, message = reason.partition(": ")
    if code in ("review_conflict", "review_stale"):
        return None
    return Issue(code=code, message=message)


def updated_metadata(metadata: dict[str, Any] | None, outcome: MergeOutcome) -> dict | None:
    """The record's new metadata, or None when it already says what the outcome says."""
    meta = dict(metadata or {})
    want, reason = verdict(outcome)
    if (meta.get(M_VERDICT), str(meta.get(M_REASON) or "")) == (want, reason):
        return None
    meta.pop(M_VERDICT, None)
    meta.pop(M_REASON, None)
    if want:
        meta[M_VERDICT] = want
    if reason:
        meta[M_REASON] = reason
    return meta


def with_notice(entities: str, reason: str) -> str:
    """The entities field with the verdict's reason on top (or without any, for no reason), so
    the reviewer sees why the answer came back without opening the metadata."""
    if entities.startswith(NOTICE_START) and NOTICE_END in entities:
        entities = entities.split(NOTICE_END, 1)[1]
    return f"{NOTICE_START}{md_escape(reason)}{NOTICE_END}{entities}" if reason else entities
