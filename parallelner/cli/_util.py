"""Shared CLI helpers: one console, one way to turn product errors into a clean exit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import ParallelNERError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def say_error(message: str) -> None:
    """One red ``error:`` line on stderr (messages quote data such as "[orphan-inside]")."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def friendly_errors(fn: F) -> F:
    """Print a ParallelNERError as one red line on stderr and exit 1, without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ParallelNERError as exc:
            say_error(str(exc))
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
