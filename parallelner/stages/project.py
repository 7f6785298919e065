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

The task (build the request, parse the answer; pure, no I/O):
Ask which words of a given translation render each source entity.

Two answer styles (``ProjectConfig.style``): ``inline``, the given sentence back unchanged with
the source's tags inserted (``project.v1``); ``list``, one line per source entity naming its
target words (``project_list.v1``), parsed here by :func:`parse_list_answer`. One sentence per
request: numbered batches invite small models to merge or drop lines.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallelner.align import align_parsed, align_sample
from parallelner.align.matching import find_entity
from parallelner.align.tokens import tokenize
from parallelner.config import AlignConfig, ProjectConfig, Settings
from parallelner.errors import BudgetExceeded, InputError
from parallelner.io import iter_jsonl
from parallelner.llm.cache import ResponseCache
from parallelner.llm.client import Request
from parallelner.llm.endpoint import make_ledger
from parallelner.llm.ledger import Ledger, estimate_tokens
from parallelner.llm.service import LLMService, Outcome, attempt_for
from parallelner.markup.parse import ParsedAnswer, TaggedSpan, parse_markup
from parallelner.markup.reanchor import reanchor
from parallelner.markup.render import render_markup
from parallelner.prompts import PromptTemplate, load_prompt
from parallelner.schema import EntitySpan, ParallelSample
from parallelner.stages.languages import language_name
from parallelner.stages.scaffold import (
    Progress,
    RunReport,
    _no_progress,
    run_file_stage,
    run_stage,
    store_at,
    write_file_stage,
)
from parallelner.stages.translate import select_examples

_ONE_LINE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})  # same length: offsets survive


def projection_language(code: str) -> str:
    """Prompt name of a language. Chinese stays "Chinese": the given text may be traditional, and
    "Simplified Chinese" would invite the model to convert the characters (a rewrite)."""
    return "Chinese" if code == "zh" else language_name(code)


_LIST_LINE = re.compile(r"^\s*(\d+)\s*[.):]\s*(?:.*?)(?:->|=>|→)\s*(.*?)\s*$")
_NONE = {"", "(none)", "none", "-", "n/a", "(keine)", "(无)", "(無)"}
_QUOTES = "\"'“”„«»「」"


def parse_list_answer(answer: str) -> dict[int, str]:
    """``{entity id: target words}`` from a list answer; lines that say (none) or do not parse
    are left out (the aligner then searches the entity itself). LLM output is data: regexes only.
    """
    out: dict[int, str] = {}
    for line in answer.splitlines():
        m = _LIST_LINE.match(line)
        if m is None:
            continue
        words = m.group(2).strip().strip(_QUOTES).strip()
        if words.casefold() not in _NONE and int(m.group(1)) not in out:
            out[int(m.group(1))] = words
    return out


def entity_list(text: str, entities: Sequence[EntitySpan]) -> list[dict[str, Any]]:
    """The tags to place, in id order: {id, label, surface} (ids as ``render_markup`` numbers)."""
    return [{"id": i + 1, "label": e.label, "surface": e.surface(text)}
            for i, e in enumerate(entities)]


@dataclass(frozen=True)
class ProjectTask:
    prompt: PromptTemplate
    model: str
    style: str = "list"
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_settings(cls, settings: Settings) -> ProjectTask:
        return cls(
            prompt=load_prompt(settings.project.prompt),
            model=settings.llm.model,
            style=settings.project.style,
            temperature=settings.llm.temperature,
            max_tokens=settings.llm.max_tokens,
        )

    def request(self, sample: ParallelSample) -> Request:
        if sample.target_text is None:
            raise ValueError(f"sample {sample.id!r} has no target_text to project onto")
        shots: Sequence[dict[str, Any]] = select_examples(
            self.prompt.examples, sample.source_lang, sample.target_lang
        )
        messages = self.prompt.render(
            source_name=projection_language(sample.source_lang),
            target_name=projection_language(sample.target_lang),
            shots=shots,
            source=(render_markup(sample.source_text, sample.source_entities)
                    if self.style == "inline" else sample.source_text.translate(_ONE_LINE)),
            target=sample.target_text.translate(_ONE_LINE),
            entities=entity_list(sample.source_text, sample.source_entities),
        )
        return Request.of(
            messages,
            model=self.model,
            prompt_version=self.prompt.name,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
        )

    def expected_output_tokens(self, sample: ParallelSample) -> int:
        """For the pre-run estimate: inline, the given text plus ~8 tokens per tag pair; list,
        each entity's line (its source surface twice as a stand-in for the target words)."""
        if self.style == "list":
            n = sum(8 + 2 * estimate_tokens(e.surface(sample.source_text))
                    for e in sample.source_entities)
        else:
            n = estimate_tokens(sample.target_text or "") + 8 * len(sample.source_entities)
        return min(self.max_tokens, math.ceil(n * 1.1))


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
