"""The LLM stages as chunk stages of a pipeline run (``parallelner.run.chunks.stage_function``).

Same code as the commands (``translate_samples`` / ``refine_samples``), with the run folder's
cache (``llm_cache.sqlite``) and ledger (``ledger.jsonl``, which the progress display tails).
The budget covers the whole run: what the ledger already shows as spent counts. When the budget
stops a chunk, the stage raises instead of returning, so the chunk's output is not written and a
resumed run (with a higher budget) redoes it, finished calls coming from the cache.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from parallelner.config import Settings
from parallelner.errors import BudgetExceeded, ConfigError
from parallelner.llm.cache import ResponseCache
from parallelner.llm.endpoint import make_ledger
from parallelner.llm.ledger import Ledger
from parallelner.run.folder import RunParams, RunPaths
from parallelner.schema import ParallelSample, SourceSample, Status
from parallelner.stages.refine import refine_models, refine_samples
from parallelner.stages.translate import translate_samples


def _ledger(settings: Settings, paths: RunPaths, models: list[str]) -> Ledger:
    return make_ledger(settings, paths.ledger, models).for_whole_run()


def _stop_if_over(ledger: Ledger, stage: str) -> None:
    if ledger.stopped:
        raise BudgetExceeded(
            f"{stage}: budget {ledger.budget:g} reached; this chunk is not written. Resume the run "
            "with a higher --budget: finished calls come from the run's cache."
        )


def _with_run_llm(
    stage: str, settings: Settings, paths: RunPaths, models: list[str],
    work: Callable[[Ledger, ResponseCache], list[ParallelSample]],
) -> list[ParallelSample]:
    """Run ``work`` with the run's ledger and cache; raise if the budget stopped it (see above)."""
    ledger = _ledger(settings, paths, models)
    cache = ResponseCache(paths.cache)
    try:
        out = work(ledger, cache)
    finally:
        cache.close()
    _stop_if_over(ledger, stage)
    return out


def translate_records(records: list[SourceSample], settings: Settings, params: RunParams,
                      paths: RunPaths) -> list[ParallelSample]:
    if params.mode != "translate":
        raise ConfigError(f"the translate stage cannot run in mode {params.mode!r}")
    return _with_run_llm("translate", settings, paths, [settings.llm.model], lambda ledger, cache:
                         translate_samples(records, params.target_lang, settings, ledger, cache))


class _RoundTrip:
    """The verify stage as a worker of the stage scaffold (endpoint, service, event loop)."""

    def __init__(self, service, records: list[ParallelSample], settings: Settings) -> None:
        self.service, self.records, self.settings = service, records, settings
        self.counts: Counter[str] = Counter()
        self.out: list[ParallelSample] = list(records)

    async def run(self) -> None:
        from parallelner.verify import verify_samples

        self.out = await verify_samples(self.records, self.settings, self.service,
                                        counts=self.counts)


def _round_trip(records: list[ParallelSample], settings: Settings, ledger: Ledger,
                cache: ResponseCache, want: Callable[[ParallelSample], bool]
                ) -> list[ParallelSample]:
    """Verify the records ``want`` picks (the rest pass unchanged), in input order."""
    from parallelner.stages.scaffold import run_stage

    picked = [i for i, r in enumerate(records) if want(r)]
    if not picked:
        return list(records)
    box: dict[str, _RoundTrip] = {}

    def make(service) -> _RoundTrip:
        box["w"] = _RoundTrip(service, [records[i] for i in picked], settings)
        return box["w"]

    run_stage(settings, ledger, cache, make, lambda w: [w.run()])
    out = list(records)
    for i, rec in zip(picked, box["w"].out, strict=True):
        out[i] = rec
    return out


def _verifiable(sample: ParallelSample) -> bool:
    """Worth a round trip: a target that alignment kept (a ``refine`` sample is rewritten anyway,
    a ``rejected`` one has nothing to check)."""
    return sample.status in (Status.accepted, Status.review)


def verify_records(records: list[ParallelSample], settings: Settings, params: RunParams,
                   paths: RunPaths) -> list[ParallelSample]:
    """The round trip after alignment (``parallelner.verify``): what says something the source
    does not goes to refine with the difference as its message."""
    if settings.verify.mode == "off" or params.mode != "translate":
        return list(records)
    return _with_run_llm("verify", settings, paths, [settings.llm.model], lambda ledger, cache:
                         _round_trip(records, settings, ledger, cache, _verifiable))


def _reverify_refined(before: list[ParallelSample], after: list[ParallelSample],
                      settings: Settings, ledger: Ledger, cache: ResponseCache
                      ) -> list[ParallelSample]:
    """After the refine rounds, the round trip again on every sample refine worked on and now
    accepts (an answer refine left as it was comes back from the cache: the same finding); what
    still differs in meaning goes to people (a second refine would ask the same question).
    Re-aligning a refined answer clears its issues, so without this a round-trip finding that
    refine did not fix would be lost."""
    refined = {b.id for b in before if b.status == Status.refine}

    def want(s: ParallelSample) -> bool:
        return s.id in refined and s.status == Status.accepted

    out = _round_trip(after, settings, ledger, cache, want)
    return [r.model_copy(update={"status": Status.review}) if r.status == Status.refine else r
            for r in out]


def refine_records(records: list[ParallelSample], settings: Settings, params: RunParams,
                   paths: RunPaths) -> list[ParallelSample]:
    settings = settings.model_copy(update={"llm": settings.llm.model_copy(
        update={"refine_rounds": params.refine_rounds})})
    validate = None
    if params.mode == "project":
        # Refined answers are the given sentence with tags inserted: validate them as projections
        # (re-anchored onto the given text; a rewritten sentence is flagged, never accepted).
        from parallelner.stages.project import align_projection

        def validate(sample: ParallelSample) -> ParallelSample:
            return align_projection(sample, settings.project, settings.align, style="inline")
    check = settings.verify.mode != "off" and params.mode == "translate"

    def work(ledger: Ledger, cache: ResponseCache) -> list[ParallelSample]:
        out = refine_samples(records, settings, ledger, cache, validate)
        return _reverify_refined(records, out, settings, ledger, cache) if check else out

    return _with_run_llm("refine", settings, paths, refine_models(settings), work)


def project_records_stage(records: list[ParallelSample], settings: Settings, params: RunParams,
                          paths: RunPaths) -> list[ParallelSample]:
    """Projection mode's first stage: ask for the entities on the given target sentences and
    align the answers onto them (so the flow's align stage has nothing left to do)."""
    from parallelner.stages.project import project_records

    return _with_run_llm("project", settings, paths, [settings.llm.model], lambda ledger, cache:
                         project_records(records, settings, ledger, cache))
