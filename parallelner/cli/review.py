"""`parallelner review up|down|status|push RUN|pull RUN`: human review in Argilla (thin wrappers).

The run-folder convention (``RUN/aligned.jsonl`` in, ``RUN/review_queue.jsonl``,
``RUN/reviewed.jsonl``, ``RUN/review_report.json`` out) is documented in ``annotation/review.py``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ._util import console, friendly_errors

review_app = typer.Typer(help="Human review in Argilla: local stack, push samples, pull answers.",
                         no_args_is_help=True)

CONFIG = typer.Option(None, "--config", "-c", help="TOML settings file.", dir_okay=False)
INPUT = typer.Option(None, "--input", help="Samples to read instead of RUN/aligned.jsonl.",
                     dir_okay=False)


def _settings(config: Path | None):
    from ..config import load_settings

    return load_settings(config)


def _print_status(status, show_password: bool = False) -> None:
    from rich.table import Table

    table = Table(title="local Argilla stack")
    for col in ("service", "port", "state", "pid"):
        table.add_column(col)
    for s in status.services:
        state = "[green]up[/]" if s.healthy else "[red]down[/]"
        if s.started:
            state += " (started)"
        table.add_row(s.name, str(s.port), state, str(s.pid or "-"))
    console.print(table)
    if status.up:
        console.print(f"UI: [bold]{status.url}[/]  login: [bold]{status.username}[/]  "
                      f"password: in {status.credentials_path} (mode 0600)")
    if show_password and status.username:
        from annotation.credentials import load_credentials

        creds = load_credentials(status.credentials_path)
        console.print(f"password: {creds.password}", highlight=False)


@review_app.command("up")
@friendly_errors
def up(config: Path | None = CONFIG,
       show_password: bool = typer.Option(False, "--show-password",
                                          help="Also print the owner's password.")) -> None:
    """Install (if needed) and start Redis, osmem and argilla-server on 127.0.0.1."""
    from annotation.stack import LocalStack

    with console.status("bringing up the local Argilla stack…"):
        status = LocalStack(_settings(config)).up()
    _print_status(status, show_password)
    console.print(f"ready in {status.seconds:.1f} s")


@review_app.command("down")
@friendly_errors
def down(config: Path | None = CONFIG) -> None:
    """Stop the processes that `review up` started (data stays; `up` re-indexes it)."""
    from annotation.stack import LocalStack

    stopped = LocalStack(_settings(config)).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing of ours was running")


@review_app.command("status")
@friendly_errors
def status(config: Path | None = CONFIG) -> None:
    """Show which services of the local stack answer (exit 1 when not all do)."""
    from annotation.stack import LocalStack

    result = LocalStack(_settings(config)).status()
    _print_status(result)
    if not result.up:
        raise typer.Exit(1)


def _progress(label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=console)
    task = bar.add_task(label, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def _run_dir(run: Path) -> Path:
    from parallelner.run.folder import resolve_run_dir

    return resolve_run_dir(run)


@review_app.command("push")
@friendly_errors
def push(run: Path = typer.Argument(..., help="Run folder outputs/<run-id>/ or run id.",
                                   file_okay=False),
         input: Path | None = INPUT, config: Path | None = CONFIG) -> None:  # noqa: A002
    """Send `review` samples plus an audit share of `accepted` ones to Argilla."""
    from rich.table import Table

    from annotation.review import push_run

    bar, update = _progress("pushing")
    with bar:
        report = push_run(_run_dir(run), _settings(config), input, update)
    table = Table(title=f"review push: {report.run}")
    for col in ("dataset", "queued", "sent", "kept (answered)"):
        table.add_column(col)
    for d in report.datasets:
        table.add_row(d.name, str(d.queued), str(d.sent), str(d.kept))
    console.print(table)
    for d in report.datasets:
        console.print(f"open {d.name}: {d.url}", highlight=False, soft_wrap=True)
    console.print(f"{report.samples} samples read, {report.review} to review + {report.audit} "
                  f"audited accepted; queue: {report.queue}")


@review_app.command("pull")
@friendly_errors
def pull(run: Path = typer.Argument(..., help="Run folder outputs/<run-id>/ or run id.",
                                   file_okay=False),
         input: Path | None = INPUT, config: Path | None = CONFIG) -> None:  # noqa: A002
    """Merge submitted answers into RUN/reviewed.jsonl and write RUN/review_report.json."""
    from rich.table import Table

    from annotation.review import REPORT_NAME, pull_run

    bar, update = _progress("pulling")
    with bar:
        report = pull_run(_run_dir(run), _settings(config), input, update)
    table = Table(title=f"review pull: {report.run}")
    table.add_column("outcome")
    table.add_column("samples", justify="right")
    for kind, n in sorted(report.outcomes.items()):
        table.add_row(kind, str(n))
    console.print(table)
    a = report.audit
    rate = "–" if a.rate is None else f"{a.rate:.1%}"
    console.print(f"audit: {a.audited} accepted samples sent, {a.reviewed} answered, "
                  f"{a.changed} changed by people ({rate})")
    for item in report.attention:
        console.print(f"[yellow]needs attention[/] {item['id']}: "
                      f"{item['outcome']} {item['detail']}", highlight=False)
    console.print(f"wrote {report.reviewed_file} and {Path(run) / REPORT_NAME}")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
