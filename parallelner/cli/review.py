"""`parallelner review up|down|status|push RUN|pull RUN|users`: human review in Argilla (thin
wrappers).

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
    """A bar that appears with the first progress report (an error before it shows no bar)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=console)
    tasks: list = []

    def update(done: int, total: int) -> None:
        if not tasks:
            tasks.append(bar.add_task(label, total=total))
        bar.update(tasks[0], completed=done, total=total)

    return bar, update


def _run_dir(run: Path) -> Path:
    from parallelner.run.folder import resolve_run_dir

    return resolve_run_dir(run)


@review_app.command("push")
@friendly_errors
def push(run: Path = typer.Argument(..., help="Run folder outputs/<run-id>/ or run id.",
                                   file_okay=False),
         input: Path | None = INPUT, config: Path | None = CONFIG,  # noqa: A002
         replace_stale: bool = typer.Option(
             False, "--replace-stale",
             help="Records answered on a translation the run no longer has: drop those answers "
                  "and send the current translation.")) -> None:
    """Send `review` samples plus an audit share of `accepted` ones to Argilla, most urgent
    first."""
    from rich.table import Table

    from annotation.review import push_run

    bar, update = _progress("pushing")
    with bar:
        report = push_run(_run_dir(run), _settings(config), input, update, replace_stale)
    table = Table(title=f"review push: {report.run}")
    table.add_column("dataset", overflow="fold")
    for col in ("queued", "sent", "kept (answered)", "stale", "answers per record"):
        table.add_column(col)
    for d in report.datasets:
        table.add_row(d.name, str(d.queued), str(d.sent), str(d.kept), str(d.stale),
                      str(d.min_submitted))
    console.print(table)
    for d in report.datasets:
        console.print(f"open {d.name}: {d.url}", highlight=False, soft_wrap=True)
    console.print(f"{report.samples} samples read, {report.review} to review + {report.audit} "
                  f"audited accepted; queue: {report.queue}")
    team = ", ".join(report.annotators) or "none (add some: `parallelner review users add NAME`)"
    console.print(f"annotators in the workspace: {team}", highlight=False)
    if any(d.stale and not replace_stale for d in report.datasets):
        console.print("[yellow]stale[/]: some answers were given on a translation the run no "
                      "longer has; they are kept and not merged. `--replace-stale` drops them and "
                      "sends the current translation.")


@review_app.command("pull")
@friendly_errors
def pull(run: Path = typer.Argument(..., help="Run folder outputs/<run-id>/ or run id.",
                                   file_okay=False),
         input: Path | None = INPUT, config: Path | None = CONFIG) -> None:  # noqa: A002
    """Merge submitted answers into RUN/reviewed.jsonl and write RUN/review_report.json."""
    from rich.table import Table

    from annotation.review import REPORT_NAME, SAMPLES_NAME, pull_run

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
    m = report.machine
    if m and m.silent_error_rate is not None:
        low, high = m.silent_error_ci95
        console.print(f"machine-accepted samples checked by people: {m.answered}; silent-error "
                      f"rate {m.silent_error_rate:.1%} (95% Wilson {low:.1%}–{high:.1%})"
                      + (f"; {report.undecided} undecided (reviewers disagree)"
                         if report.undecided else ""))
    g = report.agreement
    if g and g.records:
        f1 = "–" if g.span_f1 is None else f"{g.span_f1:.3f}"
        kappa = "–" if g.usable_kappa is None else f"{g.usable_kappa:.3f}"
        console.print(f"agreement on {g.records} doubly answered records: span F1 {f1}, "
                      f"Cohen's kappa on 'usable' {kappa}")
    people = Table(title="reviewers")
    people.add_column("reviewer", overflow="fold")
    for col in ("answers", "submitted", "discarded", "draft", "merged", "attention",
                "median gap (s)"):
        people.add_column(col, justify="right")
    for r in report.reviewers:
        people.add_row(r.reviewer, str(r.answers), str(r.submitted), str(r.discarded),
                       str(r.draft), str(r.merged), str(r.needs_attention),
                       "–" if r.median_seconds_between_answers is None
                       else f"{r.median_seconds_between_answers:.0f}")
    if report.reviewers:
        console.print(people)
    for item in report.attention:
        console.print(f"[yellow]needs attention[/] {item['id']}: "
                      f"{item['outcome']} {item['detail']}", highlight=False)
    if report.returned:
        console.print(f"{report.returned} answers sent back to their reviewers (now drafts, "
                      "metadata verdict = 'needs attention' with the reason)")
    console.print(f"wrote {report.reviewed_file}, {Path(run) / REPORT_NAME} and "
                  f"{Path(run) / SAMPLES_NAME}")


users_app = typer.Typer(help="Annotator accounts in the project's workspace.",
                        no_args_is_help=True)
review_app.add_typer(users_app, name="users")


@users_app.command("add")
@friendly_errors
def users_add(username: str = typer.Argument(..., help="Login name of the new annotator."),
              password_file: Path | None = typer.Option(
                  None, "--password-file", dir_okay=False,
                  help="Write 'username:password' to this new file (mode 0600) instead of "
                       "printing the password."),
              config: Path | None = CONFIG) -> None:
    """Create an annotator (generated password) in the project's workspace."""
    from annotation.users import add_user, write_password_file

    if password_file is not None and password_file.exists():
        raise typer.BadParameter(f"{password_file} exists; not overwritten")
    account = add_user(_settings(config), username)
    console.print(f"annotator [bold]{account.username}[/] added to workspace "
                  f"{account.workspace}", highlight=False)
    if password_file is not None:
        write_password_file(password_file, account)
        console.print(f"password written to {password_file} (mode 0600)", highlight=False)
    else:
        console.print(f"password (shown once): {account.password}", highlight=False)


@users_app.command("list")
@friendly_errors
def users_list(config: Path | None = CONFIG) -> None:
    """List the accounts and whether each is in the project's workspace."""
    from rich.table import Table

    from annotation.users import list_users

    settings = _settings(config)
    table = Table(title=f"Argilla users (workspace {settings.review.workspace})")
    for col in ("username", "role", "in workspace"):
        table.add_column(col)
    for a in list_users(settings):
        table.add_row(a.username, a.role, "yes" if a.in_workspace else "no")
    console.print(table)


@users_app.command("remove")
@friendly_errors
def users_remove(username: str = typer.Argument(..., help="Annotator to delete."),
                 config: Path | None = CONFIG) -> None:
    """Delete an annotator account (their answers stay in Argilla)."""
    from annotation.users import remove_user

    remove_user(_settings(config), username)
    console.print(f"removed {username}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
