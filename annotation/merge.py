"""Merge people's answers into samples: pure logic, no I/O, no Argilla.

A reviewer answers three questions about a sample (see ``guidelines.md``): the entity spans on the
translation (pre-filled with the pipeline's), whether the translation is usable (yes / fixed /
discard), and optionally a corrected translation. The rules, in order:

- no submitted (or discarded) answer: nothing changes (drafts are left alone);
- the translation shown to the reviewer is not the sample's current one: ``stale``, nothing changes;
- several submitted answers that disagree: ``conflict``, the sample stays in review;
- "discard" (or Argilla's own Discard): the sample becomes ``rejected``, reviewed by a human;
- otherwise the corrected spans (and corrected translation) replace the pipeline's output, after
  the same checks the aligner applies (every source entity exactly once, labels from the source,
  spans inside the text and not overlapping). A corrected translation takes its spans from inline
  tags ``<LABEL id="N">…</LABEL>`` when it has them, else each span's text is looked up in it.
  An answer that fails a check is ``invalid``: the sample stays in review with the reason as an
  issue, so the reviewer can fix the answer in Argilla and the next pull merges it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Literal

from parallelner.schema import Attempt, Issue, ParallelSample, Provenance, Status, TargetSpan

USABLE_YES, USABLE_FIXED, USABLE_DISCARD = "yes", "fixed", "discard"
AnswerStatus = Literal["submitted", "discarded", "draft"]
OutcomeKind = Literal["pending", "unchanged", "changed", "rejected", "invalid", "stale", "conflict",
                      "returned"]


@dataclass(frozen=True)
class Span:
    """A labelled character span as Argilla's span question gives it."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class ReviewAnswer:
    """One person's answer to one record, as read back from Argilla."""

    reviewer: str
    status: AnswerStatus
    shown_target: str
    spans: tuple[Span, ...] | None = None
    usable: str | None = None
    corrected_translation: str | None = None
    answered_at: str | None = None  # when Argilla last saved the answer (ISO 8601)


@dataclass
class MergeOutcome:
    sample: ParallelSample
    kind: OutcomeKind
    reviewers: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def changed(self) -> bool:
        """Did people change the pipeline's output (what the audit counts)?"""
        return self.kind in ("changed", "rejected")


