"""Stage 1: source samples in, one ``ParallelSample`` per sample out (in input order), each with
``response`` = the model's raw answer, which is exactly what ``parallelner align`` reads.

Nothing is dropped: a failed call leaves ``response`` empty and an ``Attempt`` with the error; a
run stopped by the budget marks the samples it never asked as not attempted. With K sentences
per request, an answer that does not split into K numbered lines is recorded and its sentences
are asked again one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import Settings
from .errors import BudgetExceeded, InputError
from .io import read_jsonl
from .llm.cache import ResponseCache
from .llm.ledger import Ledger
from .llm.runner import (
    Progress,
    RunReport,
    _no_progress,
    run_all,
    run_file_stage,
    run_stage,
    store_at,
    write_file_stage,
)
from .llm.service import LLMService, answered, attempt_for
from .llm.session import make_ledger
from .schema import Attempt, ParallelSample, SourceSample, _check_lang
from .tasks.translate import TranslateTask, split_numbered

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
