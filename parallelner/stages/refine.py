"""Stage 3: samples that alignment marked ``refine`` go back to the LLM, round by round.

Each round asks for a repair, by one rule (``round_mode``): a model's first round fixes the
spans when every problem is span-level (the model translates each entity at fault and the code
tags that text in the previous answer, see ``RefineTask`` below); a sentence-level problem
(untranslated, cut off, too short, wrong language, broken markup) and every later round rewrite
the whole sentence (with the entity translations learnt so far as hints). So ``--rounds 1``
always spends its round on a kind of repair that can fix the sample. The result is validated
again by the same function alignment uses (``parallelner.align.align_sample``, injected so the
loop can be tested and reused). The loop stops when a round is accepted or good enough for
review; after ``refine_rounds`` rounds with the model it goes on with ``refine_model`` if one is
set (a stronger model, as the published pipeline did). A sample that never passes keeps its best
round and goes to human review with the issue ``refine_exhausted``. Each round sees the latest
answer; a round that would repeat an earlier question exactly (the model gave the same answer
again) is skipped, since it could only get the same answer back.

Every round is an ``Attempt`` in provenance, with the model's raw answer (for a span round, the
numbered entity translations; the sample's ``response`` is then the previous answer with those
spans tagged). Samples with another status pass through unchanged;
a budget stop leaves the samples it did not reach as they were (still ``refine``), so a rerun
resumes, with the finished rounds from the cache.

The task (build the request, parse the answer; pure, no I/O):
Repair a translation that failed validation.

Two kinds of round, in the spirit of the published ParallelNER pipeline:

- ``spans`` rewrites only the missing or wrong entity spans. The model is asked for the
  translation of each entity at fault (a short, easy question even for a small model); the code
  then tags that text where it already stands in the previous answer, or replaces the content of
  a wrongly tagged span. Nothing else of the sentence changes.
- ``sentence`` asks for the whole translation again, with the issues, and the entity
  translations learnt in the span round as hints, so that it contains every entity, tagged.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from parallelner.config import LLMConfig, Settings
from parallelner.errors import BudgetExceeded, ConfigError
from parallelner.io import read_jsonl
from parallelner.llm.cache import ResponseCache
from parallelner.llm.client import Completion, Request
from parallelner.llm.endpoint import make_ledger
from parallelner.llm.ledger import Ledger, estimate_tokens
from parallelner.llm.service import LLMService, answered, attempt_for
from parallelner.markup.render import render_markup
from parallelner.prompts import PromptTemplate, load_prompt
from parallelner.schema import Attempt, Issue, ParallelSample, Status
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
from parallelner.stages.translate import select_examples, split_numbered

Mode = Literal["spans", "sentence"]
NOT_PLACED = "none of the entity translations could be placed in the previous answer"
_TAG = re.compile(r'<([A-Za-z][\w-]*) id="(\d+)">(.*?)</\1>', re.DOTALL)
_ANY_TAG = re.compile(r"</?[A-Za-z][\w-]*(?: id=\"\d+\")?>")


def describe_issue(sample: ParallelSample, issue: Issue) -> str:
    """One line per problem, naming the entity by its tag so the model can find it."""
    what = issue.message or issue.code
    idx = issue.entity_index
    if idx is not None and 0 <= idx < len(sample.source_entities):
        ent = sample.source_entities[idx]
        surface = ent.surface(sample.source_text)
        return f'<{ent.label} id="{idx + 1}">{surface}</{ent.label}>: {what}'
    return what


def faulty_entities(sample: ParallelSample) -> list[int]:
    """0-based indices of the source entities that issues point at, in order."""
    n = len(sample.source_entities)
    return sorted({i.entity_index for i in sample.issues
                   if i.entity_index is not None and 0 <= i.entity_index < n})


def parse_span_answer(reply: str, k: int) -> list[str] | None:
    """The K entity translations of a span answer (tags the model added are dropped)."""
    parts = split_numbered(reply, k)
    if parts is None:
        return None
    cleaned = [_ANY_TAG.sub("", p).strip().strip("\"'“”「」") for p in parts]
    return cleaned if all(cleaned) else None


def _wordlike(ch: str) -> bool:
    """A letter/digit of a script that separates words with spaces (so not CJK)."""
    return ch.isalnum() and unicodedata.east_asian_width(ch) not in ("W", "F")


def _untagged_occurrence(text: str, needle: str) -> int | None:
    """First position of ``needle`` outside every tag, on word boundaries where words exist."""
    blocked = [(m.start(), m.end()) for m in _TAG.finditer(text)]
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        inside = any(a < end and start < b for a, b in blocked)
        left_ok = start == 0 or not (_wordlike(text[start - 1]) and _wordlike(needle[0]))
        right_ok = end == len(text) or not (_wordlike(text[end]) and _wordlike(needle[-1]))
        if not inside and left_ok and right_ok:
            return start
        start = text.find(needle, start + 1)
    return None


def apply_spans(sample: ParallelSample, indices: list[int], translations: list[str]) -> str | None:
    """The previous answer with the given entity translations put in place: an existing tag of
    the entity gets the new text (and the source label); an untagged occurrence gets the tag.
    None when no entity could be placed."""
    text = sample.response or ""
    placed = 0
    for idx, new in zip(indices, translations, strict=True):
        label, n = sample.source_entities[idx].label, str(idx + 1)
        tag = f'<{label} id="{n}">{new}</{label}>'
        tagged = next((m for m in _TAG.finditer(text) if m.group(2) == n), None)
        if tagged is not None:
            text = text[: tagged.start()] + tag + text[tagged.end() :]
            placed += 1
            continue
        at = _untagged_occurrence(text, new)
        if at is not None:
            text = text[:at] + tag + text[at + len(new) :]
            placed += 1
    return text if placed else None


@dataclass(frozen=True)
class RefineTask:
    prompt: PromptTemplate
    spans_prompt: PromptTemplate
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_config(cls, cfg: LLMConfig) -> RefineTask:
        return cls(load_prompt(cfg.refine_prompt), load_prompt(cfg.refine_spans_prompt),
                   cfg.temperature, cfg.max_tokens)

    def problems(self, sample: ParallelSample) -> list[str]:
        found = [describe_issue(sample, i) for i in sample.issues]
        return found or ["the translation did not pass validation"]

    def _common(self, prompt: PromptTemplate, sample: ParallelSample) -> dict[str, object]:
        return {
            "source_name": language_name(sample.source_lang, source=True),
            "target_name": language_name(sample.target_lang),
            "source": render_markup(sample.source_text, sample.source_entities),
            "previous": sample.response or "",
            "shots": select_examples(prompt.examples, sample.source_lang, sample.target_lang,
                                     limit=1),
        }

    def _request(self, prompt: PromptTemplate, messages: list[dict[str, str]], model: str,
                 max_tokens: int) -> Request:
        return Request.of(messages, model=model, prompt_version=prompt.name,
                          temperature=self.temperature, max_tokens=max_tokens)

    def spans_request(self, sample: ParallelSample, indices: list[int], model: str) -> Request:
        """Ask for the translation of each entity at fault, one numbered line each."""
        entities = [sample.source_entities[i].surface(sample.source_text) for i in indices]
        messages = self.spans_prompt.render(entities=entities,
                                            **self._common(self.spans_prompt, sample))
        return self._request(self.spans_prompt, messages, model,
                             min(self.max_tokens, 64 * len(indices)))

    def sentence_request(self, sample: ParallelSample, model: str,
                         hints: list[str] | None = None) -> Request:
        """Ask for the whole translation again, fixing the listed problems."""
        messages = self.prompt.render(problems=self.problems(sample), hints=hints or [],
                                      **self._common(self.prompt, sample))
        return self._request(self.prompt, messages, model, self.max_tokens)


Validate = Callable[[ParallelSample], ParallelSample]
GAVE_UP = "refine_exhausted"
_RANK = {Status.accepted: 3, Status.review: 2, Status.refine: 1, Status.rejected: 0}


def default_validator(settings: Settings) -> Validate:
    """``parallelner.align.align_sample`` with the run's AlignConfig, imported when needed."""
    try:
        from parallelner.align import align_sample
    except ImportError as exc:
        raise ConfigError(f"the align stage is not available to validate refinements: {exc}") \
            from exc
    config = settings.align

    def validate(sample: ParallelSample) -> ParallelSample:
        return align_sample(sample, config)

    return validate


