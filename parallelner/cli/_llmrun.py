"""What the LLM commands share: settings from options, a Rich progress bar, summary tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from parallelner.stages.scaffold import RunReport

from ..config import Settings, load_settings
from ._util import console

BUDGET_EXIT = 3  # the run stopped at the budget: output written, a rerun resumes

ConfigOpt = typer.Option(None, "--config", "-c", help="TOML settings file.", exists=True,
                         dir_okay=False)
BaseUrlOpt = typer.Option(None, "--base-url", help="OpenAI-compatible API root, e.g. "
                          "http://host:8000/v1. Default: the embedded local model.")
ModelOpt = typer.Option(None, "--model", help="Model name sent to the endpoint.")
ConcurrencyOpt = typer.Option(None, "--concurrency", min=1, help="Calls in flight at once.")
BudgetOpt = typer.Option(None, "--budget", min=0.0, help="Stop making new calls at this cost "
                         "(needs \\[llm.prices] in the settings); a rerun resumes from the cache.")
NoCacheOpt = typer.Option(False, "--no-cache", help="Neither read nor write the response cache.")
LedgerOpt = typer.Option(None, "--ledger", help="Token/cost ledger (JSONL, appended). "
                         "Default: OUTPUT with .ledger.jsonl.")
DryRunOpt = typer.Option(False, "--dry-run", help="Only print the token and cost estimate.")


def settings_from(config: Path | None, **llm: Any) -> Settings:
    """Settings file/env, then the options that were given (None means 'not given')."""
    return load_settings(config, overrides={"llm": {k: v for k, v in llm.items() if v is not None}})


def default_ledger(output: Path, ledger: Path | None) -> Path:
    return ledger or output.with_name(output.stem + ".ledger.jsonl")


def say(message: str) -> None:
    console.print(f"[dim]{message}[/]", highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int], Callable[[int], None]]]:
    with Progress(
        SpinnerColumn(), TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
    ) as progress:
        def factory(total: int) -> Callable[[int], None]:
            task = progress.add_task(label, total=total)
            return lambda n: progress.advance(task, n)

        yield factory


def print_estimate(rep: RunReport) -> None:
    est = rep.estimate
    if est is None:
        return
    t = Table(title=f"{rep.stage}: estimate before the run", show_header=False)
    t.add_row("samples", str(rep.samples))
    t.add_row("calls to make", str(est.calls))
    t.add_row("answers already cached", str(est.cached))
    t.add_row("prompt tokens (est.)", f"{est.prompt_tokens:,}")
    t.add_row("completion tokens (est.)", f"{est.completion_tokens:,}")
    t.add_row("cost (est.)", f"{est.cost:.4f}" + (" + unpriced calls" if est.unpriced else ""))
    console.print(t)
    for model in est.unpriced:
        console.print(f"[bold yellow]warning:[/] {escape(price_missing(model))}; its calls are "
                      "counted as 0 above", highlight=False, soft_wrap=True)


def price_missing(model: str) -> str:
    """What to set for a model without a price (the shipped example lists common ones)."""
    return (f'no price for model {model!r}: set [llm.prices."{model}"] input_per_mtok and '
            "output_per_mtok in the settings (see settings.example.toml)")


def print_report(rep: RunReport) -> None:
    t = Table(title=f"{rep.stage}: summary", show_header=False)
    t.add_row("samples", str(rep.samples))
    for key, value in sorted(rep.counts.items()):
        t.add_row(key, str(value))
    tot = rep.totals
    t.add_row("calls made", str(tot.calls))
    t.add_row("answers from cache", str(tot.cached))
    t.add_row("retries", str(tot.retries))
    t.add_row("failed calls", str(tot.failed))
    t.add_row("prompt tokens", f"{tot.prompt_tokens:,}")
    t.add_row("prompt tokens per sample", f"{rep.prompt_tokens_per_sample:.1f}")
    t.add_row("completion tokens", f"{tot.completion_tokens:,}")
    t.add_row("cost", f"{tot.cost:.4f}")
    t.add_row("time", f"{rep.elapsed:.1f} s")
    if rep.output is not None:
        t.add_row("output", str(rep.output))
    console.print(t)


def finish(rep: RunReport) -> None:
    """Summary table; a budget stop ends with its own exit code after saying how to resume."""
    print_report(rep)
    if rep.budget_message:
        console.print(f"[bold yellow]stopped:[/] {rep.budget_message}", highlight=False)
        raise typer.Exit(BUDGET_EXIT)


def run_stage_command(label: str, stage: Callable[..., RunReport], *args: Any, output: Path,
                      ledger: Path | None, no_cache: bool, dry_run: bool) -> None:
    """A stage command: the estimate only on --dry-run; else a progress bar, the estimate before
    the calls, the summary after, the budget exit code."""
    if dry_run:
        print_estimate(stage(*args, use_cache=not no_cache, dry_run=True))
        return
    with progress_bar(label) as bar:
        rep = stage(*args, use_cache=not no_cache, ledger_path=default_ledger(output, ledger),
                    progress_factory=bar, report=say, on_estimate=print_estimate)
    finish(rep)
