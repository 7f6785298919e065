"""What translate and refine share around their loops: fan-out, the run report, the event loop."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..config import Settings
from ..errors import ParallelNERError
from .cache import ResponseCache
from .ledger import Estimate, Ledger, Totals
from .service import LLMService
from .session import endpoint, make_client

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


def run_stage(
    settings: Settings,
    ledger: Ledger,
    cache: ResponseCache | None,
    jobs_for: Callable[[LLMService], Iterable[Awaitable[None]]],
    report: Callable[[str], None] = lambda _: None,
) -> None:
    """Open the endpoint (starting the local model if needed), build the service inside a fresh
    event loop, run the stage's jobs, and close the client whatever happens."""
    with endpoint(settings, report) as ep:
        async def main() -> None:
            service = LLMService(make_client(settings, ep), ledger, cache)
            try:
                await run_all(jobs_for(service))
            finally:
                await service.client.aclose()

        run_sync(main)


@dataclass
class RunReport:
    """The end-of-run summary of an LLM stage (the CLI prints it as a table)."""

    stage: str
    output: Path | None
    samples: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    totals: Totals = field(default_factory=Totals)
    estimate: Estimate | None = None
    prompt_tokens_per_sample: float = 0.0
    budget_message: str | None = None
    elapsed: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def finish(self) -> RunReport:
        self.elapsed = time.monotonic() - self.started
        return self