def span_level(sample: ParallelSample) -> bool:
    """Whether every problem that sent the sample to refine is about entity spans (a missing,
    misplaced or mislabelled span), so naming the entities can fix it. Untranslated, cut,
    too short or wrong-language answers and broken markup are sentence-level. A code the
    aligner does not know counts as span-level when it points at an entity."""
    from parallelner.align.issues import CODES, Action

    blocking = [i for i in sample.issues
                if (c := CODES.get(i.code)) is None or c.action >= Action.refine]
    return bool(blocking) and all(
        CODES[i.code].span_level if i.code in CODES else i.entity_index is not None
        for i in blocking
    )


def round_mode(sample: ParallelSample, round_no: int) -> Mode:
    """The rule of the rounds, per model: the first round fixes the spans when every problem is
    span-level; any other round (or a sentence-level problem) rewrites the sentence."""
    return "spans" if round_no == 0 and span_level(sample) else "sentence"


def _rank(sample: ParallelSample) -> tuple[int, float]:
    return (_RANK.get(sample.status, -1) if sample.status else -1, sample.confidence or 0.0)


def _fresh(sample: ParallelSample, response: str, attempts: list[Attempt]) -> ParallelSample:
    """The sample with a new answer and the alignment results cleared, ready to validate.

    Its attempts end with the one that made the answer: validation reads how that call ended
    (``finish_reason``), not how the first translation did. In projection mode the target text
    is the given translation, an input rather than a result: it stays.
    """
    given = sample.target_text if sample.mode == "project" else None
    out = sample.model_copy(deep=True, update={
        "response": response, "target_text": given, "target_entities": [], "confidence": None,
        "status": None, "issues": [],
    })
    out.provenance.attempts = list(attempts)
    return out


