"""`parallelner report RUN`: the summary of a finished (or interrupted) run, plus PNG plots."""

from __future__ import annotations

from pathlib import Path

import typer

from ._util import console, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command("report")
    @friendly_errors
    def report_cli(
        run: Path = typer.Argument(..., help="Run folder, e.g. outputs/<run-id>."),
        plots: bool = typer.Option(True, help="Write confidence_hist.png and yield_per_stage.png."),
    ) -> None:
        """Print a run's summary tables and write its report and plots into the run folder."""
        from parallelner.run.folder import RunPaths
        from parallelner.run.report import summarize_run, summary_tables, write_plots, write_report

        summary = summarize_run(run)
        for table in summary_tables(summary):
            console.print(table)
        write_report(summary, RunPaths(run))
        if plots:
            for p in write_plots(summary, run):
                console.print(f"wrote {p}")
