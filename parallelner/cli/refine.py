"""``parallelner refine``: stage 3 from the command line (a thin wrapper)."""

from __future__ import annotations

from pathlib import Path

import typer

from . import _llmrun as o
from ._util import friendly_errors


def register(app: typer.Typer) -> None:
    app.command("refine")(refine_cli)


@friendly_errors
def refine_cli(
    input_path: Path = typer.Argument(..., metavar="ALIGNED.jsonl",
                                      help="Aligned samples (JSONL from `align`)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the refined JSONL."),
    base_url: str | None = o.BaseUrlOpt,
    model: str | None = o.ModelOpt,
    refine_model: str | None = typer.Option(
        None, "--refine-model", help="A stronger model for more rounds after --model's."),
    rounds: int | None = typer.Option(None, "--rounds", min=1, help="Rounds per model."),
    concurrency: int | None = o.ConcurrencyOpt,
    budget: float | None = o.BudgetOpt,
    no_cache: bool = o.NoCacheOpt,
    ledger: Path | None = o.LedgerOpt,
    dry_run: bool = o.DryRunOpt,
    config: Path | None = o.ConfigOpt,
) -> None:
    """Send samples marked `refine` back to the LLM with their issues; validate each round."""
    from parallelner.stages.refine import refine_file

    settings = o.settings_from(config, base_url=base_url, model=model, refine_model=refine_model,
                               refine_rounds=rounds, concurrency=concurrency, budget=budget)
    o.run_stage_command("refine", refine_file, input_path, output, settings, output=output,
                        ledger=ledger, no_cache=no_cache, dry_run=dry_run)
