"""The command line: thin Typer wrappers over importable functions (one module per command group).

Each module in ``COMMAND_MODULES`` exposes ``register(app)``; heavy imports happen inside command
bodies so ``parallelner --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer

from .. import __version__

COMMAND_MODULES: tuple[str, ...] = (
    # one line per command module; each defines register(app)
    "parallelner.cli.evaluate",
    "parallelner.cli.project",
    "parallelner.cli.sources",
    "parallelner.cli.report",
    "parallelner.cli.run",
    "parallelner.cli.export",
    "parallelner.cli.review",
    "parallelner.cli.translate",
    "parallelner.cli.refine",
    "parallelner.cli.llm",
    "parallelner.cli.align",
)

app = typer.Typer(
    name="parallelner",
    help="Build bilingual parallel NER datasets: translate with entity markup, align, validate, "
    "refine, review, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"parallelner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """parallelner command line."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()
