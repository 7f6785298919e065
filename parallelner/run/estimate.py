"""What a run will ask before it asks anything: calls, tokens and cost per stage (``parallelner
run --dry-run``). The translate calls are exact; the verify round trips are an upper bound (which
samples make the trip is known only after alignment; ``verify = suspicious`` sends fewer); refine
calls depend on the answers and are not counted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from parallelner.config import Settings
from parallelner.llm.ledger import Estimate, Prices
from parallelner.llm.service import estimate_run
from parallelner.run.chunks import read_sources
from parallelner.run.folder import RunParams
from parallelner.schema import ParallelSample, SourceSample


@dataclass
class RunEstimate:
    samples: int
    stages: dict[str, Estimate]
    unpriced: list[str]

    @property
    def total(self) -> Estimate:
        out = Estimate()
        for e in self.stages.values():
            out.calls += e.calls
            out.cached += e.cached
            out.prompt_tokens += e.prompt_tokens
            out.completion_tokens += e.completion_tokens
            out.cost += e.cost
        return out


def estimate_run_cost(settings: Settings) -> RunEstimate:
    """Read the run's source (as the plan would) and estimate its translate and verify calls."""
    from parallelner.stages.translate import TranslateTask, plan_batches
    from parallelner.verify import estimate_requests

    params = RunParams.from_settings(settings)
    if params.mode != "translate":
        raise ValueError("--dry-run estimates translation runs (projection asks one call per "
                         "sample with entities)")
    samples = [s for s in read_sources(params) if isinstance(s, SourceSample)]
    prices = Prices(settings.llm.prices)
    task = TranslateTask.from_config(settings.llm)
    units = [[samples[i] for i in u] for u in plan_batches(samples, settings.llm.batch_size)]
    translate = estimate_run(prices, None, (
        (task.request(u, params.target_lang), task.expected_output_tokens(u)) for u in units))
    placeholders: Iterator[ParallelSample] = (
        ParallelSample.from_source(s, params.target_lang) for s in samples)
    verify = estimate_run(prices, None, estimate_requests(list(placeholders), settings))
    models = {settings.llm.model}
    unpriced = sorted(m for m in models if m not in settings.llm.prices)
    return RunEstimate(len(samples), {"translate": translate, "verify": verify}, unpriced)


__all__ = ["RunEstimate", "estimate_run_cost"]
