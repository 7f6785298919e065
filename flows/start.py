"""Start or resume a pipeline run: the settings (validated once, at the edge) in, the run folder,
its summary and its notes out. ``parallelner run`` is a thin wrapper that adds the display.

One run folder is held by one process at a time (``run.lock``); the endpoint is the configured
one or the embedded model served for the run; the Prefect API is the user's or a private one;
both end with the run, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parallelner.config import Settings, load_settings
from parallelner.errors import ParallelNERError
from parallelner.llm.ledger import clear_holdings
from parallelner.run.folder import (
    RunManifest,
    RunPaths,
    load_manifest,
    open_run,
    run_lock,
    save_manifest,
)
from parallelner.run.folder import RunParams as RunParams  # re-export for callers of start_run

# Called in the caller's thread while the flow runs: (run paths, "is the flow still running?").
Watch = Callable[[RunPaths, Callable[[], bool]], None]


@dataclass
class RunOutcome:
    paths: RunPaths
    manifest: RunManifest
    resumed: bool
    notes: list[str] = field(default_factory=list)
    summary: Any = None  # parallelner.run.report.RunSummary of the finished run


def run_settings(config: Path | None = None, overrides: dict[str, Any] | None = None,
                 run_id: str | None = None) -> Settings:
    """The one Settings object of a run: defaults < TOML < environment < (on resume) the data
    options the run recorded < options given now. So ``run --run-id ID`` alone resumes with what
    the run was started with, and an option given again that differs is refused by the run
    folder, naming the option."""
    overrides = overrides or {}
    if run_id:
        base = load_settings(config, overrides=overrides)
        manifest_path = RunPaths(Path(base.outputs_dir) / run_id).manifest
        if manifest_path.exists():
            recorded = RunManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
            merged: dict[str, Any] = {}
            for section, values in recorded.params.data_overrides().items():
                merged[section] = {**values, **{k: v for k, v in overrides.get(section, {}).items()
                                                if v is not None}}
            overrides = {**overrides, **merged}
    return load_settings(config, overrides=overrides)


@contextlib.contextmanager
def endpoint(settings: Settings) -> Iterator[Settings]:
    """Settings whose LLM endpoint answers: the configured one, or the embedded local model
    served for the run (marked ``embedded``: the tasks never send it a key)."""
    if settings.llm.base_url:
        yield settings
        return
    from parallelner.llm.local_model import serve_local_model

    with serve_local_model(settings) as base_url:
        # The local server answers local_parallel requests at a time; more would only queue.
        llm = settings.llm.model_copy(update={
            "base_url": base_url, "embedded": True,
            "concurrency": min(settings.llm.concurrency, settings.llm.local_parallel),
        })
        yield settings.model_copy(update={"llm": llm})


def start_run(settings: Settings, run_id: str | None = None, *, watch: Watch | None = None,
              on_open: Callable[[RunOutcome], None] | None = None) -> RunOutcome:
    """Run or resume the pipeline on one run folder. ``on_open`` hears of the folder before the
    work starts; ``watch`` runs in this thread while the flow works (the CLI draws progress)."""
    # The private Prefect server inherits this: offline, its analytics would log an ERROR.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    params = RunParams.from_settings(settings)
    paths, manifest, resumed = open_run(settings.outputs_dir, run_id, params)
    outcome = RunOutcome(paths, manifest, resumed)
    with run_lock(paths):
        clear_holdings(paths.ledger)
        if on_open is not None:
            on_open(outcome)
        started = time.monotonic()
        manifest.finished = None
        save_manifest(paths, manifest)
        try:
            with endpoint(settings) as live:
                _run_flow(paths, live, watch)
        finally:
            manifest = load_manifest(paths.root)[1]  # the flow's tasks added their notes
            manifest.wall_seconds += time.monotonic() - started
            save_manifest(paths, manifest)
        from datetime import UTC, datetime

        manifest.finished = datetime.now(UTC).isoformat(timespec="seconds")
        save_manifest(paths, manifest)
        from parallelner.run.chunks import compact_chunks

        compact_chunks(paths, manifest.n_chunks or 0)
        from parallelner.run.report import finish_report

        outcome.summary = finish_report(paths.root)  # now with the wall time; reads no record
    outcome.manifest, outcome.notes = manifest, list(manifest.notes)
    return outcome


def _task_runner(settings: Settings):
    run = settings.run
    if run.dask_address or run.dask_workers:
        from flows.pipeline import dask_runner

        return dask_runner(run.dask_address, run.dask_workers or 2)
    return None


def _run_flow(paths: RunPaths, settings: Settings, watch: Watch | None) -> None:
    """The flow in a worker thread (so the caller can watch), against our Prefect API."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pipeline import run_pipeline
    from flows.server import prefect_api

    outcome: dict[str, BaseException | None] = {"error": None}
    runner = _task_runner(settings)
    worker_settings = settings.without_secrets()

    with prefect_api() as api_url:
        def target() -> None:
            try:
                with temporary_settings(updates={PREFECT_API_URL: api_url}):
                    run_pipeline(paths.root, worker_settings, runner)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=target, name="parallelner-flow", daemon=True)
        thread.start()
        if watch is not None:
            watch(paths, thread.is_alive)
        thread.join()
    err = outcome["error"]
    if err is None:
        return
    if isinstance(err, ParallelNERError):
        raise err
    raise ParallelNERError(f"the run stopped: {type(err).__name__}: {err}") from err
