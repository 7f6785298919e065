"""``parallelner align INPUT.jsonl --output OUTPUT.jsonl``: a thin wrapper over ``align_file``."""

from __future__ import annotations

from pathlib import Path

import typer

from ._util import console, err_console, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command("align")
    @friendly_errors
    def align(
        input_path: Path = typer.Argument(
            ..., help="JSONL of records with the raw LLM answer in 'response'."
        ),
        output: Path = typer.Option(
            ..., "--output", "-o", help="Where to write the aligned JSONL."
        ),
        config: Path | None = typer.Option(None, "--config", "-c", help="TOML settings file.",
                                           exists=True, dir_okay=False),
        workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes."),
        accept_threshold: float | None = typer.Option(None, help="Confidence needed to accept."),
        review_threshold: float | None = typer.Option(None, help="Below this: back to the LLM."),
    ) -> None:
        """Parse, align, validate and score raw LLM answers; route each to a status."""
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from ..align.stream import align_file
        from ..config import load_settings

        given = {"workers": workers, "accept_threshold": accept_threshold,
                 "review_threshold": review_threshold}
        settings = load_settings(
            config, {"align": {k: v for k, v in given.items() if v is not None}}
        )
        size = input_path.stat().st_size if input_path.exists() else 0
        show = size > 256 * 1024
        with Progress(
            TextColumn("[bold]align"), BarColumn(), DownloadColumn(), MofNCompleteColumn(),
            TextColumn("records"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=err_console, disable=not show, transient=False,
        ) as bar:
            task = bar.add_task("align", total=size or None, completed=0)

            def progress(records: int, done: int) -> None:
                bar.update(task, completed=done)

            summary = align_file(input_path, output, settings.align, progress=progress)
        for line, error in summary.invalid[:10]:
            err_console.print(f"[yellow]{input_path}:{line}:[/] {error} (written as rejected)",
                              highlight=False, soft_wrap=True)
        if summary.invalid_count > 10:
            err_console.print(f"[yellow]… {summary.invalid_count - 10} more invalid lines[/]")
        console.print(summary_table(summary, output))


def summary_table(summary, output: Path):
    """Counts per status and per issue code (samples carrying it)."""
    from rich.table import Table

    table = Table(title=f"align: {summary.records} records -> {output} "
                        f"({summary.rate:,.0f} records/s)", show_lines=False)
    table.add_column("status / issue code")
    table.add_column("samples", justify="right")
    table.add_column("share", justify="right")
    total = max(summary.records, 1)
    for status in ("accepted", "refine", "review", "rejected"):
        n = summary.by_status.get(status, 0)
        table.add_row(f"[bold]{status}[/]", str(n), f"{n / total:.1%}")
    table.add_section()
    for code, n in summary.by_code.most_common():
        table.add_row(code, str(n), f"{n / total:.1%}")
    return table
