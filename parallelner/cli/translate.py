"""``parallelner translate``: stage 1 from the command line (a thin wrapper)."""

from __future__ import annotations

from pathlib import Path

import typer

from . import _llmrun as o
from ._util import friendly_errors


def register(app: typer.Typer) -> None:
    app.command("translate")(translate_cli)


@friendly_errors
def translate_cli(
    input_path: Path = typer.Argument(..., metavar="INPUT.jsonl", help="Source samples (JSONL)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write ParallelSample JSONL."),
    target_lang: str = typer.Option(..., "--target-lang", "-t", help="ISO 639-1 code, e.g. zh."),
    base_url: str | None = o.BaseUrlOpt,
    model: str | None = o.ModelOpt,
    concurrency: int | None = o.ConcurrencyOpt,
    batch_size: int | None = typer.Option(None, "--batch-size", "-k", min=1,
                                          help="Sentences per request (numbered)."),
    budget: float | None = o.BudgetOpt,
    no_cache: bool = o.NoCacheOpt,
    ledger: Path | None = o.LedgerOpt,
    dry_run: bool = o.DryRunOpt,
    config: Path | None = o.ConfigOpt,
) -> None:
    """Translate source samples with inline entity markup; the output is what `align` reads."""
    from parallelner.stages.translate import translate_file

    settings = o.settings_from(config, base_url=base_url, model=model, concurrency=concurrency,
                               batch_size=batch_size, budget=budget)
    o.run_stage_command("translate", translate_file, input_path, output, target_lang, settings,
                        output=output, ledger=ledger, no_cache=no_cache, dry_run=dry_run)
