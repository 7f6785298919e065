"""The one way stages call a model: cache first, then the budget, then the client, then the ledger.

Stages (translate, refine) only build requests and read answers; everything about money,
caching and retries happens here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..schema import Attempt
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


def _shares(total: int, k: int) -> list[int]:
    """Split ``total`` tokens over ``k`` samples, remainder to the first ones."""
    base, rest = divmod(total, k)
    return [base + (1 if i < rest else 0) for i in range(k)]


def attempt_for(stage: str, request: Request, out: Outcome | None, *, share: int = 0, k: int = 1,
                error: str | None = None, response: str | None = None) -> Attempt:
    """The provenance record of one call (or of a call not made: ``out`` None). A request that
    answered ``k`` samples at once gives each its ``share`` of the tokens and cost."""
    c = out.completion if out else None
    return Attempt(
        stage=stage,
        model=request.model,
        prompt_version=request.prompt_version,
        prompt_tokens=_shares(c.prompt_tokens, k)[share] if c else 0,
        completion_tokens=_shares(c.completion_tokens, k)[share] if c else 0,
        cost=(out.cost / k) if out else 0.0,
        cached=bool(c and c.cached),
        response=response if response is not None else (c.text if c else None),
        error=error if error is not None else (out.error if out else None),
        finish_reason=c.finish_reason if c else None,
    )


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


@dataclass
class RunEstimate(Estimate):
    """An estimate that also names the models it found no price for: their calls count as 0,
    which the CLI must say rather than print a cost that looks real."""

    unpriced: list[str] = field(default_factory=list)


def estimate_run(
    prices: Prices, cache: ResponseCache | None, requests: Iterable[tuple[Request, int]]
) -> RunEstimate:
    """Pre-run estimate over (request, expected completion tokens); cached requests are free."""
    est = RunEstimate()
    for request, expected in requests:
        cached = cache is not None and cache.contains(request)
        est.add(prices, request, expected, cached)
        if not cached and not prices.known(request.model) and request.model not in est.unpriced:
            est.unpriced.append(request.model)
    return est


def _unusable_reason(completion: Completion) -> str:
    if not completion.text.strip():
        return "empty answer"
    if completion.finish_reason == "length":
        return "answer cut off at max_tokens"
    return "answer could not be used"
