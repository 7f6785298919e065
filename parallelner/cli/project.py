"""``parallelner project``: projection mode from the command line (a thin wrapper)."""

from __future__ import annotations

from pathlib import Path

import typer

from . import _llmrun as o
from ._util import friendly_errors


def register(app: typer.Typer) -> None:
    app.command("project")(project_cli)


@friendly_errors
def project_cli(
    input_path: Path = typer.Argument(
        ..., metavar="INPUT.jsonl", help="ParallelSample JSONL with source side and target_text."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the aligned records."),
    base_url: str | None = o.BaseUrlOpt,
    model: str | None = o.ModelOpt,
    concurrency: int | None = o.ConcurrencyOpt,
    budget: float | None = o.BudgetOpt,
    no_cache: bool = o.NoCacheOpt,
    ledger: Path | None = o.LedgerOpt,
    dry_run: bool = o.DryRunOpt,
    config: Path | None = o.ConfigOpt,
) -> None:
    """Tag given translations with the source entities (no re-translation); output as `align`'s."""
    from parallelner.stages.project import project_file

    settings = o.settings_from(config, base_url=base_url, model=model, concurrency=concurrency,
                               budget=budget)
    o.run_stage_command("project", project_file, input_path, output, settings, output=output,
                        ledger=ledger, no_cache=no_cache, dry_run=dry_run)
