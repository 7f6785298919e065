"""`parallelner run`: start (or resume) the whole pipeline as a Prefect flow, with live progress.

Options left out take the settings' value (``[run]`` and ``[llm]`` of ``--config``, then the
defaults of ``parallelner.config``); on ``--run-id`` they take what the run recorded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from ._util import console, friendly_errors, say_error

BUDGET_EXIT = 3  # the budget stopped the run: what was done is kept, a rerun resumes


def register(app: typer.Typer) -> None:
    app.command("run")(run_cli)


def run_cli(
    source: str = typer.Option(
        None, help="Source file or folder (any reader, see `parallelner sources`); default: the "
        "shipped sample (20 sentences)."
    ),
    source_format: str = typer.Option(
        None, "--format", help="Reader name; default: by file name."
    ),
    split: str = typer.Option(None, "--split", help="Split to read (multi-split sources)."),
    labels: str = typer.Option(
        None, "--labels", help="Comma-separated label names for integer ner_tags."
    ),
    tag_scheme: str = typer.Option(None, "--tag-scheme", help="bio (IOB2/BIOES) or iob1."),
    source_lang: str = typer.Option(None, help="Language of the source sentences [default: en]."),
    target_lang: str = typer.Option(None, help="Language to translate into [default: zh]."),
    limit: int = typer.Option(None, min=1, help="Read at most this many source samples "
                              "[default: all; 20 of the shipped sample]."),
    mode: str = typer.Option(None, help="translate | project [default: translate]."),
    base_url: str = typer.Option(
        None, help="OpenAI-compatible endpoint; default: the embedded local model."
    ),
    model: str = typer.Option(None, help="Model name at the endpoint."),
    refine_model: str = typer.Option(None, help="A stronger model for refinement rounds."),
    refine_rounds: int = typer.Option(
        None, "--rounds", min=0, help="Refine rounds per model [default: 2]."
    ),
    concurrency: int = typer.Option(None, min=1, help="Concurrent LLM requests [default: 4]."),
    budget: float = typer.Option(
        None, min=0.0, help="Stop new LLM calls once this much is spent (needs prices)."
    ),
    run_id: str = typer.Option(
        None, help="Resume this run: alone, with the options it recorded."
    ),
    review: bool = typer.Option(
        None, "--review/--no-review", help="Push uncertain samples to Argilla [default: on]."
    ),
    chunk_size: int = typer.Option(
        None, min=1, help="Samples per chunk task [default: 10]."
    ),
    dask_address: str = typer.Option(None, help="Run tasks on this Dask scheduler."),
    dask_workers: int = typer.Option(
        None, min=0, help="Run tasks on a local Dask cluster with N workers."
    ),
    processes: int = typer.Option(
        None, min=0, help="Worker processes for the chunk stages; 0: threads of one process "
        "[default: one per core from 2,000 samples on, threads below]."
    ),
    config: Path = typer.Option(
        None, "--config", "-c", help="TOML settings file.", exists=True, dir_okay=False
    ),
    outputs: Path = typer.Option(None, help="Folder of run folders [default: outputs]."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show Prefect's logs and full tracebacks."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only estimate the calls, tokens and cost (translate and verify); "
        "no run folder, no call."
    ),
) -> None:
    """Run read -> translate -> align -> refine -> review -> export and print a summary."""
    # Prefect's own log lines would tear through the progress bars and repeat our one error
    # line as tracebacks; --verbose shows them.
    os.environ["PREFECT_LOGGING_LEVEL"] = "INFO" if verbose else "CRITICAL"
    if not verbose:
        # Dask workers are other processes: they read their log level from the environment.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")

    run: dict[str, Any] = {
        "source": source, "source_format": source_format, "split": split,
        "labels": [x.strip() for x in labels.split(",")] if labels else None,
        "tag_scheme": tag_scheme, "source_lang": source_lang, "target_lang": target_lang,
        "limit": limit, "mode": mode, "review": review, "chunk_size": chunk_size,
        "dask_address": dask_address, "dask_workers": dask_workers, "processes": processes,
    }
    llm = {"base_url": base_url, "model": model, "refine_model": refine_model,
           "refine_rounds": refine_rounds, "concurrency": concurrency, "budget": budget}
    overrides: dict[str, Any] = {"run": run, "llm": llm, "outputs_dir": outputs}
    if dry_run:
        _run(lambda: _estimate(config, overrides, run_id), verbose)
        return
    _run(lambda: _start(config, overrides, run_id, verbose), verbose)


def _estimate(config: Path | None, overrides: dict[str, Any], run_id: str | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    from flows.start import run_settings
    from parallelner.run.estimate import estimate_run_cost

    settings = run_settings(config, overrides, run_id)
    est = estimate_run_cost(settings)
    table = Table(title=f"run estimate: {est.samples} samples, verify = {settings.verify.mode}")
    for col in ("stage", "calls", "prompt tokens", "completion tokens", "cost"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for name, e in [*est.stages.items(), ("total", est.total)]:
        table.add_row(name, str(e.calls), f"{e.prompt_tokens:,}", f"{e.completion_tokens:,}",
                      f"{e.cost:.4f}")
    console.print(table)
    console.print("refine calls come on top (only for answers that need them); verify is an "
                  "upper bound (accepted answers only make the round trip)")
    for model in est.unpriced:
        key = escape(f'[llm.prices."{model}"]')
        console.print(f"[yellow]no price for model {model!r}: the cost above counts it as 0; set "
                      f"{key} in the --config file (see settings.example.toml)[/]")


def _run(body: Callable[[], None], verbose: bool) -> None:
    if verbose:
        body()
        return
    friendly_errors(body)()


def _quiet_libraries() -> None:
    """Prefect configures its loggers when imported: quiet them after that (and Dask's, whose
    INFO lines would break the bars). Our own error line says what failed."""
    import logging

    for name in ("prefect", "distributed", "httpx"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _start(config: Path | None, overrides: dict[str, Any], run_id: str | None,
           verbose: bool) -> None:
    from flows.start import run_settings, start_run
    from parallelner.errors import BudgetExceeded

    if not verbose:
        _quiet_libraries()

    settings = run_settings(config, overrides, run_id)

    def opened(o) -> None:
        p = o.manifest.params
        console.print(
            f"[bold]{'Resuming' if o.resumed else 'Starting'} run {o.manifest.run_id}[/] in "
            f"{o.paths.root} ({p.source or 'shipped sample'}, {p.source_lang}→{p.target_lang}, "
            f"{f'limit {p.limit}' if p.limit else 'all samples'}, chunks of {p.chunk_size})"
        )

    try:
        outcome = start_run(settings, run_id, watch=show_progress, on_open=opened)
    except BudgetExceeded as exc:
        say_error(str(exc))
        raise typer.Exit(BUDGET_EXIT) from None
    from .report import summary_tables

    for table in summary_tables(outcome.summary):
        console.print(table)
    for note in outcome.notes:
        console.print(f"[yellow]{note}[/]")
    console.print(f"Run folder: {outcome.paths.root}  (resume with "
                  f"`parallelner run --run-id {outcome.manifest.run_id}`)")


def show_progress(paths, alive: Callable[[], bool]) -> None:
    """Bars per stage with counts and ETA, read from the run folder while the flow works."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from parallelner.run.folder import load_manifest
    from parallelner.run.progress import STAGES, ProgressReader

    reader = ProgressReader(paths)
    columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[extra]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        tasks = {s: bar.add_task(s, total=None, extra="") for s in STAGES}
        total = None
        while True:
            running = alive()
            if total is None:  # known once the plan task has read the source; fixed after that
                total = load_manifest(paths.root)[1].n_samples
            p = reader.read()
            for s in STAGES:
                extra = ""
                if s == "translate":
                    extra = (f"calls {p.calls} (+{p.cached} cached)  tokens {p.tokens:,}  "
                             f"${p.cost:.4f}")
                elif s == "refine":
                    extra = f"accepted {p.accepted}"
                bar.update(tasks[s], total=total, completed=p.done[s], extra=extra)
            if not running:
                break
            time.sleep(0.5)