class Refiner:
    """The refine loop for one sample at a time (many samples run concurrently)."""

    def __init__(self, task: RefineTask, service: LLMService, validate: Validate,
                 models: list[str], rounds: int, progress: Progress = _no_progress) -> None:
        self.task = task
        self.service = service
        self.validate = validate
        self.models = models
        self.rounds = rounds
        self.progress = progress
        self.counts: Counter[str] = Counter()

    def plan(self) -> list[tuple[str, int]]:
        """(model, round number) per round: ``rounds`` with the model, then the next model."""
        return [(m, r) for m in self.models for r in range(self.rounds)]

    async def refine(self, sample: ParallelSample) -> ParallelSample:
        if sample.status != Status.refine:
            self.progress(1)
            return sample
        try:
            result = await self._loop(sample)
        finally:
            self.progress(1)
        return result

    def _next_request(self, current: ParallelSample, model: str, mode: str,
                      hints: dict[int, str]) -> tuple[Request, list[int]] | None:
        """The request of a round: a span round without an entity to name rewrites the
        sentence instead, so every round asks something that can fix the sample."""
        indices = faulty_entities(current) if mode == "spans" else []
        if indices:
            return self.task.spans_request(current, indices, model), indices
        told = [f"{current.source_entities[i].surface(current.source_text)} -> {t}"
                for i, t in sorted(hints.items())]
        return self.task.sentence_request(current, model, told), []

    async def _loop(self, sample: ParallelSample) -> ParallelSample:
        attempts = list(sample.provenance.attempts)
        best = current = sample
        best_attempt: Attempt | None = None
        asked: set[tuple[object, ...]] = set()
        hints: dict[int, str] = {}  # entity index -> translation learnt in a span round
        stalled_model: str | None = None
        for model, round_no in self.plan():
            mode = round_mode(current, round_no)
            nxt = None if model == stalled_model else self._next_request(current, model, mode,
                                                                         hints)
            if nxt is None:
                continue
            request, indices = nxt
            if request.messages in asked:
                # Same question as an earlier round (the model repeated itself): asking again
                # would only repeat the answer, so move on to the next model, if any.
                self.counts["stalled"] += 1
                stalled_model = model
                continue
            asked.add(request.messages)

            def usable(c: Completion, k: int = len(indices)) -> bool:
                return answered(c) and (not k or parse_span_answer(c.text, k) is not None)

            try:
                out = await self.service.call(request, stage="refine", ids=[sample.id],
                                              usable=usable)
            except BudgetExceeded:
                self.counts["not reached (budget)"] += 1
                return self._finish(sample, best, best_attempt, attempts, gave_up=False)
            attempt = attempt_for("refine", request, out)
            response = out.completion.text if out.completion and out.usable else None
            if response is not None and indices:
                # usable() lets only answers with one translation per entity through; should
                # that change, an unparsable answer is a placement failure, not a crash.
                found = parse_span_answer(response, len(indices))
                if found is not None:
                    hints.update(zip(indices, found, strict=True))
                response = apply_spans(current, indices, found) if found is not None else None
                if response is None:
                    attempt.error = NOT_PLACED
            attempts.append(attempt)
            if response is None:
                continue
            current = self.validate(_fresh(current, response, attempts))
            if _rank(current) > _rank(best):
                best, best_attempt = current, attempt
            if current.status in (Status.accepted, Status.review):
                self.counts[f"{current.status.value} after refine"] += 1
                return self._finish(sample, best, best_attempt, attempts, gave_up=False)
        self.counts["gave up"] += 1
        return self._finish(sample, best, best_attempt, attempts, gave_up=True)

    def _finish(self, original: ParallelSample, best: ParallelSample,
                best_attempt: Attempt | None, attempts: list[Attempt],
                gave_up: bool) -> ParallelSample:
        out = best.model_copy(deep=True)
        out.provenance.attempts = attempts
        if best_attempt is not None:
            out.provenance.model = best_attempt.model
            out.provenance.prompt_version = best_attempt.prompt_version
        if gave_up and out.status == Status.refine:
            n = len(attempts) - len(original.provenance.attempts)
            out.status = Status.review
            out.issues = [*out.issues, Issue(
                code=GAVE_UP,
                message=f"still failing validation after {n} refine round(s); needs a person",
            )]
        return out


