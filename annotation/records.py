"""ParallelSample <-> Argilla record. Record id = sample id in a per-run dataset (``run/sample``
in a dataset shared by runs), so pushing again updates, never duplicates, and runs never collide."""

from __future__ import annotations

from collections.abc import Mapping

import argilla as rg

from parallelner.schema import ParallelSample

from .dataset import (
    F_BACK,
    F_ENTITIES,
    F_SOURCE,
    F_TARGET,
    M_CONFIDENCE,
    M_DATASET,
    M_ENTITIES,
    M_ISSUES,
    M_PAIR,
    M_PRIORITY,
    M_RUN,
    M_SAMPLE,
    Q_SPANS,
    Q_TRANSLATION,
    Q_USABLE,
)
from .merge import ReviewAnswer, Span

NO_TRANSLATION = "(no translation: write one in the corrected translation box)"


def md_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~" else ch for ch in text)


def source_markdown(sample: ParallelSample) -> str:
    """The source sentence with each entity in bold and tagged with its number and label."""
    out: list[str] = []
    pos = 0
    order = sorted(range(len(sample.source_entities)),
                   key=lambda i: sample.source_entities[i].start)
    for i in order:
        ent = sample.source_entities[i]
        out.append(md_escape(sample.source_text[pos : ent.start]))
        out.append(f"**\\[{i + 1} {md_escape(ent.label)}\\] "
                   f"{md_escape(ent.surface(sample.source_text))}**")
        pos = ent.end
    out.append(md_escape(sample.source_text[pos:]))
    return "".join(out)


def entities_markdown(sample: ParallelSample) -> str:
    """A table: each source entity, the machine's span for it, its confidence; then the issues."""
    target = sample.target_text or ""
    by_source = {t.source_index: t for t in sample.target_entities}
    # Argilla draws table cells without padding: a non-breaking space after each header keeps
    # "#" and "label" apart (a plain space is trimmed by the Markdown parser).
    rows = ["| # &nbsp; | label &nbsp; | source &nbsp; | machine's span &nbsp; | confidence |",
            "|---|---|---|---|---|"]
    for i, ent in enumerate(sample.source_entities):
        span = by_source.get(i)
        found = md_escape(span.surface(target)) if span else "*(not found)*"
        conf = f"{span.confidence:.2f}" if span and span.confidence is not None else "–"
        cells = [str(i + 1), ent.label, md_escape(ent.surface(sample.source_text)), found, conf]
        rows.append("| " + " &nbsp; | ".join(cells) + " |")
    overall = "–" if sample.confidence is None else f"{sample.confidence:.2f}"
    lines = ["\n".join(rows), f"\n**sample confidence:** {overall}"]
    if sample.issues:
        lines.append("\n**issues:**\n" + "\n".join(
            f"- `{issue.code}` {md_escape(issue.message)}" for issue in sample.issues))
    return "\n".join(lines)


def _agent(sample: ParallelSample) -> str:
    model = sample.provenance.model or "unknown-model"
    version = sample.provenance.prompt_version or "unknown-prompt"
    return f"{model} / {version}"[:200]


def record_id(sample_id: str, run_id: str, shared: bool) -> str:
    """The record's id: the sample id, prefixed by the run when the dataset is shared by runs."""
    return f"{run_id}/{sample_id}" if shared else sample_id


def to_record(sample: ParallelSample, run_id: str = "", priority: int | None = None,
              shared: bool = False) -> rg.Record:
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
        M_SAMPLE: sample.id,
    }
    if run_id:
        metadata[M_RUN] = run_id
    if priority is not None:
        metadata[M_PRIORITY] = priority
    if sample.confidence is not None:
        metadata[M_CONFIDENCE] = sample.confidence
    codes = sorted({issue.code for issue in sample.issues})
    if codes:
        metadata[M_ISSUES] = codes
    fields = {F_SOURCE: source_markdown(sample), F_TARGET: target,
              F_ENTITIES: entities_markdown(sample)}
    if sample.back_translation:
        fields[F_BACK] = sample.back_translation
    return rg.Record(
        id=record_id(sample.id, run_id, shared),
        fields=fields,
        metadata=metadata,
        suggestions=suggestions,
    )


def answers_of(record: dict, usernames: Mapping[str, str]) -> list[ReviewAnswer]:
    """Every user's answer to a record as the REST API gives it (drafts included; the merge
    decides what counts), with who gave it and when."""
    text = record["fields"].get(F_TARGET) or ""
    shown = "" if text == NO_TRANSLATION else text
    answers = []
    for resp in sorted(record.get("responses") or [], key=lambda r: str(r["user_id"])):
        values = {name: (v or {}).get("value") for name, v in (resp.get("values") or {}).items()}
        raw_spans = values.get(Q_SPANS)
        spans = None
        if raw_spans is not None:
            spans = tuple(Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in raw_spans)
        translation = values.get(Q_TRANSLATION)
        user = str(resp["user_id"])
        answers.append(ReviewAnswer(
            reviewer=usernames.get(user, user),
            status=resp["status"],
            shown_target=shown,
            spans=spans,
            usable=values.get(Q_USABLE),  # type: ignore[arg-type]
            corrected_translation=translation if isinstance(translation, str) else None,
            answered_at=resp.get("updated_at"),
        ))
    return answers
