"""`parallelner evaluate` (scores against gold) and `parallelner gold build` (gold from corpora)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..evaluation.scores import Breakdown, Evaluation, Scores
from ._util import console, friendly_errors

gold_app = typer.Typer(help="Gold parallel NER data: build projection inputs and gold files.",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(gold_app, name="gold")

    @app.command("evaluate")
    @friendly_errors
    def evaluate_cli(
        predictions: Path = typer.Argument(..., help="Predicted ParallelSample JSONL."),
        gold: Path = typer.Option(..., "--gold", help="Gold ParallelSample JSONL (same ids)."),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write metrics JSON here."),
    ) -> None:
        """Score predicted target entities against gold: span P/R/F1, faithfulness, yield."""
        from parallelner.evaluation.files import evaluate_files, write_metrics

        ev = evaluate_files(predictions, gold)
        for table in evaluation_tables(ev):
            console.print(table)
        if output is not None:
            console.print(f"wrote {write_metrics(ev, output)}")

    @gold_app.command("build")
    @friendly_errors
    def gold_build_cli(
        corpus: str = typer.Option("europarl", help="Shipped corpus: europarl or uner-pud."),
        pair: list[str] = typer.Option(
            [], "--pair", "-p", help="Language pair like en-de (repeatable; default: the "
            "corpus's pairs: europarl en-de en-es en-it, uner-pud en-zh zh-en en-de)."
        ),
        out_dir: Path = typer.Option(Path("outputs/gold"), "--out-dir", help="Output folder."),
        gold_dir: Path | None = typer.Option(None, help="Folder holding the corpora "
                                             "(default: the repository's data/gold)."),
        limit: int | None = typer.Option(None, min=1, help="Keep the first N pairs."),
        sample: int | None = typer.Option(None, min=1, help="Draw N pairs at random (--seed)."),
        seed: int = typer.Option(0, help="Seed of --sample."),
        with_entities: bool = typer.Option(
            False, help="Keep only pairs where either side has an entity."
        ),
    ) -> None:
        """Write <corpus>.<pair>.input.jsonl (projection input) and .gold.jsonl per pair."""
        from parallelner.evaluation.gold import write_gold_sets

        sets = write_gold_sets(corpus, pair, out_dir, gold_dir=gold_dir, limit=limit,
                               sample=sample, seed=seed, with_entities=with_entities)
        console.print(gold_table(sets))
        for s in sets:
            console.print(f"wrote {s.input_path} and {s.gold_path}")


def gold_table(sets: list) -> object:
    from rich.table import Table

    table = Table(title="gold sets", title_justify="left")
    for col in ("corpus", "pair", "pairs", "of", "source entities", "gold entities", "paired"):
        table.add_column(col, justify="left" if col in ("corpus", "pair") else "right")
    for s in sets:
        share = s.paired_entities / s.gold_entities if s.gold_entities else 0.0
        table.add_row(s.corpus, s.pair, str(len(s.gold)), str(s.available), str(s.source_entities),
                      str(s.gold_entities), f"{s.paired_entities} ({100 * share:.0f}%)")
    return table


# --- terminal tables of an evaluation (display lives in the CLI) ---

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
