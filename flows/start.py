"""Start or resume a pipeline run: settings validated once, run folder opened, endpoint ready,
flow started, progress shown, summary printed. The CLI's ``run`` is a thin wrapper over this.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallelner.config import Settings, load_settings
from parallelner.errors import ParallelNERError
from parallelner.run.folder import RunParams, RunPaths, load_manifest, open_run, save_manifest

DEFAULT_LIMIT = 30
DEFAULT_CHUNK = 10


@dataclass
class RunRequest:
    source: str | None = None
    source_format: str | None = None
    source_lang: str = "en"
    target_lang: str = "zh"
    limit: int | None = None
    mode: str = "translate"
    base_url: str | None = None
    model: str | None = None
    refine_model: str | None = None
    concurrency: int | None = None
    budget: float | None = None
    run_id: str | None = None
    review: bool = True
    chunk_size: int | None = None
    dask_address: str | None = None
    dask_workers: int = 0
    config: Path | None = None
    outputs: Path | None = None


def build_settings(req: RunRequest) -> Settings:
    llm: dict[str, Any] = {
        "base_url": req.base_url, "model": req.model, "refine_model": req.refine_model,
        "concurrency": req.concurrency, "budget": req.budget,
    }
    overrides: dict[str, Any] = {"llm": llm}  # None means "not given": load_settings skips it
    if req.outputs is not None:
        overrides["outputs_dir"] = req.outputs
    return load_settings(req.config, overrides=overrides)


def build_params(req: RunRequest, settings: Settings) -> RunParams:
    limit = req.limit if req.limit is not None else (DEFAULT_LIMIT if req.source is None else None)
    return RunParams(
        source=req.source, source_format=req.source_format, source_lang=req.source_lang,
        target_lang=req.target_lang, limit=limit, mode=req.mode, model=settings.llm.model,
        refine_model=settings.llm.refine_model, chunk_size=req.chunk_size or DEFAULT_CHUNK,
        review=req.review, base_url=settings.llm.base_url, concurrency=settings.llm.concurrency,
        budget=settings.llm.budget,
    )


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Settings for tasks, without secrets (tasks read keys from the environment themselves)."""
    return settings.model_dump(mode="json", exclude={"llm": {"api_key"}, "review": {"api_key"}})


@contextlib.contextmanager
def endpoint(settings: Settings) -> Iterator[Settings]:
    """Yield settings whose LLM endpoint answers: the configured one, or the embedded local
    model."""
    if settings.llm.base_url:
        yield settings
        return
    from parallelner.llm.local_model import serve_local_model

    with serve_local_model(settings) as base_url:
        # The local server answers local_parallel requests at a time; more would only queue.
        llm = settings.llm.model_copy(update={
            "base_url": base_url,
            "concurrency": min(settings.llm.concurrency, settings.llm.local_parallel),
        })
        yield settings.model_copy(update={"llm": llm})


def start_run(req: RunRequest, console=None) -> RunPaths:
    """Run or resume the pipeline; show live progress; print and write the summary."""
    # The temporary Prefect server inherits this: offline, its analytics would log an ERROR
    # into the progress display (the Makefile and the tests set it too; users may override it).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from rich.console import Console

    from parallelner.run.report import summarize_run, summary_tables

    console = console or Console()
    settings = build_settings(req)
    params = build_params(req, settings)
    paths, manifest, resumed = open_run(settings.outputs_dir, req.run_id, params)
    console.print(
        f"[bold]{'Resuming' if resumed else 'Starting'} run {manifest.run_id}[/] in {paths.root} "
        f"({params.source or 'shipped sample'}, {params.source_lang}→{params.target_lang}, "
        f"limit {params.limit})"
    )
    started = time.monotonic()
    with endpoint(settings) as live:
        task_runner = None
        if req.dask_address or req.dask_workers:
            from flows.pipeline import dask_runner

            task_runner = dask_runner(req.dask_address, req.dask_workers or 2)
        _run_with_progress(paths, worker_settings(live), task_runner, console)
    manifest = load_manifest(paths.root)[1]  # the flow's tasks added their notes
    manifest.wall_seconds += time.monotonic() - started
    save_manifest(paths, manifest)
    summary = summarize_run(paths.root)
    for table in summary_tables(summary):
        console.print(table)
    for note in manifest.notes:
        console.print(f"[yellow]{note}[/]")
    console.print(f"Run folder: {paths.root}  (resume with --run-id {manifest.run_id})")
    return paths


def _run_with_progress(paths: RunPaths, settings: dict[str, Any], task_runner, console) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from flows.pipeline import run_pipeline
    from parallelner.run.progress import STAGES, ProgressReader

    outcome: dict[str, BaseException | None] = {"error": None}

    def target() -> None:
        try:
            run_pipeline(paths.root, settings, task_runner)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="parallelner-flow", daemon=True)
    thread.start()
    reader = ProgressReader(paths)
    columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[extra]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        tasks = {s: bar.add_task(s, total=None, extra="") for s in STAGES}
        total = None
        while True:
            alive = thread.is_alive()
            if total is None:  # known once the plan task has read the source; fixed after that
                total = load_manifest(paths.root)[1].n_samples
            p = reader.read()
            for s in STAGES:
                extra = ""
                if s == "translate":
                    extra = (f"calls {p.calls} (+{p.cached} cached)  tokens {p.tokens:,}  "
                             f"${p.cost:.4f}")
                elif s == "refine":
                    extra = f"accepted {p.accepted}"
                bar.update(tasks[s], total=total, completed=p.done[s], extra=extra)
            if not alive:
                break
            time.sleep(0.5)
    thread.join()
    if outcome["error"] is not None:
        err = outcome["error"]
        if isinstance(err, ParallelNERError):
            raise err
        raise ParallelNERError(f"the run stopped: {type(err).__name__}: {err}") from err
