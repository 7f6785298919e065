"""The round trip over samples in memory, through one ``LLMService`` (cache, budget, ledger).

Independent of the run folder: the caller opens the service (``llm.runner.run_stage``) and
writes the records. Samples the mode does not select pass through unchanged; a selected sample
gets its back-translation call (batched K per request like translation, one by one when a
batched answer does not split) recorded as a ``verify`` attempt, and ``apply``'s findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from parallelner.stages.scaffold import run_all
from parallelner.stages.translate import split_numbered

from ..config import Settings, VerifyConfig
from ..errors import BudgetExceeded
from ..llm.client import Request
from ..llm.service import LLMService, answered, attempt_for
from ..schema import Attempt, ParallelSample, TargetSpan
from .apply import apply
from .backtranslate import BackTranslateTask
from .select import selected

STAGE = "verify"
NOT_ASKED = "not attempted: the budget was reached before this call"


def plan(samples: Sequence[ParallelSample], batch_size: int) -> list[list[int]]:
    """Consecutive runs of up to ``batch_size`` samples of one language pair (as indices)."""
    units: list[list[int]] = []
    for i, s in enumerate(samples):
        last = units[-1] if units else None
        if last and len(last) < batch_size and \
                (samples[last[0]].source_lang, samples[last[0]].target_lang) == \
                (s.source_lang, s.target_lang):
            last.append(i)
        else:
            units.append([i])
    return units


class Verifier:
    """Back-translates selected samples and applies what the round trip shows."""

    def __init__(self, task: BackTranslateTask, service: LLMService, settings: Settings,
                 config: VerifyConfig) -> None:
        self.task, self.service, self.settings, self.config = task, service, settings, config
        self.counts: Counter[str] = Counter()

    def _done(self, sample: ParallelSample, attempt: Attempt, reply: str | None
              ) -> ParallelSample:
        out = apply(sample, reply, self.config, self.settings.align)
        out.provenance.attempts = [*out.provenance.attempts, attempt]
        new = {i.code for i in out.issues[len(sample.issues):]}
        self.counts["verified" if reply else "not verified"] += 1
        for code in sorted(new):
            self.counts[code] += 1
        if out.status != sample.status and out.status is not None:
            self.counts[f"sent to {out.status.value}"] += 1
        return out

    async def single(self, sample: ParallelSample, prior: str | None = None) -> ParallelSample:
        request = self.task.request([sample])
        try:
            got = await self.service.call(request, stage=STAGE, ids=[sample.id])
        except BudgetExceeded:
            return self._done(sample, attempt_for(STAGE, request, None, error=NOT_ASKED), None)
        reply = got.completion.text if got.completion and got.usable else None
        error = f"{prior}; asked alone" if prior and got.error is None else got.error
        return self._done(sample, attempt_for(STAGE, request, got, error=error), reply)

    async def unit(self, batch: list[ParallelSample]) -> list[ParallelSample]:
        if len(batch) == 1:
            return [await self.single(batch[0])]
        k = len(batch)
        request = self.task.request(batch)

        def splits(c: object) -> bool:
            return answered(c) and split_numbered(c.text, k) is not None  # type: ignore[attr-defined]

        try:
            got = await self.service.call(request, stage=STAGE, ids=[s.id for s in batch],
                                          usable=splits)
        except BudgetExceeded:
            return [self._done(s, attempt_for(STAGE, request, None, error=NOT_ASKED), None)
                    for s in batch]
        parts = split_numbered(got.completion.text, k) if got.usable and got.completion else None
        if parts is not None:
            return [self._done(s, attempt_for(STAGE, request, got, share=i, k=k,
                                              response=parts[i]), parts[i])
                    for i, s in enumerate(batch)]
        self.counts["batches not split"] += 1
        results: list[ParallelSample | None] = [None] * k

        async def one(i: int) -> None:
            results[i] = await self.single(batch[i], f"the batched answer did not split into {k} "
                                                     "numbered lines")

        await run_all(one(i) for i in range(k))
        return [r for r in results if r is not None]


def estimate_requests(samples: Sequence[ParallelSample], settings: Settings,
                      config: VerifyConfig | None = None) -> Iterator[tuple[Request, int]]:
    """(request, expected completion tokens) of every call ``verify_samples`` would make, for a
    ``--dry-run`` estimate (``llm.service.estimate_run``). On records not yet aligned, every
    sample counts (the mode cannot be judged before the target exists): an upper bound."""
    config = config or getattr(settings, "verify", None) or VerifyConfig()
    if config.mode == "off":
        return
    task = BackTranslateTask.from_config(settings.llm, config.prompt)
    chosen = [s for s in samples if s.target_text is None or selected(s, config)]
    for unit in plan(chosen, settings.llm.batch_size):
        batch = [_placeholder(chosen[i]) for i in unit]
        yield task.request(batch), task.expected_output_tokens(batch)


def _placeholder(sample: ParallelSample) -> ParallelSample:
    """A sample not translated yet stands for its translation by its source, about as long."""
    if sample.target_text is not None:
        return sample
    return sample.model_copy(update={"target_text": sample.source_text, "target_entities": [
        TargetSpan(start=e.start, end=e.end, label=e.label, source_index=i)
        for i, e in enumerate(sample.source_entities)]})


async def verify_samples(samples: Sequence[ParallelSample], settings: Settings,
                         service: LLMService, config: VerifyConfig | None = None,
                         counts: Counter[str] | None = None) -> list[ParallelSample]:
    """One record per sample, in order: the selected ones verified, the others as they were.
    ``config`` defaults to ``settings.verify`` once Settings has that section."""
    config = config or getattr(settings, "verify", None) or VerifyConfig()
    task = BackTranslateTask.from_config(settings.llm, config.prompt)
    if service.cache is not None:
        service.cache.check_prompt(task.prompt.name, task.prompt.sha256)
    out: list[ParallelSample] = list(samples)
    chosen = [i for i, s in enumerate(samples) if selected(s, config)]
    verifier = Verifier(task, service, settings, config)
    verifier.counts["not selected"] += len(samples) - len(chosen)
    units = [[chosen[j] for j in u]
             for u in plan([samples[i] for i in chosen], settings.llm.batch_size)]

    async def run_unit(unit: list[int]) -> None:
        for i, rec in zip(unit, await verifier.unit([samples[i] for i in unit]), strict=True):
            out[i] = rec

    await run_all(run_unit(u) for u in units)
    if counts is not None:
        counts.update(verifier.counts)
    return out
