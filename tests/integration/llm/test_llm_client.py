"""The client over real HTTP (our OpenAI-protocol server): answers, retries and their limits,
fail-fast statuses, a down endpoint, bounded concurrency."""

from __future__ import annotations

import asyncio
import socket

import pytest
from llm_server import Answer, Status
from pydantic import SecretStr

from parallelner.errors import EndpointError
from parallelner.llm.client import CallFailed, LLMClient, Request, RetryPolicy

pytestmark = pytest.mark.integration

REQ = Request.of([{"role": "user", "content": "hello"}], model="test-model", prompt_version="t.v1")


class Sleeps:
    """Records the delays the client asks for, without waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def make_client(url: str, sleeps: Sleeps | None = None, **kw) -> LLMClient:
    policy = RetryPolicy(max_retries=kw.pop("max_retries", 3), base_delay=0.01, max_delay=0.05,
                         max_retry_after=kw.pop("max_retry_after", 60.0))
    return LLMClient(url, SecretStr("sk-test"), timeout=kw.pop("timeout", 2.0),
                     concurrency=kw.pop("concurrency", 4), retry=policy,
                     sleep=sleeps or asyncio.sleep)


def complete(client: LLMClient, request: Request = REQ):
    async def go():
        try:
            return await client.complete(request)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_answer_usage_and_key_header(llm_server):
    llm_server.script([Answer("bonjour")])
    c = complete(make_client(llm_server.url))
    assert (c.text, c.retries, c.finish_reason) == ("bonjour", 0, "stop")
    assert c.prompt_tokens > 0 and c.completion_tokens > 0
    (req,) = llm_server.requests
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.body["model"] == "test-model" and req.body["temperature"] == 0.0


def test_429_honours_retry_after(llm_server):
    llm_server.script([Status(429, retry_after="7"), Status(429, retry_after="2"), "ok"])
    sleeps = Sleeps()
    c = complete(make_client(llm_server.url, sleeps))
    assert c.retries == 2 and c.text == "hello"
    assert sleeps.delays == [7.0, 2.0]


def test_5xx_backoff_is_exponential_with_jitter_and_bounded(llm_server):
    llm_server.script([Status(500), Status(503), "ok"])
    sleeps = Sleeps()
    c = complete(make_client(llm_server.url, sleeps))
    assert c.retries == 2 and llm_server.chat_calls == 3
    assert 0 <= sleeps.delays[0] <= 0.01 and 0 <= sleeps.delays[1] <= 0.02


def test_retries_have_a_limit(llm_server):
    llm_server.default = Status(500, "boom")
    sleeps = Sleeps()
    with pytest.raises(CallFailed, match=r"HTTP 500: boom \(gave up after 3 retries\)") as err:
        complete(make_client(llm_server.url, sleeps, max_retries=3))
    assert err.value.retries == 3
    assert llm_server.chat_calls == 4 and len(sleeps.delays) == 3


def test_retry_after_longer_than_allowed_is_not_waited(llm_server):
    llm_server.script([Status(429, retry_after="3600")])
    with pytest.raises(CallFailed, match="Retry-After 3600 s"):
        complete(make_client(llm_server.url, Sleeps(), max_retry_after=60))
    assert llm_server.chat_calls == 1


def test_hang_past_timeout_is_retried(llm_server):
    llm_server.script(["hang", "ok"])
    # 1.5 s: the hang is cut by the timeout, and the retry's answer arrives well within it even
    # on a loaded machine (with 0.3 s a slow answer was cut too: two retries)
    c = complete(make_client(llm_server.url, Sleeps(), timeout=1.5))
    assert c.retries == 1 and c.text == "hello" and llm_server.chat_calls == 2


def test_dropped_connection_is_retried(llm_server):
    llm_server.script(["drop", "drop", "ok"])
    c = complete(make_client(llm_server.url, Sleeps()))
    assert c.retries == 2


@pytest.mark.parametrize(
    ("code", "hint"),
    [(401, "OPENAI_API_KEY"), (403, "OPENAI_API_KEY"), (404, "--model"), (400, "rejected")],
)
def test_fatal_statuses_fail_fast_and_say_what_to_fix(llm_server, code, hint):
    llm_server.default = Status(code, "nope")
    with pytest.raises(EndpointError, match=hint) as err:
        complete(make_client(llm_server.url, Sleeps()))
    assert "nope" in str(err.value)
    assert llm_server.chat_calls == 1


def test_endpoint_down_is_one_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(EndpointError, match=f"cannot connect to http://127.0.0.1:{port}/v1"):
        complete(make_client(f"http://127.0.0.1:{port}/v1", sleeps, max_retries=5))
    assert len(sleeps.delays) == 2  # two quick retries, not the full retry budget


def test_concurrency_is_bounded(llm_server):
    # Requests wait at the server until 3 are in flight (at most 5 s), then 0.2 s more: a bound of
    # 3 is met exactly however slowly the client sends on a loaded machine, and a 4th request
    # would arrive meanwhile. The client's timeout outlasts the wait (no retry adds requests).
    llm_server.gate, llm_server.delay = 3, 0.2
    client = make_client(llm_server.url, concurrency=3, timeout=30.0)

    async def go():
        try:
            return await asyncio.gather(*(client.complete(REQ) for _ in range(12)))
        finally:
            await client.aclose()

    results = asyncio.run(go())
    assert len(results) == 12
    assert llm_server.max_in_flight == 3


def test_admit_hook_can_stop_a_call_before_it_is_sent(llm_server):
    client = make_client(llm_server.url)

    def refuse() -> None:
        raise RuntimeError("no")

    async def go():
        try:
            await client.complete(REQ, admit=refuse)
        finally:
            await client.aclose()

    with pytest.raises(RuntimeError):
        asyncio.run(go())
    assert llm_server.chat_calls == 0
