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


def friendly_errors(fn: F) -> F:
    """Print a ParallelNERError as one red line on stderr and exit 1, without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ParallelNERError as exc:
            # escape: messages quote data ("[orphan-inside]", CLUENER spans "[[2, 4]]")
            message = f"[bold red]error:[/] {escape(str(exc))}"
            err_console.print(message, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
