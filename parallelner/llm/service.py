"""The one way stages call a model: cache first, then the budget, then the client, then the ledger.

Stages (translate, refine) only build requests and read answers; everything about money,
caching and retries happens here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .cache import ResponseCache
from .client import CallFailed, Completion, LLMClient, Request
from .ledger import Estimate, Ledger, Prices

Usable = Callable[[Completion], bool]


def answered(completion: Completion) -> bool:
    """The default test of a usable answer: some text, not cut off at ``max_tokens``."""
    return bool(completion.text.strip()) and completion.finish_reason != "length"


@dataclass
class Outcome:
    """A call's result for a stage: the completion, or the error that stopped it."""

    completion: Completion | None
    error: str | None = None
    usable: bool = False
    retries: int = 0
    cost: float = 0.0


class LLMService:
    def __init__(
        self, client: LLMClient, ledger: Ledger, cache: ResponseCache | None = None
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.cache = cache

    async def call(
        self, request: Request, *, stage: str, ids: list[str], usable: Usable = answered
    ) -> Outcome:
        """Answer ``request``. Per-call failures come back in the Outcome; EndpointError and
        BudgetExceeded propagate because they end the run."""
        if self.cache is not None:
            hit = self.cache.get(request)
            if hit is not None:
                self.ledger.record_call(stage, ids, request, hit)
                return Outcome(hit, usable=True)
        held = 0.0

        def admit() -> None:
            nonlocal held
            held = self.ledger.reserve(request)

        try:
            completion = await self.client.complete(request, admit=admit)
        except CallFailed as exc:
            self.ledger.record_call(stage, ids, request, None, error=str(exc), retries=exc.retries)
            return Outcome(None, error=str(exc), retries=exc.retries)
        finally:
            self.ledger.release(held)
        ok = usable(completion)
        error = None if ok else _unusable_reason(completion)
        cost = self.ledger.record_call(stage, ids, request, completion, error=error)
        if ok and self.cache is not None:
            self.cache.put(request, completion)
        return Outcome(completion, error=error, usable=ok, retries=completion.retries, cost=cost)


def estimate_run(
    prices: Prices, cache: ResponseCache | None, requests: Iterable[tuple[Request, int]]
) -> Estimate:
    """Pre-run estimate over (request, expected completion tokens); cached requests are free."""
    est = Estimate()
    for request, expected in requests:
        est.add(prices, request, expected, cache is not None and cache.contains(request))
    return est


def _unusable_reason(completion: Completion) -> str:
    if not completion.text.strip():
        return "empty answer"
    if completion.finish_reason == "length":
        return "answer cut off at max_tokens"
    return "answer could not be used"
