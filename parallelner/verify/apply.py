"""Put a round trip's findings on a sample: issues, lower confidence, status, the
back-translation itself (shown to the reviewer). Pure, no I/O."""

from __future__ import annotations

from ..align.issues import Action, code_info
from ..config import AlignConfig, VerifyConfig
from ..schema import Issue, ParallelSample, Status
from .backtranslate import BackTranslation, parse_back
from .codes import VERIFY_CODES
from .compare import Finding, compare

_SEVERITY = {Status.accepted: 0, Status.review: 1, Status.refine: 2, Status.rejected: 3}
_BY_ACTION = {Action.note: None, Action.review: Status.review, Action.refine: Status.refine,
              Action.reject: Status.rejected}


def _action(code: str) -> Action:
    return VERIFY_CODES[code].action if code in VERIFY_CODES else code_info(code).action


def findings_for(sample: ParallelSample, back_reply: str | None,
                 config: VerifyConfig) -> tuple[list[Finding], BackTranslation | None]:
    """What the round trip shows for one sample (an empty or missing reply shows nothing)."""
    if not back_reply or not back_reply.strip():
        return [Finding("roundtrip_unavailable", "no back-translation came back")], None
    back = parse_back(back_reply, sample)
    if not back.text:
        return [Finding("roundtrip_unavailable", "the back-translation was empty after "
                        "parsing")], back
    return compare(sample, back, config)[0], back


def apply(sample: ParallelSample, back_reply: str | None, config: VerifyConfig | None = None,
          align: AlignConfig | None = None) -> ParallelSample:
    """A copy of ``sample`` with the round trip's issues: confidence multiplied by (1 - penalty)
    once per new code, span confidence of a named entity too, status raised to the worst new
    code's action (refine: back to the LLM with the message), or to review when the confidence
    falls below the accept threshold. A rejected sample stays rejected."""
    config = config or VerifyConfig()
    align = align or AlignConfig()
    findings, back = findings_for(sample, back_reply, config)
    out = sample.model_copy(deep=True)
    out.back_translation = back.text if back is not None else None
    out.issues = [*out.issues, *(Issue(code=f.code, message=f.message,
                                       entity_index=f.entity_index) for f in findings)]
    factor = 1.0
    for code in {f.code for f in findings}:
        factor *= 1.0 - VERIFY_CODES[code].penalty
    if out.confidence is not None:
        out.confidence = round(out.confidence * factor, 4)
    hit = {f.entity_index: VERIFY_CODES[f.code].penalty for f in findings
           if f.entity_index is not None}
    out.target_entities = [
        t.model_copy(update={"confidence": round(t.confidence * (1.0 - hit[t.source_index]), 4)})
        if t.source_index in hit and t.confidence is not None else t
        for t in out.target_entities]
    out.status = _route(out.status, {f.code for f in findings}, out.confidence, align)
    return out


def _route(status: Status | None, codes: set[str], confidence: float | None,
           align: AlignConfig) -> Status | None:
    if status is None:
        return None
    worst = max((_action(c) for c in codes), default=Action.note)
    new = _BY_ACTION[worst]
    if new is None and status == Status.accepted and confidence is not None \
            and confidence < align.accept_threshold:
        new = Status.review
    if new is not None and _SEVERITY[new] > _SEVERITY[status]:
        return new
    return status
