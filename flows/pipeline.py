"""The Prefect flow: read -> translate -> align/validate -> refine -> route to review -> export.

Orchestration only. Each task is one call of a plain function in ``parallelner.run.chunks`` and
passes run-folder paths, never rows. Tasks get the settings without secrets; keys are read from the
environment inside the task, so they never reach Prefect's parameters or results.

The same flow runs on the default thread pool or, unchanged, on a Dask cluster
(``task_runner=dask_runner(address=...)``), because every task takes only strings and dicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from parallelner.errors import ParallelNERError


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry what may pass on a second try; never a product error (bad key, budget, bad input)."""
    try:
        state.result()
    except ParallelNERError:
        return False
    except Exception:  # noqa: BLE001 - anything else (a crashed worker, an I/O hiccup) is retried
        return True
    return False


def _settings(settings: dict[str, Any]):
    from parallelner.config import load_settings

    return load_settings(overrides=settings)


@task(name="plan", cache_policy=NONE, persist_result=True)
def plan_task(run_dir: str) -> int:
    from parallelner.run.chunks import plan_run
    from parallelner.run.folder import load_manifest

    paths, manifest = load_manifest(run_dir)
    return plan_run(paths, manifest)


@task(
    name="chunk-stage",
    task_run_name="{stage}-{chunk:05d}",
    cache_policy=NONE,
    persist_result=True,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_transient,
)
def chunk_stage_task(run_dir: str, chunk: int, stage: str, settings: dict[str, Any]) -> str:
    from parallelner.run.chunks import run_chunk_stage
    from parallelner.run.folder import load_manifest

    paths, manifest = load_manifest(run_dir)
    return str(run_chunk_stage(paths, chunk, stage, _settings(settings), manifest.params))


@task(name="finish", cache_policy=NONE, persist_result=True)
def finish_task(run_dir: str, n_chunks: int, settings: dict[str, Any]) -> str:
    from parallelner.run.chunks import finish_run
    from parallelner.run.folder import load_manifest

    paths, manifest = load_manifest(run_dir)
    return str(finish_run(paths, manifest, n_chunks, _settings(settings)))


@flow(name="parallelner-run", log_prints=False, validate_parameters=False)
def pipeline_flow(run_dir: str, settings: dict[str, Any]) -> str:
    """Run (or resume) the whole pipeline on one run folder; returns the final JSONL path."""
    n_chunks = plan_task(run_dir)
    chains = []
    for i in range(n_chunks):
        t = chunk_stage_task.submit(run_dir, i, "translate", settings)
        a = chunk_stage_task.submit(run_dir, i, "align", settings, wait_for=[t])
        r = chunk_stage_task.submit(run_dir, i, "refine", settings, wait_for=[a])
        chains.append((t, a, r))
    wait([f for chain in chains for f in chain])
    # Raise the first real failure (a later stage of a failed chunk never ran: it has no error).
    for chain in chains:
        for fut in chain:
            fut.result()
    return finish_task(run_dir, n_chunks, settings)


def thread_runner(max_workers: int = 2) -> ThreadPoolTaskRunner:
    return ThreadPoolTaskRunner(max_workers=max_workers)


def dask_runner(address: str | None = None, n_workers: int = 2):
    """A Dask task runner: an existing cluster at ``address`` or a local one with ``n_workers``."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": n_workers, "threads_per_worker": 1, "processes": True,
                        "dashboard_address": None, "host": "127.0.0.1"}
    )


def run_pipeline(run_dir: str | Path, settings: dict[str, Any], task_runner=None) -> str:
    """Start the flow on a run folder with the given task runner (threads by default)."""
    runner = task_runner or thread_runner()
    return pipeline_flow.with_options(task_runner=runner)(str(run_dir), settings)
