"""The run's ledger is summed incrementally (``ledger.jsonl.sum``): exact after a kill -9 that cut
the last line, after a resume in a new process, with threads and processes writing at once; and
the budget shared by the chunk stages of a process never overshoots."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.synchronize
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from parallelner.config import ModelPrice
from parallelner.errors import BudgetExceeded
from parallelner.llm import ledger as ledger_mod
from parallelner.llm.client import Completion, Request
from parallelner.llm.ledger import Ledger, Prices, index_path, ledger_cost, ledger_totals

PRICES = Prices({"m": ModelPrice(input_per_mtok=1e6, output_per_mtok=1e6)})  # 1 per token


def req(text: str = "x" * 40, max_tokens: int = 20) -> Request:
    return Request(messages=(("user", text),), model="m", prompt_version="p.v1",
                   max_tokens=max_tokens)


def done(pt: int, ct: int, cached: bool = False) -> Completion:
    return Completion(text="t", model="m", prompt_tokens=pt, completion_tokens=ct, cached=cached)


@pytest.fixture(autouse=True)
def fresh_process():
    """Each test starts as a new process would: no book of any ledger file in memory."""
    ledger_mod._BOOKS.clear()
    yield
    ledger_mod._BOOKS.clear()


def new_process() -> None:
    ledger_mod._BOOKS.clear()


def record(path: Path, n: int, pt: int = 3, ct: int = 2, *, stage: str = "translate") -> None:
    led = Ledger(PRICES, path=path)
    for i in range(n):
        led.record_call(stage, [f"s{i}"], req(), done(pt, ct))


def slow_sum(path: Path) -> tuple[int, int, int, float]:
    """What a full re-read says: (calls, cached, failed, cost)."""
    calls = cached = failed = 0
    cost = 0.0
    for line in path.read_bytes().splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        cached += bool(e["cached"])
        calls += not e["cached"]
        failed += e["error"] is not None
        cost += 0.0 if e["cached"] else e["cost"]
    return calls, cached, failed, cost


def test_totals_count_calls_cached_failed_tokens_and_cost(tmp_path):
    path = tmp_path / "ledger.jsonl"
    led = Ledger(PRICES, path=path)
    led.record_call("translate", ["a"], req(), done(3, 2))
    led.record_call("translate", ["b"], req(), done(3, 2, cached=True))
    led.record_call("refine", ["c"], req(), None, error="timeout", retries=2)
    t = ledger_totals(path)
    assert (t.calls, t.cached, t.failed, t.prompt_tokens, t.completion_tokens) == (2, 1, 1, 3, 2)
    assert t.cost == 5.0 and t.retries == 2
    assert ledger_totals(tmp_path / "none.jsonl").calls == 0


def test_a_resume_reads_only_the_lines_after_the_index(tmp_path):
    path = tmp_path / "ledger.jsonl"
    record(path, 10)
    assert ledger_cost(path) == 50.0  # writes ledger.jsonl.sum at the end of the file
    index = json.loads(index_path(path).read_text())
    assert index["offset"] == path.stat().st_size
    # Proof that the lines before the offset are not read again: an index that claims more
    # money is believed (its check bytes still match the file), and only new lines are added.
    index["totals"]["cost"] = 1000.0
    index_path(path).write_text(json.dumps(index))
    new_process()
    record(path, 2)
    assert ledger_cost(path) == 1010.0


def test_exact_after_a_kill_that_cut_the_last_line(tmp_path):
    path = tmp_path / "ledger.jsonl"
    record(path, 5)
    ledger_cost(path)  # index at the end of line 5
    with path.open("ab") as fh:  # kill -9 in the middle of writing line 6
        fh.write(b'{"stage": "translate", "ids": ["cut"], "model": "m", "cost": 99')
    new_process()
    assert ledger_cost(path) == 25.0  # the cut line is not a call that can be counted
    record(path, 3)  # the resume writes on: its first line must not be glued to the cut one
    new_process()
    assert ledger_cost(path) == 40.0
    assert slow_sum(path) == (8, 0, 0, 40.0)


def test_a_stale_or_broken_index_is_rebuilt_from_the_file(tmp_path):
    path = tmp_path / "ledger.jsonl"
    record(path, 4)
    ledger_cost(path)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:1]))  # file replaced
    new_process()
    assert ledger_cost(path) == 5.0
    index_path(path).write_text("not json")
    new_process()
    assert ledger_cost(path) == 5.0


def test_threads_of_one_process_writing_at_once_are_all_counted(tmp_path):
    path = tmp_path / "ledger.jsonl"
    readings: list[float] = []

    def chunk() -> None:
        led = Ledger(PRICES, path=path).for_whole_run()
        for i in range(200):
            led.record_call("translate", [f"s{i}"], req(), done(3, 2))
            if i % 50 == 0:
                readings.append(ledger_cost(path))

    threads = [threading.Thread(target=chunk) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger_cost(path) == 6 * 200 * 5.0
    assert slow_sum(path) == (1200, 0, 0, 6000.0)
    assert all(r <= 6000.0 for r in readings)


def _writer(path: str, n: int) -> None:
    record(Path(path), n)


def test_processes_appending_to_one_file_are_all_counted(tmp_path):
    path = tmp_path / "ledger.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), 300)) for _ in range(3)]
    for p in procs:
        p.start()
    seen = []
    while any(p.is_alive() for p in procs):
        seen.append(ledger_cost(path))  # reading while they write: never more than written
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert ledger_cost(path) == 900 * 5.0 == slow_sum(path)[3]
    assert seen == sorted(seen)


def _spend_until_stopped(led: Ledger) -> None:
    """Calls as a chunk stage makes them: reserve, record, release, until the budget stops it."""
    for i in range(100):
        try:
            held = led.reserve(req())  # worst case 38
        except BudgetExceeded:
            return
        led.record_call("translate", [f"s{i}"], req(), done(14, 20))  # real cost 34
        led.release(held)


def test_chunk_stages_of_one_process_share_the_budget_and_never_overshoot(tmp_path):
    path = tmp_path / "ledger.jsonl"
    budget = 500.0
    barrier = threading.Barrier(4)

    def chunk() -> None:
        led = Ledger(PRICES, budget=budget, path=path).for_whole_run()
        barrier.wait()
        _spend_until_stopped(led)

    threads = [threading.Thread(target=chunk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spent = ledger_cost(path)
    assert spent <= budget
    assert spent > budget - 4 * 38  # and it did not stop long before the cap


def _spender(path: str, budget: float, start: multiprocessing.synchronize.Event) -> None:
    led = Ledger(PRICES, budget=budget, path=Path(path)).for_whole_run()
    start.wait()
    _spend_until_stopped(led)


def test_worker_processes_share_the_budget_and_never_overshoot(tmp_path):
    # The chunk stages of a big run work in a pool of processes (flows/pipeline.py): each one's
    # calls in flight count against the budget of the others (``<ledger>.held``).
    path = tmp_path / "ledger.jsonl"
    budget = 500.0
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_spender, args=(str(path), budget, start)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    spent = ledger_cost(path)
    assert spent <= budget
    assert spent > budget - 4 * 38


def test_calls_in_flight_of_another_living_process_are_held_and_a_dead_ones_are_not(tmp_path):
    path = tmp_path / "ledger.jsonl"
    record(path, 10)  # 50 spent
    new_process()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        held = path.with_name("ledger.jsonl.held")
        held.mkdir()
        (held / str(other.pid)).write_text("40.0")  # another worker holds 40
        led = Ledger(PRICES, budget=120.0, path=path).for_whole_run()
        with pytest.raises(BudgetExceeded, match="spent 50.0000, 40.0000 held"):
            led.reserve(req())  # 50 + 40 held elsewhere + 38 = 128 > 120
    finally:
        other.kill()
        other.wait()
    new_process()
    led = Ledger(PRICES, budget=120.0, path=path).for_whole_run()
    assert led.reserve(req()) == 38.0  # the dead worker holds nothing: 50 + 38 <= 120
    assert not (held / str(other.pid)).exists()


def test_a_resumed_run_counts_what_earlier_processes_spent(tmp_path):
    path = tmp_path / "ledger.jsonl"
    record(path, 10)  # 50 spent by the killed run
    new_process()
    led = Ledger(PRICES, budget=100.0, path=path).for_whole_run()
    led.reserve(req())  # 50 + 38 <= 100
    with pytest.raises(BudgetExceeded, match="spent 50.0000, 38.0000 held"):
        led.reserve(req())
