"""One async client for any OpenAI-compatible chat endpoint, on the official ``openai`` package.

WHY our own retry loop (the SDK's is switched off with ``max_retries=0``): the SDK's delays are
fixed constants (0.5 s .. 8 s) that tests cannot shorten, it hides how many retries a call took
(we record them), and it cannot tell "the endpoint is down" (one clear error for the whole run)
from "this one call failed" (recorded on the sample, the run goes on).

Policy:
- 408/409/429/5xx, timeouts and dropped connections are retried up to ``max_retries`` times with
  exponential backoff and full jitter, honouring ``Retry-After`` / ``retry-after-ms``; a
  ``Retry-After`` longer than ``max_retry_after`` is not waited for.
- 400/401/403/404/422 are not retried: :class:`EndpointError` with what to fix. They concern the
  endpoint, the key or the model, so every other call would fail the same way.
- A connection that cannot even be opened is retried twice, then :class:`EndpointError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from pydantic import SecretStr

from ..config import LLMConfig
from ..errors import EndpointError, LLMError

Message = dict[str, str]
_CONNECT_RETRIES = 2
_RETRY_STATUS = {408, 409, 429}


@dataclass(frozen=True)
class Request:
    """One chat call: everything that decides the answer (and so the cache key)."""

    messages: tuple[tuple[str, str], ...]
    model: str
    prompt_version: str
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def of(cls, messages: list[Message], **kw: Any) -> Request:
        return cls(messages=tuple((m["role"], m["content"]) for m in messages), **kw)

    def message_dicts(self) -> list[Message]:
        return [{"role": role, "content": content} for role, content in self.messages]

    def params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}


@dataclass
class Completion:
    """An answer and what it cost. ``text`` is the raw reply (possibly empty)."""

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None = None
    retries: int = 0
    cached: bool = False
    usage_reported: bool = True


class CallFailed(LLMError):
    """One call failed for good (retries used up, or a Retry-After too long to wait)."""

    def __init__(self, message: str, retries: int) -> None:
        super().__init__(message)
        self.retries = retries


@dataclass
class RetryPolicy:
    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, retry: int) -> float:
        """Full jitter: uniform(0, min(max, base * 2**retry))."""
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * (2.0**retry)))


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else math.inf
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return str(exc.message)


def fatal_status_message(exc: openai.APIStatusError, base_url: str, model: str) -> str:
    """What to fix, for the status codes that no retry can cure."""
    said = _server_message(exc)
    code = exc.status_code
    if code in (401, 403):
        return (
            f"{base_url} refused the API key ({code}: {said}). Set OPENAI_API_KEY in the "
            "environment to a key that is valid for this endpoint."
        )
    if code == 404:
        return (
            f"{base_url} answered 404 ({said}). Check that model {model!r} exists there "
            "(--model) and that the base URL is the API root, usually ending in /v1 (--base-url)."
        )
    return (
        f"{base_url} rejected the request as invalid ({code}: {said}). Check --model and the "
        "[llm] settings (temperature, max_tokens) against what this endpoint accepts."
    )


def _is_connect_error(exc: BaseException) -> bool:
    """True when the TCP connection could not be opened at all (nothing listens there)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if type(cur).__name__ in ("ConnectError", "ConnectionRefusedError"):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


Admit = Callable[[], None]


class MalformedAnswer(Exception):
    """A 200 answer that is not a chat completion (a proxy page, a truncated body): retried."""


def parse_chat_completion(data: dict[str, Any], model: str) -> Completion:
    """Read the fields we use from an OpenAI chat-completion JSON object."""
    choices = data["choices"]
    choice = choices[0] if choices else None
    text = (choice["message"].get("content") or "") if choice else ""
    usage = data.get("usage") or None
    return Completion(
        text=text,
        model=model,
        prompt_tokens=int(usage.get("prompt_tokens") or 0) if usage else 0,
        completion_tokens=int(usage.get("completion_tokens") or 0) if usage else 0,
        finish_reason=choice.get("finish_reason") if choice else None,
        usage_reported=usage is not None,
    )


