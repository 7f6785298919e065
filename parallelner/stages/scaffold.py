"""What translate and refine share around their loops: fan-out, the run report, the event loop."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from parallelner.config import Settings
from parallelner.errors import ParallelNERError
from parallelner.io import write_jsonl
from parallelner.llm.cache import ResponseCache
from parallelner.llm.client import Request
from parallelner.llm.endpoint import endpoint, make_client, open_cache
from parallelner.llm.ledger import Ledger, Totals
from parallelner.llm.service import LLMService, RunEstimate, estimate_run
from parallelner.prompts import PromptTemplate

Progress = Callable[[int], None]
T = TypeVar("T")


def _no_progress(_: int) -> None:
    pass


def _first_leaf(group: BaseExceptionGroup[Any]) -> BaseException:
    leaves: list[BaseException] = []
    stack: list[BaseException] = [group]
    while stack:
        exc = stack.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            stack = list(exc.exceptions) + stack
        else:
            leaves.append(exc)
    for exc in leaves:  # a product error (endpoint down, bad key) says what to fix: prefer it
        if isinstance(exc, ParallelNERError):
            return exc
    return leaves[0]


async def run_all(jobs: Iterable[Awaitable[None]]) -> None:
    """Run jobs concurrently (the client bounds how many calls are in flight). The first error
    that escapes a job, such as EndpointError, cancels the others and is raised on its own."""
    try:
        async with asyncio.TaskGroup() as tg:
            for job in jobs:
                tg.create_task(job)  # type: ignore[arg-type]
    except BaseExceptionGroup as group:
        raise _first_leaf(group) from None


async def store_at(into: list[T], index: int, job: Awaitable[T]) -> None:
    """Await ``job`` and put its result at ``index``: results stay in input order."""
    into[index] = await job


def run_sync(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(main())


@dataclass
class RunReport:
    """The end-of-run summary of an LLM stage (the CLI prints it as a table)."""

    stage: str
    output: Path | None
    samples: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    totals: Totals = field(default_factory=Totals)
    estimate: RunEstimate | None = None
    prompt_tokens_per_sample: float = 0.0
    budget_message: str | None = None
    elapsed: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def finish(self) -> RunReport:
        self.elapsed = time.monotonic() - self.started
        return self


class Worker(Protocol):
    counts: Counter[str]


W = TypeVar("W", bound=Worker)


def run_stage(
    settings: Settings,
    ledger: Ledger,
    cache: ResponseCache | None,
    make_worker: Callable[[LLMService], W],
    jobs: Callable[[W], Iterable[Awaitable[None]]],
    *,
    report: Callable[[str], None] = lambda _: None,
    counts: Counter[str] | None = None,
) -> None:
    """Open the endpoint (starting the local model if needed), build the service and the stage's
    worker inside a fresh event loop, run the worker's jobs, close the client whatever happens,
    and add the worker's counts to ``counts``."""
    worker: W | None = None
    with endpoint(settings, report) as ep:
        async def main() -> None:
            nonlocal worker
            service = LLMService(make_client(settings, ep), ledger, cache)
            try:
                worker = make_worker(service)
                await run_all(jobs(worker))
            finally:
                await service.client.aclose()

        try:
            run_sync(main)
        finally:
            if counts is not None and worker is not None:
                counts.update(worker.counts)


def run_file_stage(
    rep: RunReport,
    settings: Settings,
    ledger: Ledger,
    *,
    prompts: Iterable[PromptTemplate],
    estimate: Callable[[], Iterable[tuple[Request, int]]],
    work: Callable[[ResponseCache | None], list[Any]],
    use_cache: bool,
    dry_run: bool,
    on_estimate: Callable[[RunReport], None],
) -> list[Any] | None:
    """What a stage command does around its work: open the cache (refusing changed prompts),
    estimate, stop there on a dry run, else work, close the cache; returns the records (None on
    a dry run). The caller writes them."""
    cache = open_cache(settings, use_cache)
    try:
        if cache is not None:
            for prompt in prompts:
                cache.check_prompt(prompt.name, prompt.sha256)
        rep.estimate = estimate_run(ledger.prices, cache, estimate())
        if dry_run:
            return None
        on_estimate(rep)
        return work(cache)
    finally:
        if cache is not None:
            cache.close()
        rep.totals = ledger.totals


def write_file_stage(rep: RunReport, settings: Settings, ledger: Ledger, records: list[Any],
                     output_path: Path, *, left: str, left_count: str,
                     finished: str = "calls") -> RunReport:
    """The end every stage command shares: the records written, and a budget stop said with
    what was left (``left``, counted under ``rep.counts[left_count]``) and how to resume."""
    write_jsonl(output_path, records)
    if ledger.stopped:
        rep.budget_message = (
            f"budget {settings.llm.budget:g} reached: {rep.counts[left_count]} sample(s) {left}. "
            f"Rerun with a higher budget: finished {finished} come from the cache."
        )
    return rep.finish()

