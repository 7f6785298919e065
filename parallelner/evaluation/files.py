"""The I/O edge of ``parallelner evaluate``: read predictions and gold, write metrics, draw tables.

The scoring itself is pure (``parallelner.evaluation.scores``); this module only turns files into
records (every bad line is an error naming file and line) and results into a JSON
file (the terminal tables are the CLI's).
"""

from __future__ import annotations

import json
from pathlib import Path

from parallelner.errors import InputError
from parallelner.evaluation.scores import Evaluation, evaluate
from parallelner.io import iter_jsonl
from parallelner.schema import ParallelSample


def load_samples(path: str | Path) -> list[ParallelSample]:
    """All records of a ParallelSample JSONL file; a bad line or a repeated id names file and
    line."""
    out: list[ParallelSample] = []
    seen: dict[str, int] = {}
    for line in iter_jsonl(path, ParallelSample):
        if line.record is None:
            raise InputError(line.error or "bad record", str(path), line.number)
        sid = line.record.id
        if sid in seen:
            raise InputError(
                f"sample id {sid!r} already appeared on line {seen[sid]}", str(path), line.number
            )
        seen[sid] = line.number
        out.append(line.record)
    return out


def evaluate_files(predictions: str | Path, gold: str | Path) -> Evaluation:
    """Score a predictions file against a gold file (both ParallelSample JSONL)."""
    gold_records = load_samples(gold)
    if not gold_records:
        raise InputError("the gold file holds no samples", str(gold))
    return evaluate(gold_records, load_samples(predictions))


def write_metrics(ev: Evaluation, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ev.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    return path
