"""The LLM layer: client (HTTP, retries), cache (SQLite), ledger (tokens, cost, budget), service."""

from .cache import ResponseCache
from .client import CallFailed, Completion, LLMClient, Request, RetryPolicy
from .ledger import Estimate, Ledger, Prices
from .service import LLMService, Outcome

__all__ = [
    "CallFailed",
    "Completion",
    "Estimate",
    "LLMClient",
    "LLMService",
    "Ledger",
    "Outcome",
    "Prices",
    "Request",
    "ResponseCache",
    "RetryPolicy",
]
