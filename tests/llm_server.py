"""A small OpenAI-protocol chat server of ours, for tests and the throughput benchmark.

A real HTTP/1.1 server on 127.0.0.1 (asyncio streams, keep-alive), so the code under test talks
to it through the real ``openai`` client exactly as it would to a hosted endpoint. Tests script it:

- ``server.responder = fn(body) -> str`` decides good/bad answers (default: echo the last user
  message, i.e. an identity "translation" that keeps every tag);
- ``server.script([...])`` queues one behaviour per coming request: ``"ok"``, ``Answer(text)``,
  ``Status(429, retry_after="1")``, ``Status(500)``, ``"hang"`` (no answer until the client gives
  up), ``"drop"`` (close the connection without an answer);
- ``server.delay`` adds a fixed latency to every answer (the benchmark's 500 ms);
- ``server.requests`` records every chat request (JSON body and headers) for assertions;
- ``server.answered`` records every 200 answer sent (monotonic time, last user message), so a
  test can tell calls answered before a kill from calls still in flight;
- ``server.gate = n`` holds every request until ``n`` are in flight at once (or 5 s pass), so a
  concurrency bound is measured exactly even on a loaded machine.

Run standalone for benchmarks: ``python tests/llm_server.py --delay 0.5`` prints ``PORT <n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    text: str
    finish_reason: str = "stop"


@dataclass
class Status:
    code: int
    message: str = "scripted error"
    retry_after: str | None = None


Behaviour = str | Answer | Status


@dataclass
class Recorded:
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> str:
        users = [m["content"] for m in self.body.get("messages", []) if m["role"] == "user"]
        return users[-1] if users else ""


def echo_last_user(body: dict[str, Any]) -> str:
    users = [m["content"] for m in body.get("messages", []) if m["role"] == "user"]
    return users[-1] if users else ""


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


class ChatServer:
    """The server object; ``start()`` runs it on its own event loop in a daemon thread."""

    def __init__(self, delay: float = 0.0, hang_seconds: float = 30.0) -> None:
        self.delay = delay
        self.hang_seconds = hang_seconds
        self.responder: Callable[[dict[str, Any]], str] = echo_last_user
        self.default: Behaviour = "ok"
        self.requests: list[Recorded] = []
        self.answered: list[tuple[float, str]] = []
        self.gate = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self.port = 0

    # -- scripting ---------------------------------------------------------------------------
    def script(self, behaviours: list[Behaviour]) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.answered.clear()
        self.max_in_flight = 0
        self.gate = 0
        self.responder = echo_last_user
        self.default = "ok"
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_calls(self) -> int:
        return len(self.requests)

    def _next(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    # -- lifecycle ---------------------------------------------------------------------------
    async def serve(self, port: int = 0) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self) -> ChatServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self.serve())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="llm-test-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    async def _shutdown(self) -> None:
        assert self._server is not None and self._stopping is not None
        self._stopping.set()
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # -- HTTP --------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                keep = await self._route(method, path, headers, body, reader, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # the client went away, or the server is shutting down
        finally:
            writer.close()

    async def _route(self, method: str, path: str, headers: dict[str, str], body: bytes,
                     reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if method == "GET" and path.endswith("/health"):
            return await self._send(writer, 200, {"status": "ok"})
        if method == "GET" and path.endswith("/models"):
            return await self._send(writer, 200, {"object": "list", "data": [
                {"id": "test-model", "object": "model", "owned_by": "tests"}]})
        if method != "POST" or not path.endswith("/chat/completions"):
            return await self._send(writer, 404, {"error": {"message": f"no route {path}"}})
        payload = json.loads(body or b"{}")
        self.requests.append(Recorded(payload, headers))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate:
                await self._wait_for_gate()
            return await self._chat(payload, reader, writer)
        finally:
            self.in_flight -= 1

    async def _wait_for_gate(self, limit: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + limit
        while self.in_flight < self.gate and self.max_in_flight < self.gate and loop.time() < until:
            await asyncio.sleep(0.01)

    async def _chat(self, payload: dict[str, Any], reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> bool:
        behaviour = self._next()
        if self.delay:
            await asyncio.sleep(self.delay)
        if behaviour == "drop":
            return False
        if behaviour == "hang":
            # Say nothing until the client gives up (closes), the server stops, or time runs out.
            assert self._stopping is not None
            waits = [asyncio.ensure_future(self._stopping.wait()),
                     asyncio.ensure_future(reader.read(1))]
            await asyncio.wait(waits, timeout=self.hang_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()
            return False
        if isinstance(behaviour, Status):
            extra = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            return await self._send(writer, behaviour.code, {"error": {
                "message": behaviour.message, "type": "scripted", "code": behaviour.code}}, extra)
        answer = behaviour if isinstance(behaviour, Answer) else Answer(self.responder(payload))
        keep = await self._send(writer, 200, self._completion(payload, answer))
        self.answered.append((time.monotonic(), echo_last_user(payload)))
        return keep

    @staticmethod
    def _completion(payload: dict[str, Any], answer: Answer) -> dict[str, Any]:
        prompt_chars = sum(len(m.get("content", "")) for m in payload.get("messages", []))
        return {
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0,
            "model": payload.get("model", "test-model"),
            "choices": [{"index": 0, "finish_reason": answer.finish_reason,
                         "message": {"role": "assistant", "content": answer.text}}],
            "usage": {"prompt_tokens": prompt_chars // 4 + 1,
                      "completion_tokens": len(answer.text) // 4 + 1,
                      "total_tokens": prompt_chars // 4 + len(answer.text) // 4 + 2},
        }

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, code: int, obj: dict[str, Any],
                    extra: dict[str, str] | None = None) -> bool:
        data = json.dumps(obj).encode()
        head = [f"HTTP/1.1 {code} {_REASONS.get(code, 'Status')}",
                "Content-Type: application/json", f"Content-Length: {len(data)}",
                "Connection: keep-alive"]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()
        return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    server = ChatServer(delay=args.delay)

    async def run() -> None:
        await server.serve(args.port)
        print(f"PORT {server.port}", flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
