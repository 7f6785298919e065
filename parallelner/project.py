"""Projection mode: carry the source entities onto a translation the user already has.

Input records are ParallelSamples with the source side and a fixed ``target_text`` (what
``parallelner gold build`` writes, or a user's own parallel text). The model is asked, per record,
which words of that sentence render each source entity, in one of two answer styles
(``ProjectConfig.style``):

* ``list`` (default): one line per source entity naming its target words (``project_list.v1``);
  :func:`list_onto_given` locates them in the given text (exact, normalized, then fuzzy).
* ``inline``: the given sentence back unchanged with the source's tags inserted
  (``project.v1``); :func:`onto_given` checks the returned text against the given one,
  re-anchors the spans when the model changed a character or two (``projection_reanchored``)
  and keeps only unchanged spans when it rewrote the sentence (``projection_rewritten``, never
  accepted automatically).

Then the same alignment, validation, confidence and routing as translation mode run on the given
text (``align_parsed``). The output is ``parallelner align``'s format, so review and export work
unchanged; its ``target_text`` is always the given one. Records without source entities are not
sent to the model.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from .align import align_parsed, align_sample
from .align.matching import find_entity
from .align.tokens import tokenize
from .config import AlignConfig, ProjectConfig, Settings
from .errors import BudgetExceeded, InputError
from .io import iter_jsonl
from .llm.cache import ResponseCache
from .llm.ledger import Ledger
from .llm.runner import (
    Progress,
    RunReport,
    _no_progress,
    run_file_stage,
    run_stage,
    store_at,
    write_file_stage,
)
from .llm.service import LLMService, Outcome, attempt_for
from .llm.session import make_ledger
from .markup_parse import ParsedAnswer, TaggedSpan, parse_markup
from .reanchor import reanchor
from .schema import ParallelSample
from .tasks.project import ProjectTask, parse_list_answer

NOT_ATTEMPTED = "not attempted: the budget was reached before this call"


# ---------------------------------------------------------------- alignment (pure)


def edit_limit(given: str, cfg: ProjectConfig) -> int:
    """How many character edits still count as slips rather than a rewrite."""
    return max(cfg.max_edits, int(cfg.max_edit_share * len(given)))


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _unchanged_span(
    given: str, surface: str, where: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Where a span of a rewritten answer sits in the given text: its aligned place if the text
    there is the same, else the one place the surface occurs verbatim, else nowhere."""
    if where is not None and _norm(given[where[0]:where[1]]) == _norm(surface):
        return where
    first = given.find(surface)
    if first < 0 or given.find(surface, first + 1) >= 0:
        return None
    return first, first + len(surface)


def onto_given(parsed: ParsedAnswer, given: str, cfg: ProjectConfig) -> ParsedAnswer:
    """The parsed answer moved onto the given text, with a projection issue when they differ."""
    moved = reanchor(parsed.text, given, [(t.start, t.end) for t in parsed.spans])
    if moved.distance == 0:
        return parsed
    out = ParsedAnswer(text=given, codes={k: list(v) for k, v in parsed.codes.items()},
                       unclosed_at_end=parsed.unclosed_at_end)
    rewritten = moved.distance > edit_limit(given, cfg)
    for span, where in zip(parsed.spans, moved.spans, strict=True):
        if rewritten:
            where = _unchanged_span(given, parsed.text[span.start:span.end].strip(), where)
        if where is not None:
            out.spans.append(dataclasses.replace(span, start=where[0], end=where[1]))
    dropped = len(parsed.spans) - len(out.spans)
    what = f"{moved.distance} character edit(s) between the answer and the given translation"
    if rewritten:
        out.note("projection_rewritten", f"{what}; {dropped} span(s) not found unchanged dropped")
    else:
        lost = f"; {dropped} span(s) lost" if dropped else ""
        out.note("projection_reanchored", f"{what}; spans moved onto the given text{lost}")
    return out