def refine_file(
    input_path: str | Path,
    output_path: str | Path,
    settings: Settings,
    *,
    validate: Validate | None = None,
    use_cache: bool = True,
    ledger_path: str | Path | None = None,
    dry_run: bool = False,
    progress_factory: Callable[[int], Progress] | None = None,
    report: Callable[[str], None] = lambda _: None,
    on_estimate: Callable[[RunReport], None] = lambda _: None,
) -> RunReport:
    """Refine the ``refine`` samples of aligned JSONL ``input_path`` into ``output_path``
    (every record written, in input order). ``dry_run`` estimates one rewrite call per sample
    to refine (how many rounds follow depends on the answers)."""
    input_path, output_path = Path(input_path), Path(output_path)
    cfg = settings.llm
    samples = read_jsonl(input_path, ParallelSample)
    todo = [s for s in samples if s.status == Status.refine]
    task = RefineTask.from_config(cfg)
    ledger = make_ledger(settings, Path(ledger_path) if ledger_path else None,
                         refine_models(settings))
    rep = RunReport(stage="refine", output=None if dry_run else output_path, samples=len(samples))
    rep.counts["to refine"] = len(todo)

    def work(cache: ResponseCache | None) -> list[ParallelSample]:
        progress = progress_factory(len(samples)) if progress_factory else _no_progress
        return refine_samples(samples, settings, ledger, cache, validate, progress=progress,
                              report=report, counts=rep.counts)

    records = run_file_stage(
        rep, settings, ledger, prompts=[task.prompt, task.spans_prompt], work=work,
        use_cache=use_cache, dry_run=dry_run, on_estimate=on_estimate,
        estimate=lambda: ((task.sentence_request(s, cfg.model),
                           estimate_tokens(s.response or s.source_text) + 16) for s in todo),
    )
    if records is None:
        return rep.finish()
    if todo:
        rep.prompt_tokens_per_sample = ledger.totals.prompt_tokens / len(todo)
    return write_file_stage(rep, settings, ledger, records, output_path,
                            left="kept their previous state",
                            left_count="not reached (budget)", finished="rounds")


def refine_models(settings: Settings) -> list[str]:
    cfg = settings.llm
    return [cfg.model] + ([cfg.refine_model] if cfg.refine_model not in (None, cfg.model) else [])


def refine_samples(
    samples: list[ParallelSample],
    settings: Settings,
    ledger: Ledger,
    cache: ResponseCache | None,
    validate: Validate | None = None,
    *,
    progress: Progress = _no_progress,
    report: Callable[[str], None] = lambda _: None,
    counts: Counter[str] | None = None,
) -> list[ParallelSample]:
    """The stage on samples in memory (the CLI and the pipeline both end here): every sample
    back, in order; only ``refine`` ones change. No endpoint is started when none needs work."""
    if not any(s.status == Status.refine for s in samples):
        return list(samples)
    check = validate or default_validator(settings)
    task = RefineTask.from_config(settings.llm)
    if cache is not None:
        cache.check_prompt(task.prompt.name, task.prompt.sha256)
    results = list(samples)
    run_stage(
        settings, ledger, cache,
        lambda service: Refiner(task, service, check, refine_models(settings),
                                settings.llm.refine_rounds, progress),
        lambda r: (store_at(results, i, r.refine(s)) for i, s in enumerate(samples)),
        report=report, counts=counts,
    )
    return results