class InvalidAnswer(ValueError):
    """An answer that cannot become a valid sample; ``code`` becomes the issue code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# ---- corrected translations with inline tags ---------------------------------------------------
_TAG = re.compile(r"""<([A-Za-z][\w.-]*)\s+id\s*=\s*["']?(\d+)["']?\s*>(.*?)</\1\s*>""", re.S)
_STRAY_TAG = re.compile(r"</?[A-Za-z][\w.-]*(\s[^<>]*)?>")


def parse_tagged(text: str) -> tuple[str, list[tuple[int, int, str, int]]]:
    """Strip ``<LABEL id="N">…</LABEL>`` tags: (plain text, [(start, end, label, N)]).

    Strict on purpose (a person typed it and can fix it): a tag that is not of this exact form is
    an error, never guessed at.
    """
    plain: list[str] = []
    spans: list[tuple[int, int, str, int]] = []
    pos = 0
    length = 0
    for match in _TAG.finditer(text):
        before = text[pos : match.start()]
        inner = match.group(3)
        for piece in (before, inner):
            stray = _STRAY_TAG.search(piece)
            if stray:
                raise InvalidAnswer("review_bad_markup", f"unreadable tag {stray.group(0)!r}")
        plain.append(html.unescape(before))
        length += len(plain[-1])
        surface = html.unescape(inner)
        spans.append((length, length + len(surface), match.group(1), int(match.group(2))))
        plain.append(surface)
        length += len(surface)
        pos = match.end()
    rest = text[pos:]
    stray = _STRAY_TAG.search(rest)
    if stray:
        raise InvalidAnswer("review_bad_markup", f"unreadable tag {stray.group(0)!r}")
    plain.append(html.unescape(rest))
    return "".join(plain), spans


# ---- mapping reviewer spans onto source entities -----------------------------------------------
def _overlap(a: Span, b: TargetSpan) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def assign_sources(sample: ParallelSample, spans: list[Span]) -> list[TargetSpan]:
    """Tie each reviewer span to the source entity it translates.

    First by overlap with a pipeline span of the same label (its ``source_index`` is kept), then,
    for what is left, by label when exactly one span and one source entity of that label remain.
    """
    labels = [e.label for e in sample.source_entities]
    used: set[int] = set()
    chosen: dict[int, int] = {}
    for i, span in enumerate(spans):
        best = max(
            (t for t in sample.target_entities
             if t.label == span.label and t.source_index not in used and _overlap(span, t) > 0),
            key=lambda t: _overlap(span, t),
            default=None,
        )
        if best is not None:
            chosen[i] = best.source_index
            used.add(best.source_index)
    for label in sorted({s.label for s in spans}):
        open_spans = [i for i, s in enumerate(spans) if s.label == label and i not in chosen]
        open_sources = [j for j, lab in enumerate(labels) if lab == label and j not in used]
        if not open_spans:
            continue
        if not open_sources:
            first = spans[open_spans[0]]
            raise InvalidAnswer(
                "review_extra_span",
                f"span [{first.start}, {first.end}) {label} matches no {label} entity of the "
                "source",
            )
        if len(open_spans) > 1 or len(open_sources) > 1:
            raise InvalidAnswer(
                "review_ambiguous_span",
                f"{len(open_spans)} new {label} spans for {len(open_sources)} {label} source "
                f"entities: mark them in the corrected translation with id tags",
            )
        chosen[open_spans[0]] = open_sources[0]
        used.add(open_sources[0])
    out = [TargetSpan(start=s.start, end=s.end, label=s.label, source_index=chosen[i],
                      confidence=1.0)
           for i, s in enumerate(spans)]
    return sorted(out, key=lambda t: t.source_index)


def validate(sample: ParallelSample, text: str, spans: list[TargetSpan]) -> None:
    """The aligner's structural checks on a human result: raise InvalidAnswer on the first
    failure."""
    labels = [e.label for e in sample.source_entities]
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        if cur.start < prev.end:
            raise InvalidAnswer("review_overlap", f"spans [{prev.start}, {prev.end}) and "
                                f"[{cur.start}, {cur.end}) overlap")
    for s in spans:
        if s.end > len(text) or not text[s.start : s.end].strip():
            raise InvalidAnswer("review_bad_span", f"span [{s.start}, {s.end}) is empty or "
                                "outside the translation")
        if s.source_index >= len(labels):
            raise InvalidAnswer("review_extra_span",
                                f"id {s.source_index + 1} is not a source entity")
        if labels[s.source_index] != s.label:
            raise InvalidAnswer("review_label_changed", f"span {text[s.start:s.end]!r} is labelled "
                                f"{s.label} but source entity {s.source_index + 1} is "
                                f"{labels[s.source_index]}")
    seen = [s.source_index for s in spans]
    duplicated = sorted({i + 1 for i in seen if seen.count(i) > 1})
    if duplicated:
        raise InvalidAnswer("review_duplicate_entity", f"source entities {duplicated} marked twice")
    missing = [i + 1 for i in range(len(labels)) if i not in seen]
    if missing:
        raise InvalidAnswer("review_missing_entity", f"source entities {missing} "
                            f"({', '.join(labels[i - 1] for i in missing)}) are not marked in the "
                            "translation")


def _project(old_text: str, spans: list[TargetSpan], new_text: str) -> list[TargetSpan]:
    """Find each span's text in a corrected translation, left to right (exact match only)."""
    out: list[TargetSpan] = []
    cursor = 0
    for s in sorted(spans, key=lambda s: s.start):
        surface = old_text[s.start : s.end]
        at = new_text.find(surface, cursor)
        if at < 0:
            at = new_text.find(surface)
        if at < 0:
            raise InvalidAnswer("review_span_not_found", f"{surface!r} ({s.label}) is not in the "
                                "corrected translation: tag it there as <LABEL id=\"N\">…</LABEL>")
        out.append(s.model_copy(update={"start": at, "end": at + len(surface)}))
        cursor = at + len(surface)
    return out


def _pipeline_spans(sample: ParallelSample) -> list[Span]:
    return [Span(t.start, t.end, t.label) for t in sample.target_entities]


def proposed_target(sample: ParallelSample, answer: ReviewAnswer) -> tuple[str, list[TargetSpan]]:
    """The target text and spans an answer asks for (raises InvalidAnswer)."""
    old_text = sample.target_text or ""
    chosen = list(answer.spans) if answer.spans is not None else _pipeline_spans(sample)
    corrected = (answer.corrected_translation or "").strip()
    if corrected and corrected != old_text:
        plain, tags = parse_tagged(corrected)
        if tags:
            labels = [e.label for e in sample.source_entities]
            spans = []
            for start, end, label, n in tags:
                if not 1 <= n <= len(labels):
                    raise InvalidAnswer("review_extra_span", f"tag id {n} is not a source entity")
                spans.append(TargetSpan(start=start, end=end, label=label, source_index=n - 1,
                                        confidence=1.0))
            return plain, sorted(spans, key=lambda t: t.source_index)
        if plain != old_text:
            return plain, _project(old_text, assign_sources(sample, chosen), plain)
    return old_text, assign_sources(sample, chosen)


def _span_key(spans: list[TargetSpan]) -> list[tuple[int, int, str, int]]:
    return sorted((s.start, s.end, s.label, s.source_index) for s in spans)


def _answer_note(answer: ReviewAnswer) -> str:
    return json.dumps({
        "status": answer.status, "usable": answer.usable,
        "spans": None if answer.spans is None else [vars(s) for s in answer.spans],
        "corrected_translation": answer.corrected_translation,
    }, ensure_ascii=False)


def _reviewed(
    sample: ParallelSample, reviewers: list[str], note: str, **update: object
) -> ParallelSample:
    attempt = Attempt(stage="review", model="human", response=note)
    provenance = Provenance(
        model=sample.provenance.model,
        prompt_version=sample.provenance.prompt_version,
        attempts=[*sample.provenance.attempts, attempt],
        reviewed_by="human",
        reviewer=", ".join(reviewers),
    )
    return sample.model_copy(update={"provenance": provenance, **update})


def apply_answer(sample: ParallelSample, answer: ReviewAnswer) -> MergeOutcome:
    """What one submitted answer makes of a sample."""
    who = [answer.reviewer]
    note = _answer_note(answer)
    if answer.status == "discarded" or answer.usable == USABLE_DISCARD:
        issue = Issue(code="review_discarded", message=f"discarded by {answer.reviewer}")
        return MergeOutcome(_reviewed(sample, who, note, status=Status.rejected,
                                      issues=[*sample.issues, issue]), "rejected", who)
    try:
        text, spans = proposed_target(sample, answer)
        validate(sample, text, spans)
    except InvalidAnswer as exc:
        issue = Issue(code=exc.code, message=f"review by {answer.reviewer}: {exc}")
        return MergeOutcome(_needs_review(sample, issue), "invalid", who, str(exc))
    same = text == sample.target_text and _span_key(spans) == _span_key(sample.target_entities)
    merged = _reviewed(sample, who, note, target_text=text, target_entities=spans,
                       confidence=1.0, status=Status.accepted, issues=[])
    return MergeOutcome(merged, "unchanged" if same else "changed", who)


def _needs_review(sample: ParallelSample, issue: Issue) -> ParallelSample:
    kept = [i for i in sample.issues if not i.code.startswith("review_")]
    return sample.model_copy(update={"status": Status.review, "issues": [*kept, issue]})


STALE = ("the reviewer answered the translation that was pushed, but the run's samples now hold "
         "another one (the run changed after the push); the answer is not merged. Either "
         "`parallelner review push RUN --replace-stale` (sends the current translation; the old "
         "answer is dropped), or restore the samples that were pushed")


def merge_review(sample: ParallelSample, answers: list[ReviewAnswer],
                 returned: Issue | None = None) -> MergeOutcome:
    """Apply the people's answers to one sample (see the module docstring for the rules).

    ``returned``: the issue of an answer an earlier pull refused and sent back to its reviewer
    (now a draft): while no new answer is submitted the sample stays in review with that issue.
    """
    final = [a for a in answers if a.status in ("submitted", "discarded")]
    if not final:
        if returned is not None:
            who = sorted(a.reviewer for a in answers)
            return MergeOutcome(_needs_review(sample, returned), "returned", who,
                                returned.message)
        return MergeOutcome(sample, "pending")
    who = sorted(a.reviewer for a in final)
    if any(a.shown_target != (sample.target_text or "") for a in final):
        return MergeOutcome(sample, "stale", who, STALE)
    outcomes = [apply_answer(sample, a) for a in final]
    results = {(o.kind, o.sample.target_text, tuple(_span_key(o.sample.target_entities)),
                o.sample.status) for o in outcomes}
    if len(results) > 1:
        issue = Issue(code="review_conflict", message=f"reviewers disagree: {', '.join(who)}")
        return MergeOutcome(_needs_review(sample, issue), "conflict", who, "reviewers disagree")
    outcome = outcomes[0]
    if outcome.kind != "invalid" and len(final) > 1:
        outcome.sample.provenance.reviewer = ", ".join(who)
        outcome.reviewers = who
    return outcome