class LLMClient:
    """Bounded-concurrency chat completions with retries; knows nothing of caching or money."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | None = None,
        *,
        timeout: float = 120.0,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        key = api_key.get_secret_value() if api_key is not None else "not-set"
        # aiohttp transport: about half the CPU per call of the default httpx pool at high
        # concurrency (benchmarks/llm_throughput.py).
        self._openai = openai.AsyncOpenAI(
            base_url=self.base_url, api_key=key, timeout=timeout, max_retries=0,
            http_client=openai.DefaultAioHttpClient(timeout=timeout),
        )
        self._sem = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    @classmethod
    def from_config(
        cls,
        cfg: LLMConfig,
        base_url: str,
        concurrency: int | None = None,
        api_key: SecretStr | None = None,
    ) -> LLMClient:
        policy = RetryPolicy(
            max_retries=cfg.max_retries,
            base_delay=cfg.retry_base_delay,
            max_delay=cfg.retry_max_delay,
            max_retry_after=cfg.max_retry_after,
        )
        return cls(
            base_url, api_key or cfg.api_key, timeout=cfg.timeout,
            concurrency=concurrency or cfg.concurrency, retry=policy,
        )

    async def complete(self, request: Request, admit: Admit | None = None) -> Completion:
        """One answer. ``admit`` runs once a concurrency slot is held, before the first send
        (the budget check: it may raise to stop the call before any money is spent)."""
        async with self._sem:
            if admit is not None:
                admit()
            return await self._with_retries(request)

    async def _with_retries(self, request: Request) -> Completion:
        policy = self.retry
        connect_failures = 0
        retries = 0
        while True:
            try:
                completion = await self._send(request)
                completion.retries = retries
                return completion
            except openai.APIStatusError as exc:
                code = exc.status_code
                if code not in _RETRY_STATUS and code < 500:
                    raise EndpointError(
                        fatal_status_message(exc, self.base_url, request.model)
                    ) from None
                wait = parse_retry_after(exc.response.headers if exc.response else None)
                if wait is not None and wait > policy.max_retry_after:
                    raise CallFailed(
                        f"HTTP {code} with Retry-After {wait:.0f} s, longer than the "
                        f"{policy.max_retry_after:.0f} s this run waits",
                        retries,
                    ) from None
                reason = f"HTTP {code}: {_server_message(exc)}"
            except MalformedAnswer as exc:
                wait = None
                reason = str(exc)
            except openai.APIConnectionError as exc:
                if _is_connect_error(exc):
                    connect_failures += 1
                    if connect_failures > min(_CONNECT_RETRIES, policy.max_retries):
                        raise EndpointError(
                            f"cannot connect to {self.base_url}: nothing answers there. Start "
                            "the server, or check --base-url (or run without it to use the "
                            "embedded local model)."
                        ) from None
                wait = None
                reason = (
                    f"timed out after {self._openai.timeout} s"
                    if isinstance(exc, openai.APITimeoutError)
                    else f"connection failed: {exc.__cause__ or exc}"
                )
            if retries >= policy.max_retries:
                raise CallFailed(f"{reason} (gave up after {retries} retries)", retries)
            delay = wait if wait is not None else policy.backoff(retries)
            retries += 1
            await self._sleep(delay)

    async def _send(self, request: Request) -> Completion:
        # The SDK's documented low-level ``post``: the same HTTP, auth and status errors as
        # ``chat.completions.create``, minus its per-call recursive transform of the params and
        # the typed response model (together ~0.7 ms of CPU per call at concurrency 64, see
        # benchmarks/llm_throughput.py). The JSON answer is read here instead.
        raw = await self._openai.post(
            "/chat/completions",
            body={"model": request.model, "messages": request.message_dicts(), **request.params()},
            cast_to=bytes,
        )
        try:
            return parse_chat_completion(json.loads(raw), request.model)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise MalformedAnswer(f"the endpoint's answer is not a chat completion: {exc}") \
                from None

    async def aclose(self) -> None:
        await self._openai.close()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
