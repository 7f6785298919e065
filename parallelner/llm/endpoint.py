"""Where the calls go and what they go through, decided once per run from the Settings.

No ``base_url`` configured means the embedded local model: a server left running by
``parallelner llm serve`` is used if there is one; otherwise the model is set up if needed
(idempotent) and served for the duration of the run, then stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from parallelner.config import Settings
from parallelner.llm.cache import ResponseCache
from parallelner.llm.client import LLMClient
from parallelner.llm.ledger import Ledger, Prices

Report = Callable[[str], None]


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    local: bool


def cache_path(settings: Settings) -> Path:
    return settings.llm.cache_path or settings.data_dir / "cache" / "llm-responses.sqlite"


@contextmanager
def endpoint(settings: Settings, report: Report = lambda _: None) -> Iterator[Endpoint]:
    cfg = settings.llm
    if cfg.base_url:
        # ``embedded``: the run serves the local model itself and hands its URL to the tasks;
        # it stays local (no key is sent) however the tasks rebuild their settings.
        yield Endpoint(cfg.base_url, local=cfg.embedded)
        return
    from parallelner.llm.local_model import serve_local_model

    with serve_local_model(settings, report) as base_url:
        yield Endpoint(base_url, local=True)


def open_cache(settings: Settings, use_cache: bool = True) -> ResponseCache | None:
    return ResponseCache(cache_path(settings)) if use_cache else None


def make_ledger(
    settings: Settings, path: Path | None, models: list[str], spent: float = 0.0
) -> Ledger:
    """The ledger of a run; a budget needs a price for every model it may pay for. ``spent`` is
    what earlier parts of the same run already paid (the budget covers the whole run)."""
    cfg = settings.llm
    prices = Prices(cfg.prices)
    if cfg.budget is not None:
        prices.require(models)
    return Ledger(prices, cfg.budget, path, spent=spent)


def make_client(settings: Settings, ep: Endpoint) -> LLMClient:
    cfg = settings.llm
    concurrency = min(cfg.concurrency, cfg.local_parallel) if ep.local else cfg.concurrency
    # llama.cpp ignores the key; a configured hosted key is never sent to the local server.
    key = SecretStr("local") if ep.local else None
    return LLMClient.from_config(cfg, ep.base_url, concurrency=concurrency, api_key=key)
