"""What a chunk stage pays to learn the run's spend: a full re-read of ledger.jsonl (before) vs the
offset index ``ledger.jsonl.sum`` plus the new lines (now).

Writes a ledger of ``--lines`` lines (default 270,000, ~ a 257k-sample run), then times, as a new
process would at a chunk's start: (a) summing the whole file, (b) ``ledger_totals`` after one
chunk's worth (``--chunk`` lines, default 520) was appended since the index was written.
Rerun: ``PYTHONPATH=. .venv/bin/python benchmarks/ledger_read.py``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from parallelner.llm import ledger as ledger_mod
from parallelner.llm.ledger import ledger_totals


def line(i: int) -> str:
    return json.dumps({"stage": "translate", "ids": [f"europarl-sim-{i:07d}"], "model": "m",
                       "prompt_version": "translate.v1", "prompt_tokens": 412,
                       "completion_tokens": 61, "cost": 0.0001, "cached": False, "retries": 0,
                       "error": None, "time": 1.7e9}) + "\n"


def full_sum(path: Path) -> float:
    total = 0.0
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            e = json.loads(raw)
            if not e.get("cached"):
                total += float(e.get("cost", 0.0))
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=270_000)
    ap.add_argument("--chunk", type=int, default=520)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.jsonl"
        path.write_text("".join(line(i) for i in range(args.lines - args.chunk)))
        ledger_totals(path)  # the index, as the previous chunk left it
        with path.open("a") as fh:
            fh.write("".join(line(i) for i in range(args.chunk)))
        t = time.perf_counter()
        full = full_sum(path)
        t_full = time.perf_counter() - t
        ledger_mod._BOOKS.clear()  # a new process
        t = time.perf_counter()
        indexed = ledger_totals(path).cost
        t_index = time.perf_counter() - t
        assert abs(full - indexed) < 1e-6, (full, indexed)
        print(f"ledger of {args.lines:,} lines ({path.stat().st_size / 2**20:.0f} MiB), "
              f"{args.chunk} new since the index:")
        print(f"  full re-read     {1000 * t_full:8.1f} ms")
        print(f"  index + tail     {1000 * t_index:8.1f} ms   (same total: {indexed:.4f})")


if __name__ == "__main__":
    main()