def list_onto_given(sample: ParallelSample, given: str, align: AlignConfig) -> ParsedAnswer:
    """A list answer as tagged spans of the given text: each entity's words located there
    (exact, normalized, then fuzzy, never on a span already placed)."""
    answer = parse_list_answer(sample.response or "")
    out = ParsedAnswer(text=given)
    if not answer:
        out.note("projection_unparsed", "the answer names no target words for any entity")
        return out
    tokens = tokenize(given, sample.target_lang, align.zh_segmenter)
    taken: list[tuple[int, int]] = []
    for number, words in sorted(answer.items()):
        if not 1 <= number <= len(sample.source_entities):
            out.note("tag_id_unknown", f"line {number} names no source entity")
            continue
        hit = find_entity(words, given, tokens, taken, align.fuzzy_cutoff)
        if hit is None:
            out.note("projection_words_not_found",
                     f"entity {number}: {words!r} is not in the given translation")
            continue
        if hit.method == "fuzzy":
            out.note("projection_words_fuzzy", f"entity {number}: {words!r} matched "
                     f"{given[hit.start:hit.end]!r} only fuzzily (score {hit.score:.0f})")
        ent = sample.source_entities[number - 1]
        start, end = _name_inside(given, hit.start, hit.end, ent.surface(sample.source_text))
        if (start, end) != (hit.start, hit.end):
            out.note("projection_words_trimmed", f"entity {number}: {words!r} holds the source "
                     f"name verbatim; kept {given[start:end]!r}")
        out.spans.append(TaggedSpan(start, end, ent.label, number, "xml"))
        taken.append((start, end))
    return out


def _name_inside(text: str, start: int, end: int, name: str) -> tuple[int, int]:
    """Models name "Herr Evans" or "Präsident Prodi" for "Evans" / "Prodi": when the source name
    occurs verbatim, as whole words, inside the located words, the entity is that name (the
    annotation convention of the gold corpora); otherwise the located words stand."""
    name = name.strip()
    at = text.find(name, start, end) if name else -1
    if at < 0 or (at, at + len(name)) == (start, end):
        return start, end
    before_ok = at == start or not text[at - 1].isalnum()
    after = at + len(name)
    after_ok = after == end or not text[after].isalnum()
    return (at, after) if before_ok and after_ok else (start, end)


def align_projection(
    sample: ParallelSample, cfg: ProjectConfig, align: AlignConfig, style: str | None = None
) -> ParallelSample:
    """Parse, re-anchor and align one answered projection record (see the module docstring).

    ``style`` is the answer style the record was asked in (default: ``cfg.style``).
    """
    given = sample.target_text
    if given is None:
        raise InputError(f"sample {sample.id!r}: projection needs a target_text")
    if sample.response is None or not sample.response.strip():
        out = align_sample(sample, align)  # rejected: no answer
    else:
        if not sample.source_entities:
            parsed = ParsedAnswer(text=given)
        elif (style or cfg.style) == "list":
            parsed = list_onto_given(sample, given, align)
        else:
            parsed = onto_given(parse_markup(sample.response, sample.source_text), given, cfg)
        out = align_parsed(sample, parsed, align)
    # The text is given, not produced: a rejected answer still leaves the sentence in place.
    return out.model_copy(update={"target_text": given, "mode": "project"})


# ---------------------------------------------------------------- the LLM stage


def read_projection_input(path: str | Path) -> list[ParallelSample]:
    """Projection records; a bad line, a repeated id or a missing target_text names file and
    line."""
    out: list[ParallelSample] = []
    seen: dict[str, int] = {}
    for line in iter_jsonl(path, ParallelSample):
        rec = line.record
        if rec is None:
            raise InputError(line.error or "bad record", str(path), line.number)
        if rec.id in seen:
            raise InputError(f"sample id {rec.id!r} already appeared on line {seen[rec.id]}",
                             str(path), line.number)
        if not (rec.target_text or "").strip():
            raise InputError(f"sample {rec.id!r} has no target_text to project onto",
                             str(path), line.number)
        seen[rec.id] = line.number
        out.append(rec)
    return out


