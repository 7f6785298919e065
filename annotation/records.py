"""ParallelSample <-> Argilla record. Record id = sample id, so pushing again updates, never
duplicates."""

from __future__ import annotations

from collections.abc import Mapping

import argilla as rg

from parallelner.schema import ParallelSample

from .dataset import (
    F_ENTITIES,
    F_SOURCE,
    F_TARGET,
    M_CONFIDENCE,
    M_DATASET,
    M_ENTITIES,
    M_ISSUES,
    M_PAIR,
    Q_SPANS,
    Q_TRANSLATION,
    Q_USABLE,
)
from .merge import ReviewAnswer, Span

NO_TRANSLATION = "(no translation: write one in the corrected translation box)"


def _md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~" else ch for ch in text)


def source_markdown(sample: ParallelSample) -> str:
    """The source sentence with each entity in bold and tagged with its number and label."""
    out: list[str] = []
    pos = 0
    order = sorted(range(len(sample.source_entities)),
                   key=lambda i: sample.source_entities[i].start)
    for i in order:
        ent = sample.source_entities[i]
        out.append(_md_escape(sample.source_text[pos : ent.start]))
        out.append(f"**\\[{i + 1} {_md_escape(ent.label)}\\] "
                   f"{_md_escape(ent.surface(sample.source_text))}**")
        pos = ent.end
    out.append(_md_escape(sample.source_text[pos:]))
    return "".join(out)


def entities_markdown(sample: ParallelSample) -> str:
    """A table: each source entity, the machine's span for it, its confidence; then the issues."""
    target = sample.target_text or ""
    by_source = {t.source_index: t for t in sample.target_entities}
    rows = ["| # | label | source | machine's span | confidence |", "|---|---|---|---|---|"]
    for i, ent in enumerate(sample.source_entities):
        span = by_source.get(i)
        found = _md_escape(span.surface(target)) if span else "*(not found)*"
        conf = f"{span.confidence:.2f}" if span and span.confidence is not None else "–"
        rows.append(f"| {i + 1} | {ent.label} | {_md_escape(ent.surface(sample.source_text))} "
                    f"| {found} | {conf} |")
    overall = "–" if sample.confidence is None else f"{sample.confidence:.2f}"
    lines = ["\n".join(rows), f"\n**sample confidence:** {overall}"]
    if sample.issues:
        lines.append("\n**issues:**\n" + "\n".join(
            f"- `{issue.code}` {_md_escape(issue.message)}" for issue in sample.issues))
    return "\n".join(lines)


def _agent(sample: ParallelSample) -> str:
    model = sample.provenance.model or "unknown-model"
    version = sample.provenance.prompt_version or "unknown-prompt"
    return f"{model} / {version}"[:200]


def to_record(sample: ParallelSample) -> rg.Record:
    """The Argilla record for a sample: fields, metadata, and the pipeline's spans as
    suggestions."""
    target = sample.target_text or NO_TRANSLATION
    suggestions = []
    if sample.target_entities:
        fallback = sample.confidence if sample.confidence is not None else 0.0
        suggestions.append(rg.Suggestion(
            question_name=Q_SPANS,
            value=[{"start": t.start, "end": t.end, "label": t.label}
                   for t in sample.target_entities],
            score=[t.confidence if t.confidence is not None else fallback
                   for t in sample.target_entities],
            agent=_agent(sample),
            type="model",
        ))
    if sample.target_text:
        suggestions.append(rg.Suggestion(question_name=Q_TRANSLATION, value=sample.target_text,
                                         agent=_agent(sample), type="model"))
    metadata: dict[str, object] = {
        M_PAIR: f"{sample.source_lang}-{sample.target_lang}",
        M_DATASET: (sample.source.dataset if sample.source and sample.source.dataset
                    else "unknown"),
        M_ENTITIES: len(sample.source_entities),
    }
    if sample.confidence is not None:
        metadata[M_CONFIDENCE] = sample.confidence
    codes = sorted({issue.code for issue in sample.issues})
    if codes:
        metadata[M_ISSUES] = codes
    return rg.Record(
        id=sample.id,
        fields={F_SOURCE: source_markdown(sample), F_TARGET: target,
                F_ENTITIES: entities_markdown(sample)},
        metadata=metadata,
        suggestions=suggestions,
    )


def shown_target(record: rg.Record) -> str:
    text = record.fields[F_TARGET]
    return "" if text == NO_TRANSLATION else text


def answers_of(record: rg.Record, usernames: Mapping[str, str]) -> list[ReviewAnswer]:
    """Every user's answer to a record (drafts included; the merge decides what counts)."""
    by_user: dict[str, dict[str, object]] = {}
    statuses: dict[str, str] = {}
    # The raw response models: the SDK's Response list drops answers without values (a discard).
    for model in record._model.responses or []:
        user = str(model.user_id)
        by_user[user] = {name: v.get("value") for name, v in (model.values or {}).items()}
        statuses[user] = str(getattr(model.status, "value", model.status))
    answers = []
    for user, values in sorted(by_user.items()):
        raw_spans = values.get(Q_SPANS)
        spans = None
        if raw_spans is not None:
            spans = tuple(Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in raw_spans)
        translation = values.get(Q_TRANSLATION)
        answers.append(ReviewAnswer(
            reviewer=usernames.get(user, user),
            status=statuses[user],  # type: ignore[arg-type]
            shown_target=shown_target(record),
            spans=spans,
            usable=values.get(Q_USABLE),  # type: ignore[arg-type]
            corrected_translation=translation if isinstance(translation, str) else None,
        ))
    return answers
