"""LLM client throughput and overhead, and the embedded local model's speed on this machine.

Part 1: our OpenAI-protocol test server (tests/llm_server.py) runs in a child process and answers
every chat call after a fixed delay. The client (parallelner.llm.LLMClient, through the real
``openai`` package) makes N calls at concurrency C. Ideal throughput is C / delay; we report the
fraction reached and the client's CPU time per call (this process only: the server has its own).
Also the full stage path (LLMService: cache lookup + store, ledger line per call).

Part 2: the real local model (Qwen2.5-Coder-1.5B Q4_K_M, llama.cpp, 1 thread) translates shipped
UNER PUD sentences en->zh through ``translate_file`` (no cache); sentences per minute.

Run:  PYTHONPATH=. python benchmarks/llm_throughput.py [--calls 640] [--concurrency 64]
      [--delay 0.5] [--local-sentences 12] [--skip-local]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from parallelner.config import load_settings
from parallelner.llm import LLMClient, LLMService, Request, RetryPolicy
from parallelner.llm.cache import ResponseCache
from parallelner.llm.ledger import Ledger, Prices

REPO = Path(__file__).resolve().parents[1]


def start_server(delay: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "llm_server.py"), "--delay", str(delay)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "PORT":
        proc.kill()
        raise SystemExit("the test server did not start")
    return proc, f"http://127.0.0.1:{line[1]}/v1"


def request(i: int) -> Request:
    # distinct content per call, so the service path never hits its cache
    return Request.of([{"role": "system", "content": "Translate into German."},
                       {"role": "user", "content": f'Sentence {i} about <LOC id="1">Paris</LOC>.'}],
                      model="bench-model", prompt_version="bench.v1")


async def run_calls(url: str, calls: int, concurrency: int, service_dir: Path | None) -> dict:
    client = LLMClient(url, SecretStr("sk-bench"), timeout=30, concurrency=concurrency,
                       retry=RetryPolicy(max_retries=0))
    service = None
    if service_dir is not None:
        service = LLMService(client, Ledger(Prices({}), None, service_dir / "ledger.jsonl"),
                             ResponseCache(service_dir / "cache.sqlite"))
    reqs = [request(i) for i in range(calls)]
    # warm the connection pool so the measurement is the steady state
    await asyncio.gather(*(client.complete(request(-i - 1)) for i in range(concurrency)))
    cpu0, t0 = time.process_time(), time.perf_counter()
    if service is None:
        results = await asyncio.gather(*(client.complete(r) for r in reqs))
        ok = sum(1 for c in results if c.text)
    else:
        outs = await asyncio.gather(*(service.call(r, stage="bench", ids=[str(i)])
                                      for i, r in enumerate(reqs)))
        ok = sum(1 for o in outs if o.usable)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await client.aclose()
    return {"ok": ok, "wall": wall, "cpu": cpu}


def part1(args: argparse.Namespace) -> None:
    proc, url = start_server(args.delay)
    try:
        ideal = args.concurrency / args.delay
        print(f"\n== client against a server answering after {args.delay * 1000:.0f} ms ==")
        print(f"calls={args.calls} concurrency={args.concurrency} ideal={ideal:.1f} calls/s; "
              f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
        for label, service in (("client", False), ("service (cache+ledger)", True)):
            with tempfile.TemporaryDirectory() as tmp:
                r = asyncio.run(run_calls(url, args.calls, args.concurrency,
                                          Path(tmp) if service else None))
            rate = r["ok"] / r["wall"]
            print(f"{label:24s} ok={r['ok']}/{args.calls} wall={r['wall']:.2f} s "
                  f"throughput={rate:.1f} calls/s ({100 * rate / ideal:.1f}% of ideal) "
                  f"cpu/call={1000 * r['cpu'] / args.calls:.3f} ms")
    finally:
        proc.terminate()
        proc.wait()


def part2(args: argparse.Namespace) -> None:
    from parallelner.llm.local_model import LocalServer, ensure_model
    from parallelner.stages.translate import translate_file

    settings = load_settings(environ={})
    ensure_model(settings.data_dir)
    src = REPO / "tests" / "fixtures" / "llm" / "pud_en_12.jsonl"
    lines = src.read_text().splitlines()[: args.local_sentences]
    load = os.getloadavg()
    print(f"\n== local model: {len(lines)} UNER PUD sentences en->zh, "
          f"{settings.llm.local_threads} thread(s), no cache ==")
    with tempfile.TemporaryDirectory() as tmp:
        first, rest = Path(tmp) / "first.jsonl", Path(tmp) / "rest.jsonl"
        first.write_text(lines[0] + "\n")
        rest.write_text("\n".join(lines[1:]) + "\n")
        t0 = time.perf_counter()
        server = LocalServer(settings.data_dir, settings.llm).start()
        started = time.perf_counter() - t0
        try:
            s = settings.model_copy(update={"llm": settings.llm.model_copy(
                update={"base_url": server.base_url})})
            # the first sentence also reads the shared instructions + few-shot prefix, which
            # llama.cpp then keeps in its prompt cache for the following sentences
            cold = translate_file(first, Path(tmp) / "o1.jsonl", "zh", s, use_cache=False)
            warm = translate_file(rest, Path(tmp) / "o2.jsonl", "zh", s, use_cache=False)
        finally:
            server.stop()
    total = cold.elapsed + warm.elapsed
    n = cold.samples + warm.samples
    print(f"load average before: {load[0]:.2f} (2 cores; other work on the machine slows this)")
    print(f"server start {started:.1f} s; first sentence {cold.elapsed:.1f} s (prompt prefix); "
          f"next {warm.samples}: {warm.elapsed / warm.samples:.2f} s/sentence")
    print(f"all {n}: {total:.1f} s -> {60 * n / total:.1f} sentences/min; steady state "
          f"{60 * warm.samples / warm.elapsed:.1f} sentences/min; prompt tokens/sentence "
          f"{warm.prompt_tokens_per_sample:.0f}, completion tokens/sentence "
          f"{warm.totals.completion_tokens / warm.samples:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=640)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--local-sentences", type=int, default=12)
    ap.add_argument("--skip-local", action="store_true")
    args = ap.parse_args()
    part1(args)
    if not args.skip_local:
        part2(args)
    print(f"\nrerun: PYTHONPATH=. {Path(sys.executable).name} benchmarks/llm_throughput.py "
          + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
