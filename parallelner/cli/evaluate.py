"""`parallelner evaluate` (scores against gold) and `parallelner gold build` (gold from corpora)."""

from __future__ import annotations

from pathlib import Path

import typer

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
        from parallelner.evaluation.files import evaluate_files, evaluation_tables, write_metrics

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
