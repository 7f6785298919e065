"""The run report streams the records (memory flat in N), takes calls, tokens and cost from the
run's ledger (issue 15 item 5), and carries the run's wall time (not 0.0 s)."""

from __future__ import annotations

import json
import tracemalloc

from parallelner.io import write_jsonl
from parallelner.run import report as report_mod
from parallelner.run.folder import RunParams, load_manifest, open_run, save_manifest
from parallelner.run.report import finish_report, summarize_run, write_report
from parallelner.schema import Attempt, EntitySpan, ParallelSample, Provenance, Status


def rec(i: int, status: Status = Status.accepted, error: str | None = None) -> ParallelSample:
    return ParallelSample(
        id=f"s{i}", source_lang="en", target_lang="de", source_text=f"Paris is nice {i}.",
        source_entities=[EntitySpan(start=0, end=5, label="LOC")],
        target_text=f"Paris ist schön {i}.", confidence=0.9, status=status,
        provenance=Provenance(attempts=[
            Attempt(stage="translate", prompt_tokens=100, completion_tokens=20, cost=0.001),
            Attempt(stage="refine", prompt_tokens=10, completion_tokens=5, cost=0.0001,
                    error=error)]),
    )


def make_run(tmp_path, n: int, name: str = "r"):
    paths, _, _ = open_run(tmp_path, name, RunParams())
    recs = [rec(i, Status.accepted if i % 4 else Status.review) for i in range(n)]
    for c in range(0, n, 100):
        write_jsonl(paths.chunk(c // 100, "align"), recs[c:c + 100])
        write_jsonl(paths.chunk(c // 100, "refine"), recs[c:c + 100])
    write_jsonl(paths.final, recs)
    return paths


def peak_bytes(paths) -> int:
    tracemalloc.start()
    try:
        summarize_run(paths.root)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_summarize_run_memory_is_flat_in_the_number_of_samples(tmp_path):
    small, large = make_run(tmp_path, 200, "small"), make_run(tmp_path, 3000, "large")
    s = summarize_run(large.root)
    assert s.samples == 3000 and [(y.stage, y.samples, y.accepted) for y in s.yields] == [
        ("align", 3000, 2250), ("refine", 3000, 2250)]
    peak_bytes(small)  # warm imports and caches
    a, b = peak_bytes(small), peak_bytes(large)
    # 15x the samples: a few chunk paths more, not the records (3,000 of them held took ~15 MB)
    assert b - a < 256 * 1024, (a, b)


def ledger_line(cost: float, cached: bool = False, error: str | None = None) -> str:
    return json.dumps({"stage": "translate", "ids": ["x"], "model": "m", "prompt_version": "p",
                       "prompt_tokens": 0 if cached else 100, "completion_tokens": 0 if cached
                       else 10, "cost": 0.0 if cached else cost, "cached": cached,
                       "retries": 0, "error": error, "time": 0}) + "\n"


def test_calls_tokens_and_cost_are_the_ledgers(tmp_path):
    """After a budget stop and a resume the records keep only the answers they use; the ledger
    has every call: the first run's, the cache hits of the resume, and the failed ones."""
    paths, _, _ = open_run(tmp_path, "r", RunParams())
    write_jsonl(paths.final, [rec(i, error="refine answer could not be placed") for i in range(3)])
    lines = [ledger_line(2.0) for _ in range(6)] + [ledger_line(0.0, cached=True)] * 3
    lines.append(ledger_line(0.0, error="HTTP 500 after 5 retries"))
    paths.ledger.write_text("".join(lines), encoding="utf-8")
    s = summarize_run(paths.root)
    assert (s.calls, s.cached_calls, s.failed_calls) == (7, 3, 1)  # records say (6, 0, 3)
    assert (s.prompt_tokens, s.completion_tokens) == (700, 70)
    assert s.cost == 12.0 and s.calls_from == "ledger"
    write_report(s, paths)
    md = paths.report_md.read_text(encoding="utf-8")
    assert "LLM calls made 7 (1 failed), answers from the cache 3" in md
    assert "cost 12.0000 USD (from the ledger)" in md


def test_without_a_ledger_calls_come_from_the_records_and_failed_means_failed(tmp_path):
    paths, _, _ = open_run(tmp_path, "r", RunParams())
    write_jsonl(paths.final, [rec(i) for i in range(3)])
    s = summarize_run(paths.root)
    assert (s.calls, s.cached_calls, s.failed_calls, s.calls_from) == (6, 0, 0, "records")


def test_finish_report_puts_the_wall_time_in_and_reads_no_record(tmp_path, monkeypatch):
    paths = make_run(tmp_path, 50)
    write_report(summarize_run(paths.root), paths)  # what the flow's finish writes: wall 0.0
    manifest = load_manifest(paths.root)[1]
    manifest.wall_seconds = 12.5  # what the CLI adds after the flow
    save_manifest(paths, manifest)

    def no_reading(_):
        raise AssertionError("the report is current: no record needs reading")

    monkeypatch.setattr(report_mod, "summarize_run", no_reading)
    s = finish_report(paths.root)
    assert s.wall_seconds == 12.5 and s.samples == 50
    assert json.loads(paths.report_json.read_text())["wall_seconds"] == 12.5
    assert "wall time 12.5 s" in paths.report_md.read_text(encoding="utf-8")


def test_finish_report_summarizes_again_when_the_records_are_newer(tmp_path):
    paths = make_run(tmp_path, 50)
    write_report(summarize_run(paths.root), paths)
    write_jsonl(paths.reviewed, [rec(i) for i in range(50)])  # a review pull after the finish
    s = finish_report(paths.root)
    assert s.status["accepted"] == 50
