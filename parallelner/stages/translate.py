"""Stage 1: source samples in, one ``ParallelSample`` per sample out (in input order), each with
``response`` = the model's raw answer, which is exactly what ``parallelner align`` reads.

Nothing is dropped: a failed call leaves ``response`` empty and an ``Attempt`` with the error; a
run stopped by the budget marks the samples it never asked as not attempted. With K sentences
per request, an answer that does not split into K numbered lines is recorded and its sentences
are asked again one by one.

The task (``TranslateTask``: build the request, split batched answers; pure, no I/O): a request
holds one sentence, or K sentences numbered ``[1] ...`` (one per line), rendered in the inline
markup of :mod:`parallelner.markup.render`. The answer to a single sentence is kept verbatim
(alignment parses it); a batched answer must split into exactly K numbered lines, else the stage
falls back to one request per sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from parallelner.config import LLMConfig, Settings
from parallelner.errors import BudgetExceeded, InputError
from parallelner.io import read_jsonl
from parallelner.llm.cache import ResponseCache
from parallelner.llm.client import Request
from parallelner.llm.endpoint import make_ledger
from parallelner.llm.ledger import Ledger, estimate_tokens
from parallelner.llm.service import LLMService, answered, attempt_for
from parallelner.markup.render import render_markup
from parallelner.prompts import PromptTemplate, load_prompt
from parallelner.schema import Attempt, ParallelSample, SourceSample, _check_lang
from parallelner.stages.languages import language_name
from parallelner.stages.scaffold import (
    Progress,
    RunReport,
    _no_progress,
    run_all,
    run_file_stage,
    run_stage,
    store_at,
    write_file_stage,
)

MAX_SHOTS = 2
_NUMBERED = re.compile(r"^\s*\[(\d+)\]\s?(.*)$")


def number_lines(texts: Sequence[str]) -> str:
    return "\n".join(f"[{i}] {' '.join(t.split())}" for i, t in enumerate(texts, start=1))


def split_numbered(reply: str, k: int) -> list[str] | None:
    """The K answers of a batched reply, or None when it cannot be split without guessing.

    Lines before ``[1]`` are tolerated as chatter; after it every non-blank line must be the next
    number, and each answer must be non-empty.
    """
    out: list[str] = []
    for line in reply.splitlines():
        m = _NUMBERED.match(line)
        if m is None:
            if line.strip() and out:
                return None
            continue
        if int(m.group(1)) != len(out) + 1 or not m.group(2).strip():
            return None
        out.append(m.group(2).strip())
    return out if len(out) == k else None


def select_examples(
    examples: Sequence[dict[str, str]], source_lang: str, target_lang: str, limit: int = MAX_SHOTS
) -> list[dict[str, str]]:
    """Same target language only; same source language first."""
    same_target = [e for e in examples if e["target_lang"] == target_lang]
    ranked = sorted(same_target, key=lambda e: e["source_lang"] != source_lang)
    return ranked[:limit]


@dataclass(frozen=True)
class TranslateTask:
    prompt: PromptTemplate
    model: str
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_config(cls, cfg: LLMConfig, model: str | None = None) -> TranslateTask:
        return cls(
            prompt=load_prompt(cfg.translate_prompt),
            model=model or cfg.model,
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
        )

    def request(self, samples: Sequence[SourceSample], target_lang: str) -> Request:
        """One request for one sentence, or for K sentences of the same source language."""
        source_lang = samples[0].lang
        if any(s.lang != source_lang for s in samples):
            raise ValueError("a batch must share one source language")
        batch = len(samples) > 1
        shots = select_examples(self.prompt.examples, source_lang, target_lang)
        if batch and shots:
            pairs = [(number_lines([e["source"] for e in shots]),
                      number_lines([e["target"] for e in shots]))]
        else:
            pairs = [(e["source"], e["target"]) for e in shots]
        marked = [render_markup(s.text, s.entities) for s in samples]
        messages = self.prompt.render(
            source_name=language_name(source_lang, source=True),
            target_name=language_name(target_lang),
            batch=batch,
            shots=pairs,
            text=number_lines(marked) if batch else marked[0],
        )
        return Request.of(
            messages,
            model=self.model,
            prompt_version=self.prompt.name,
            temperature=self.temperature,
            max_tokens=self._max_tokens(len(samples)),
        )

    def _max_tokens(self, k: int) -> int:
        return self.max_tokens * k

    def expected_output_tokens(self, samples: Sequence[SourceSample]) -> int:
        """For the pre-run estimate: a translation about as long as its marked-up source."""
        n = sum(estimate_tokens(render_markup(s.text, s.entities)) for s in samples)
        return min(self._max_tokens(len(samples)), math.ceil(n * 1.2) + 4 * len(samples))


NOT_ATTEMPTED = "not attempted: the budget was reached before this call"


def plan_batches(samples: Sequence[SourceSample], batch_size: int) -> list[list[int]]:
    """Consecutive runs of up to ``batch_size`` samples of one source language (as indices)."""
    units: list[list[int]] = []
    for i, s in enumerate(samples):
        last = units[-1] if units else None
        if last and len(last) < batch_size and samples[last[0]].lang == s.lang:
            last.append(i)
        else:
            units.append([i])
    return units


class Translator:
    """Runs the translate task over samples through one LLM service."""

    def __init__(self, task: TranslateTask, service: LLMService, target_lang: str,
                 progress: Progress = _no_progress) -> None:
        self.task = task
        self.service = service
        self.target_lang = target_lang
        self.progress = progress
        self.counts: Counter[str] = Counter()

    def _record(self, sample: SourceSample, attempts: list[Attempt],
                response: str | None) -> ParallelSample:
        out = ParallelSample.from_source(sample, self.target_lang)
        out.response = response
        out.provenance.attempts = attempts
        out.provenance.model = attempts[-1].model
        out.provenance.prompt_version = attempts[-1].prompt_version
        if response is None:
            self.counts["not attempted" if attempts[-1].error == NOT_ATTEMPTED else "failed"] += 1
        else:
            self.counts["answered"] += 1
        self.progress(1)
        return out

    async def single(self, sample: SourceSample, prior: list[Attempt]) -> ParallelSample:
        request = self.task.request([sample], self.target_lang)
        try:
            out = await self.service.call(request, stage="translate", ids=[sample.id])
        except BudgetExceeded:
            return self._record(
                sample, [*prior, attempt_for("translate", request, None, error=NOT_ATTEMPTED)], None
            )
        response = out.completion.text if out.completion else None
        return self._record(sample, [*prior, attempt_for("translate", request, out)], response)

    async def unit(self, batch: list[SourceSample]) -> list[ParallelSample]:
        if len(batch) == 1:
            return [await self.single(batch[0], [])]
        k = len(batch)
        self.counts["batches"] += 1
        request = self.task.request(batch, self.target_lang)

        def splits(c: object) -> bool:
            return answered(c) and split_numbered(c.text, k) is not None  # type: ignore[attr-defined]

        try:
            out = await self.service.call(
                request, stage="translate", ids=[s.id for s in batch], usable=splits
            )
        except BudgetExceeded:
            return [self._record(s, [attempt_for("translate", request, None, error=NOT_ATTEMPTED)],
                                 None)
                    for s in batch]
        parts = split_numbered(out.completion.text, k) if out.usable and out.completion else None
        if parts is not None:
            return [self._record(s, [attempt_for("translate", request, out, share=i, k=k,
                                                 response=parts[i])],
                                 parts[i]) for i, s in enumerate(batch)]
        self.counts["batches not split"] += 1
        why = out.error if out.error and not out.completion else (
            f"the batched answer did not split into {k} numbered lines")
        failed = [attempt_for("translate", request, out, share=i, k=k,
                              error=f"{why}; asked one by one")
                  for i in range(k)]
        results: list[ParallelSample | None] = [None] * k

        async def one(i: int) -> None:
            results[i] = await self.single(batch[i], [failed[i]])

        await run_all(one(i) for i in range(k))
        return [r for r in results if r is not None]


def _read_sources(path: Path, target_lang: str) -> list[SourceSample]:
    samples = read_jsonl(path, SourceSample)
    seen: dict[str, int] = {}
    for n, s in enumerate(samples, start=1):
        if s.id in seen:
            raise InputError(f"sample id {s.id!r} repeats the one on record {seen[s.id]}",
                             str(path), n)
        seen[s.id] = n
        if s.lang == target_lang:
            raise InputError(f"sample {s.id!r} is already in the target language {target_lang!r}",
                             str(path), n)
    return samples


def translate_file(
    input_path: str | Path,
    output_path: str | Path,
    target_lang: str,
    settings: Settings,
    *,
    use_cache: bool = True,
    ledger_path: str | Path | None = None,
    dry_run: bool = False,
    progress_factory: Callable[[int], Progress] | None = None,
    report: Callable[[str], None] = lambda _: None,
    on_estimate: Callable[[RunReport], None] = lambda _: None,
) -> RunReport:
    """Translate ``input_path`` (SourceSample JSONL) into ``output_path`` (ParallelSample JSONL).

    Raises EndpointError (nothing written; finished calls are cached) when the endpoint is down
    or refuses the key/model. A budget stop still writes every sample (the unasked ones marked)
    and sets ``budget_message``. ``dry_run`` only estimates tokens and cost.
    """
    try:
        _check_lang(target_lang)
    except ValueError as exc:
        raise InputError(f"--target-lang: {exc}") from None
    input_path, output_path = Path(input_path), Path(output_path)
    samples = _read_sources(input_path, target_lang)
    task = TranslateTask.from_config(settings.llm)
    units = [[samples[i] for i in u] for u in plan_batches(samples, settings.llm.batch_size)]
    ledger = make_ledger(settings, Path(ledger_path) if ledger_path else None, [task.model])
    rep = RunReport(stage="translate", output=None if dry_run else output_path,
                    samples=len(samples))

    def work(cache: ResponseCache | None) -> list[ParallelSample]:
        progress = progress_factory(len(samples)) if progress_factory else _no_progress
        return translate_samples(samples, target_lang, settings, ledger, cache,
                                 progress=progress, report=report, counts=rep.counts)

    records = run_file_stage(
        rep, settings, ledger, prompts=[task.prompt], work=work, use_cache=use_cache,
        dry_run=dry_run, on_estimate=on_estimate,
        estimate=lambda: ((task.request(u, target_lang), task.expected_output_tokens(u))
                          for u in units),
    )
    if records is None:
        return rep.finish()
    if records:
        tokens = sum(a.prompt_tokens for r in records for a in r.provenance.attempts)
        rep.prompt_tokens_per_sample = tokens / len(records)
    return write_file_stage(rep, settings, ledger, records, output_path,
                            left="were not asked (marked in the output)",
                            left_count="not attempted")


def translate_samples(
    samples: Sequence[SourceSample],
    target_lang: str,
    settings: Settings,
    ledger: Ledger,
    cache: ResponseCache | None,
    *,
    progress: Progress = _no_progress,
    report: Callable[[str], None] = lambda _: None,
    counts: Counter[str] | None = None,
) -> list[ParallelSample]:
    """The stage on samples in memory (the CLI and the pipeline both end here): one record per
    sample, in order. The endpoint is started only if there is something to ask."""
    if not samples:
        return []
    task = TranslateTask.from_config(settings.llm)
    if cache is not None:
        cache.check_prompt(task.prompt.name, task.prompt.sha256)
    units = [[samples[i] for i in u] for u in plan_batches(samples, settings.llm.batch_size)]
    done: list[list[ParallelSample]] = [[] for _ in units]
    run_stage(
        settings, ledger, cache,
        lambda service: Translator(task, service, target_lang, progress),
        lambda t: (store_at(done, n, t.unit(unit)) for n, unit in enumerate(units)),
        report=report, counts=counts,
    )
    return [rec for unit in done for rec in unit]
