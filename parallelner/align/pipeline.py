"""``align_sample``: one raw LLM answer in, one validated, scored, routed sample out. Pure logic."""

from __future__ import annotations

from parallelner.markup.parse import ParsedAnswer, parse_markup

from ..config import AlignConfig
from ..schema import Issue, ParallelSample, Status, TargetSpan
from .assign import assign_tags, search_untagged, snap_graphemes, trim_all
from .bounds import check_bounds
from .confidence import route, sample_confidence, span_confidence
from .context import Context, Finding
from .issues import code_info
from .rules import RULES


def _issues(findings: list[Finding]) -> list[Issue]:
    """One Issue per (code, entity): repeated findings are merged into one message."""
    merged: dict[tuple[str, int | None], list[str]] = {}
    for f in findings:
        code_info(f.code)  # unknown codes fail loudly
        merged.setdefault((f.code, f.entity_index), []).append(f.message)
    out = []
    for (code, index), messages in merged.items():
        unique = list(dict.fromkeys(messages))
        message = unique[0] if len(unique) == 1 else f"{unique[0]} (+{len(unique) - 1} more)"
        out.append(Issue(code=code, message=message, entity_index=index))
    return out


def _rejected(sample: ParallelSample, code: str, message: str) -> ParallelSample:
    return sample.model_copy(update={
        "target_text": None, "target_entities": [], "confidence": 0.0, "status": Status.rejected,
        "issues": [Issue(code=code, message=message)],
    })


def _out_of_bounds(sample: ParallelSample, config: AlignConfig) -> ParallelSample | None:
    """The sample rejected for its size (``bounds.py``), else None. A projection keeps its given
    translation (its input); a translation's target text is an output and is cleared."""
    issue = check_bounds(sample, config)
    if issue is None:
        return None
    return sample.model_copy(update={
        "target_text": sample.target_text if sample.mode == "project" else None,
        "target_entities": [], "confidence": 0.0, "status": Status.rejected, "issues": [issue],
    })


def answer_finish_reason(sample: ParallelSample) -> str | None:
    """How the call that wrote ``sample.response`` ended: the last attempt whose raw answer is the
    response; else the last attempt (a refine span round stores the entity list it answered,
    not the re-tagged sentence). None when nothing was recorded."""
    attempts = sample.provenance.attempts
    if not attempts:
        return None
    made = [a for a in attempts if a.response is not None and a.response == sample.response]
    return (made or attempts)[-1].finish_reason


def align_parsed(
    sample: ParallelSample, parsed: ParsedAnswer, config: AlignConfig
) -> ParallelSample:
    """Align an already parsed answer (the entry point for callers that parse themselves)."""
    rejected = _out_of_bounds(sample, config)
    if rejected is not None:
        return rejected
    if not parsed.text.strip():
        return _rejected(sample, "empty_response", "no translation text is left after parsing")
    ctx = Context(
        source_lang=sample.source_lang,
        target_lang=sample.target_lang,
        source_text=sample.source_text,
        source_entities=list(sample.source_entities),
        parsed=parsed,
        config=config,
        finish_reason=answer_finish_reason(sample),
    )
    for code, messages in parsed.codes.items():
        message = (messages[0] if len(messages) == 1
                   else f"{messages[0]} (+{len(messages) - 1} more)")
        ctx.add(code, message)
    assign_tags(ctx)
    trim_all(ctx)
    search_untagged(ctx)
    snap_graphemes(ctx)
    for rule in RULES:
        rule.check(ctx)
    confidence = sample_confidence(ctx)
    codes = {f.code for f in ctx.findings}
    targets = [
        TargetSpan(start=p.start, end=p.end, label=ctx.source_entities[i].label, source_index=i,
                   confidence=span_confidence(p))
        for i, p in sorted(ctx.placed.items(), key=lambda kv: (kv[1].start, kv[1].end))
        if p.end > p.start
    ]
    return sample.model_copy(update={
        "target_text": parsed.text,
        "target_entities": targets,
        "confidence": confidence,
        "status": route(codes, confidence, config),
        "issues": _issues(ctx.findings),
    })


def align_sample(sample: ParallelSample, config: AlignConfig) -> ParallelSample:
    """Parse ``sample.response`` (the raw LLM answer), align, validate, score and route it.

    Returns a copy with ``target_text``, ``target_entities`` (label from the source entity,
    ``source_index`` 0-based, span confidence), ``confidence``, ``status`` and ``issues`` set.
    Earlier alignment results on the input are replaced, never merged. A sample beyond
    ``config.bounds`` is rejected first (``check_bounds``), its answer left unparsed.
    """
    rejected = _out_of_bounds(sample, config)
    if rejected is not None:
        return rejected
    if sample.response is None or not sample.response.strip():
        return _rejected(sample, "empty_response", "the sample has no LLM answer")
    parsed = parse_markup(sample.response, sample.source_text)
    return align_parsed(sample, parsed, config)
