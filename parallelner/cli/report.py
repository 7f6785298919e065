"""`parallelner report RUN`: the summary of a finished (or interrupted) run, plus PNG plots; and
the run summary's terminal tables, which ``parallelner run`` prints too."""

from __future__ import annotations

import json

import typer

from ..run.report import BINS, RunSummary
from ._util import console, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command("report")
    @friendly_errors
    def report_cli(
        run: str = typer.Argument(..., help="Run folder (outputs/<run-id>) or run id."),
        plots: bool = typer.Option(True, help="Write confidence_hist.png and yield_per_stage.png."),
    ) -> None:
        """Print a run's summary tables and write its report and plots into the run folder."""
        from parallelner.run.folder import RunPaths, resolve_run_dir
        from parallelner.run.report import summarize_run, write_plots, write_report

        run = resolve_run_dir(run)
        summary = summarize_run(run)
        for table in summary_tables(summary):
            console.print(table)
        write_report(summary, RunPaths(run))
        if plots:
            for p in write_plots(summary, run):
                console.print(f"wrote {p}")


def summary_tables(s: RunSummary) -> list:
    """Rich tables for the terminal: status, yield, confidence, issues, tokens/cost/time."""
    from rich.table import Table

    t_status = Table(title=f"Run {s.run_id}: {s.samples} samples")
    t_status.add_column("status")
    t_status.add_column("samples", justify="right")
    t_status.add_column("share", justify="right")
    for k, v in s.status.items():
        t_status.add_row(k, str(v), f"{v / s.samples:.0%}" if s.samples else "-")

    t_yield = Table(title="Yield per stage (accepted after the stage)")
    t_yield.add_column("stage")
    t_yield.add_column("samples", justify="right")
    t_yield.add_column("accepted", justify="right")
    t_yield.add_column("yield", justify="right")
    for y in s.yields:
        t_yield.add_row(y.stage, str(y.samples), str(y.accepted), f"{y.share:.0%}")

    t_conf = Table(title="Confidence histogram")
    t_conf.add_column("confidence")
    t_conf.add_column("samples", justify="right")
    t_conf.add_column("")
    peak = max(s.confidence_hist) or 1
    for i, n in enumerate(s.confidence_hist):
        t_conf.add_row(f"{i / BINS:.1f}–{(i + 1) / BINS:.1f}", str(n), "█" * round(20 * n / peak))

    t_issues = Table(title="Issue codes (samples)")
    t_issues.add_column("code")
    t_issues.add_column("samples", justify="right")
    for code, n in list(s.issue_codes.items())[:20]:
        t_issues.add_row(code, str(n))

    t_cost = Table(title="LLM calls, tokens, cost, time")
    t_cost.add_column("measure")
    t_cost.add_column("value", justify="right")
    rows = [
        ("calls made (+ from the cache)", f"{s.calls} (+{s.cached_calls})"),
        ("failed calls", str(s.failed_calls)),
        ("prompt tokens", f"{s.prompt_tokens:,}"),
        ("completion tokens", f"{s.completion_tokens:,}"),
        ("cost (USD)", f"{s.cost:.4f}"),
        ("reviewed by people", str(s.human_reviewed)),
        ("wall time", f"{s.wall_seconds:.1f} s"),
    ]
    if s.audit:
        rows.append(("audit", json.dumps(s.audit)[:80]))
    for k, v in rows:
        t_cost.add_row(k, v)
    return [t_status, t_yield, t_conf, t_issues, t_cost]