class Projector:
    """Asks the model for each record's tagged target sentence, through one LLM service."""

    def __init__(self, task: ProjectTask, service: LLMService, progress: Progress) -> None:
        self.task, self.service, self.progress = task, service, progress
        self.counts: Counter[str] = Counter()

    async def one(self, rec: ParallelSample) -> ParallelSample:
        if not rec.source_entities:  # nothing to carry over: the answer is the given text
            self.counts["no source entities (not asked)"] += 1
            self.progress(1)
            return rec.model_copy(update={"response": rec.target_text, "mode": "project"})
        request = self.task.request(rec)
        try:
            out: Outcome | None = await self.service.call(request, stage="project", ids=[rec.id])
            attempt = attempt_for("project", request, out)
        except BudgetExceeded:
            out, attempt = None, attempt_for("project", request, None, error=NOT_ATTEMPTED)
        response = out.completion.text if out and out.completion else None
        self.counts["answered" if response is not None else
                    ("not attempted" if out is None else "failed")] += 1
        self.progress(1)
        prov = rec.provenance.model_copy(update={
            "model": request.model, "prompt_version": request.prompt_version,
            "attempts": [*rec.provenance.attempts, attempt]})
        return rec.model_copy(update={"response": response, "mode": "project", "provenance": prov})


def project_records(
    records: Sequence[ParallelSample],
    settings: Settings,
    ledger: Ledger,
    cache: ResponseCache | None,
    *,
    progress: Progress = _no_progress,
    report: Callable[[str], None] = lambda _: None,
    counts: Counter[str] | None = None,
) -> list[ParallelSample]:
    """Ask, then align every record (in input order). The endpoint starts only if needed."""
    if not records:
        return []
    task = ProjectTask.from_settings(settings)
    if cache is not None:
        cache.check_prompt(task.prompt.name, task.prompt.sha256)
    done: list[ParallelSample | None] = [None] * len(records)
    run_stage(
        settings, ledger, cache,
        lambda service: Projector(task, service, progress),
        lambda p: (store_at(done, n, p.one(rec)) for n, rec in enumerate(records)),
        report=report, counts=counts,
    )
    aligned = [align_projection(r, settings.project, settings.align, task.style)
               for r in done if r is not None]
    if counts is not None:
        counts.update(f"status {r.status.value}" for r in aligned if r.status is not None)
        counts.update(i.code for r in aligned for i in r.issues if i.code.startswith("projection"))
    return aligned


def project_file(
    input_path: str | Path,
    output_path: str | Path,
    settings: Settings,
    *,
    use_cache: bool = True,
    ledger_path: str | Path | None = None,
    dry_run: bool = False,
    progress_factory: Callable[[int], Progress] | None = None,
    report: Callable[[str], None] = lambda _: None,
    on_estimate: Callable[[RunReport], None] = lambda _: None,
) -> RunReport:
    """Project ``input_path`` (ParallelSample JSONL with target_text) into ``output_path``."""
    records = read_projection_input(input_path)
    task = ProjectTask.from_settings(settings)
    ledger = make_ledger(settings, Path(ledger_path) if ledger_path else None, [task.model])
    rep = RunReport(stage="project", output=None if dry_run else Path(output_path),
                    samples=len(records))

    def work(cache: ResponseCache | None) -> list[ParallelSample]:
        progress = progress_factory(len(records)) if progress_factory else _no_progress
        return project_records(records, settings, ledger, cache, progress=progress,
                               report=report, counts=rep.counts)

    out = run_file_stage(
        rep, settings, ledger, prompts=[task.prompt], work=work, use_cache=use_cache,
        dry_run=dry_run, on_estimate=on_estimate,
        estimate=lambda: ((task.request(r), task.expected_output_tokens(r))
                          for r in records if r.source_entities),
    )
    if out is None:
        return rep.finish()
    if out:
        rep.prompt_tokens_per_sample = sum(
            a.prompt_tokens for r in out for a in r.provenance.attempts) / len(out)
    return write_file_stage(rep, settings, ledger, out, Path(output_path),
                            left="were not asked (rejected in the output)",
                            left_count="not attempted")


__all__ = [
    "Projector",
    "align_projection",
    "edit_limit",
    "onto_given",
    "project_file",
    "project_records",
    "read_projection_input",
]
