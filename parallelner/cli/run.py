"""`parallelner run`: start (or resume) the whole pipeline as a Prefect flow, with live progress."""

from __future__ import annotations

from pathlib import Path

import typer

from ._util import console, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command("run")
    @friendly_errors
    def run_cli(
        source: str = typer.Option(
            None, help="Source file (any reader); default: the shipped sample."
        ),
        source_format: str = typer.Option(
            None, "--format", help="Reader name; default: by file name."
        ),
        source_lang: str = typer.Option("en", help="Language of the source sentences."),
        target_lang: str = typer.Option("zh", help="Language to translate into."),
        limit: int = typer.Option(None, help="Read at most this many source samples."),
        mode: str = typer.Option("translate", help="translate | project"),
        base_url: str = typer.Option(
            None, help="OpenAI-compatible endpoint; default: embedded local model."
        ),
        model: str = typer.Option(None, help="Model name at the endpoint."),
        refine_model: str = typer.Option(None, help="A stronger model for refinement rounds."),
        concurrency: int = typer.Option(None, help="Concurrent LLM requests."),
        budget: float = typer.Option(None, help="Stop new LLM calls once this many USD are spent."),
        run_id: str = typer.Option(None, help="Resume this run (same data parameters)."),
        review: bool = typer.Option(
            True, "--review/--no-review", help="Push uncertain samples to Argilla."
        ),
        chunk_size: int = typer.Option(None, help="Samples per chunk task."),
        dask_address: str = typer.Option(None, help="Run tasks on this Dask scheduler."),
        dask_workers: int = typer.Option(
            0, help="Run tasks on a local Dask cluster with N workers."
        ),
        config: Path = typer.Option(None, help="TOML settings file."),
        outputs: Path = typer.Option(None, help="Folder of run folders (default: outputs)."),
    ) -> None:
        """Run read -> translate -> align -> refine -> review -> export and print a summary."""
        import os

        # Prefect's own INFO lines would tear through the progress bars; warnings still show.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        from flows.start import RunRequest, start_run

        req = RunRequest(
            source=source, source_format=source_format, source_lang=source_lang,
            target_lang=target_lang, limit=limit, mode=mode, base_url=base_url, model=model,
            refine_model=refine_model, concurrency=concurrency, budget=budget, run_id=run_id,
            review=review, chunk_size=chunk_size, dask_address=dask_address,
            dask_workers=dask_workers, config=config, outputs=outputs,
        )
        start_run(req, console=console)
