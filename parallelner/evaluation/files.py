"""The I/O edge of ``parallelner evaluate``: read predictions and gold, write metrics, draw tables.

The scoring itself is pure (``parallelner.evaluation.scores``); this module only turns files into
records (every bad line is an error naming file and line) and results into a JSON
file and Rich tables.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from parallelner.errors import InputError
from parallelner.evaluation.scores import Breakdown, Evaluation, Scores, evaluate
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


_CAPTION = "P R F1: exact (same span, same label); P≈ R≈ F1≈: overlap (same label, spans meet)"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def _row(name: str, s: Scores) -> list[str]:
    e, o = s.exact, s.overlap
    return [name, str(e.gold), str(e.predicted), _pct(e.precision), _pct(e.recall), _pct(e.f1),
            _pct(o.precision), _pct(o.recall), _pct(o.f1)]


def _scores_table(title: str, bd: Breakdown) -> Table:
    table = Table(title=title, title_justify="left", caption=_CAPTION, caption_justify="left")
    table.add_column("slice")
    for col in ("gold", "pred", "P", "R", "F1", "P≈", "R≈", "F1≈"):
        table.add_column(col, justify="right")
    table.add_row(*_row("all", bd.overall), style="bold")
    if len(bd.per_pair) > 1:
        for pair, s in bd.per_pair.items():
            table.add_row(*_row(pair, s))
    for label, s in bd.per_label.items():
        table.add_row(*_row(label, s))
    return table


def evaluation_tables(ev: Evaluation) -> list[Table]:
    """Score tables (per non-empty view and matching; the primary matching first), then counts."""
    tables = []
    order = ("offset", "surface") if ev.primary == "offset" else ("surface", "offset")
    for name, view in ev.views.items():
        if not view.samples:
            continue
        for matching in order:
            bd = getattr(view, matching)
            if bd is None:
                continue
            tag = " (primary)" if matching == ev.primary else ""
            tables.append(_scores_table(
                f"{matching} matching{tag}, {name} samples ({view.samples}), in %", bd
            ))
    info = Table(title="samples", title_justify="left")
    info.add_column("what")
    info.add_column("count", justify="right")
    rows = [("gold samples", ev.gold_samples), ("predicted", ev.predicted_samples),
            ("missing from predictions", ev.missing), ("predictions not in gold", ev.extra),
            ("same target text as gold", ev.same_text),
            ("different target text", ev.different_text), ("no target text", ev.no_text)]
    rows += [(f"status {k}", v) for k, v in ev.status.items()]
    for what, n in rows:
        info.add_row(what, str(n))
    for name, view in ev.views.items():
        f = view.faithfulness
        info.add_row(f"faithful ({name})", f"{f.faithful}/{f.samples} = {_pct(f.share)}%")
    tables.append(info)
    return tables
