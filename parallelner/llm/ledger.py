"""Tokens and money: a ledger line per call, a pre-run estimate, and a budget cap.

WHY a reservation scheme: with many calls in flight, checking "spent < budget" before each call
would overshoot by up to ``concurrency`` calls. Instead a call starts only if the money already
spent plus the worst case of every call in flight (this one included) stays within the budget;
the worst case is the estimated prompt plus ``max_tokens`` of output. Once a call is refused the
cap is *sticky*: no later call starts either, so the run stops cleanly in input order and a rerun
(with a higher budget) resumes from the response cache.

Prices are configuration (``[llm.prices."model"]``), per million tokens.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import ModelPrice
from ..errors import BudgetExceeded, ConfigError
from .client import Completion, Request

# Rough tokenizer-free estimate: ~4 characters per token for alphabetic scripts, about one token
# per CJK character (true within ~30% for GPT/Qwen BPEs), plus a few tokens per chat message.
_PER_MESSAGE = 4


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def estimate_tokens(text: str) -> int:
    wide = sum(1 for ch in text if _is_cjk(ch))
    return wide + math.ceil((len(text) - wide) / 4)


def estimate_prompt_tokens(request: Request) -> int:
    return sum(estimate_tokens(content) + _PER_MESSAGE for _, content in request.messages)


class Prices:
    """Cost of a call from the configured per-model prices."""

    def __init__(self, prices: dict[str, ModelPrice]) -> None:
        self._prices = dict(prices)

    def known(self, model: str) -> bool:
        return model in self._prices

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        p = self._prices.get(model)
        if p is None:
            return 0.0
        return (prompt_tokens * p.input_per_mtok + completion_tokens * p.output_per_mtok) / 1e6

    def require(self, models: list[str]) -> None:
        """A budget without a price for every model it pays for cannot be enforced."""
        missing = [m for m in models if m not in self._prices]
        if missing:
            raise ConfigError(
                f"a budget is set but there is no price for model(s) {', '.join(missing)}: add "
                '[llm.prices."<model>"] input_per_mtok / output_per_mtok to the settings'
            )


@dataclass
class Estimate:
    """What a run will cost before it starts (cache hits are free)."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def add(self, prices: Prices, request: Request, expected_output: int, cached: bool) -> None:
        if cached:
            self.cached += 1
            return
        pt = estimate_prompt_tokens(request)
        self.calls += 1
        self.prompt_tokens += pt
        self.completion_tokens += expected_output
        self.cost += prices.cost(request.model, pt, expected_output)


@dataclass
class LedgerEntry:
    stage: str
    ids: list[str]
    model: str
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    cost: float
    cached: bool
    retries: int = 0
    error: str | None = None
    time: float = field(default_factory=time.time)


@dataclass
class Totals:
    calls: int = 0
    cached: int = 0
    failed: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0


class Ledger:
    """Appends one JSON line per call (or cache hit) and enforces the budget."""

    def __init__(self, prices: Prices, budget: float | None = None, path: Path | None = None,
                 spent: float = 0.0):
        self.prices = prices
        self.budget = budget
        self.path = Path(path) if path is not None else None
        self.totals = Totals()
        self.spent_before = spent
        self._reserved = 0.0
        self.stopped = False
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    # -- budget ------------------------------------------------------------------------------
    def worst_case(self, request: Request) -> float:
        pt = math.ceil(estimate_prompt_tokens(request) * 1.25)
        return self.prices.cost(request.model, pt, request.max_tokens)

    def reserve(self, request: Request) -> float:
        """Hold the worst-case cost of a call about to start, or raise BudgetExceeded."""
        amount = self.worst_case(request)
        if self.budget is not None:
            spent = self.spent_before + self.totals.cost
            if self.stopped or spent + self._reserved + amount > self.budget:
                self.stopped = True
                raise BudgetExceeded(
                    f"budget {self.budget:g} reached: spent {spent:.4f}, "
                    f"{self._reserved:.4f} held by calls in flight, the next call may cost up to "
                    f"{amount:.4f}. No new calls are made; rerun with a higher budget to resume "
                    "(finished calls come from the cache)."
                )
        self._reserved += amount
        return amount

    def release(self, amount: float) -> None:
        self._reserved = max(0.0, self._reserved - amount)

    # -- records -----------------------------------------------------------------------------
    def record_call(
        self, stage: str, ids: list[str], request: Request, completion: Completion | None,
        error: str | None = None, retries: int = 0,
    ) -> float:
        """Account one call (a cache hit costs nothing); returns its cost."""
        pt = completion.prompt_tokens if completion else 0
        ct = completion.completion_tokens if completion else 0
        cached = bool(completion and completion.cached)
        cost = 0.0 if cached else self.prices.cost(request.model, pt, ct)
        t = self.totals
        if cached:
            t.cached += 1
        else:
            t.calls += 1
            t.prompt_tokens += pt
            t.completion_tokens += ct
            t.cost += cost
            t.retries += completion.retries if completion else retries
        if error is not None:
            t.failed += 1
        entry = LedgerEntry(
            stage=stage, ids=list(ids), model=request.model,
            prompt_version=request.prompt_version, prompt_tokens=pt, completion_tokens=ct,
            cost=cost, cached=cached, retries=completion.retries if completion else retries,
            error=error,
        )
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        return cost


def ledger_cost(path: Path) -> float:
    """Money already spent according to a ledger file (0 if there is none yet)."""
    total = 0.0
    try:
        with Path(path).open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a killed process
                if not entry.get("cached"):
                    total += float(entry.get("cost", 0.0))
    except FileNotFoundError:
        return 0.0
    return total
