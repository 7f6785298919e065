"""The Prefect flow: plan -> per chunk (translate -> align -> verify -> refine) -> collect ->
review -> export -> report.

Orchestration only. Each task is one call of a plain function of the library
(``parallelner.run.chunks``) or of the review side (``annotation``), and passes run-folder paths,
never rows. Tasks get the settings without secrets (``Settings.without_secrets``); keys are read
from the environment inside the task, so they never reach Prefect's parameters or results.

The same flow runs on the default thread pool or, unchanged, on a Dask cluster
(``task_runner=dask_runner(address=...)``), because every task takes only strings and dicts.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.futures import wait
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from parallelner.config import Settings, load_settings
from parallelner.errors import ParallelNERError
from parallelner.run.folder import RunPaths, load_manifest, save_manifest

# Errors that may pass on a second try: the machine, the network or a worker, never the product.
_TRANSIENT_NAMES = {"KilledWorker", "CommClosedError", "StreamClosedError"}


def is_transient(exc: BaseException) -> bool:
    """A failure worth a retry: an I/O or connection hiccup, a lost worker. A product error (bad
    input, bad key, budget) or a bug (ValueError, ValidationError, ...) fails at once."""
    if isinstance(exc, ParallelNERError):
        return False
    return isinstance(exc, (OSError, TimeoutError)) or type(exc).__name__ in _TRANSIENT_NAMES


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except BaseException as exc:  # noqa: BLE001 - classified, never swallowed
        return is_transient(exc)
    return False


def _settings(settings: dict[str, Any]) -> Settings:
    return load_settings(overrides=settings)


@task(name="plan", cache_policy=NONE, persist_result=True)
def plan_task(run_dir: str, settings: dict[str, Any]) -> int:
    from parallelner.run.chunks import plan_run

    paths, manifest = load_manifest(run_dir)
    return plan_run(paths, manifest, _settings(settings).align)


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

    paths, manifest = load_manifest(run_dir)
    return str(run_chunk_stage(paths, chunk, stage, _settings(settings), manifest.params))


@task(name="collect", cache_policy=NONE, persist_result=True)
def collect_task(run_dir: str, n_chunks: int) -> int:
    from parallelner.run.chunks import collect

    return collect(RunPaths(run_dir), n_chunks)


@task(name="review", cache_policy=NONE, persist_result=True)
def review_task(run_dir: str, settings: dict[str, Any]) -> str | None:
    """Route uncertain samples to people: push them to Argilla when the run asks for review
    (when it is unreachable, keep the queue and say how to push later); else only write the
    queue."""
    from parallelner.io import iter_jsonl, write_jsonl
    from parallelner.schema import ParallelSample

    paths, manifest = load_manifest(run_dir)
    cfg = _settings(settings)
    if manifest.params.review:
        from annotation.review import push_run

        try:
            push_run(paths.root, cfg, input_path=paths.aligned)
        except ParallelNERError as exc:
            return (f"review: not pushed ({exc}); the queue stays in review_queue.jsonl — start "
                    f"Argilla (`parallelner review up`) and run "
                    f"`parallelner review push {paths.root}`")
        return None
    from annotation.selection import select_for_review

    records = (line.record for line in iter_jsonl(paths.final, ParallelSample) if line.record)
    write_jsonl(paths.review_queue, select_for_review(records, cfg.review.audit_fraction))
    return None


@task(name="export", cache_policy=NONE, persist_result=True)
def export_task(run_dir: str, settings: dict[str, Any]) -> str | None:
    """Write the Hugging Face dataset (and its code-style view) of the accepted samples; returns
    the note for the run's summary. Here, in the flow, because export reads the run folder: the
    run package below it must not call up into it."""
    from parallelner.export.runner import export

    try:
        result = export(run_dir, formats=("hf", "code"), also=_settings(settings).export.also)
    except ParallelNERError as exc:
        return f"export: nothing written ({exc})"
    rows = result.rows.get("default", {})
    return (f"export: {sum(rows.values())} accepted samples in {result.dataset_dir} "
            f"({', '.join(f'{k} {v}' for k, v in rows.items())}); `parallelner export` redoes it "
            "after a review pull")


@task(name="report", cache_policy=NONE, persist_result=True)
def report_task(run_dir: str, notes: list[str]) -> str:
    from parallelner.run.chunks import write_run_report

    paths, manifest = load_manifest(run_dir)
    manifest.notes = notes  # notes describe this finish, not an earlier attempt
    save_manifest(paths, manifest)
    return str(write_run_report(paths))


# Below this many samples a run's chunk stages stay on threads: two worker processes cost a few
# seconds to start (benchmarks/scale_run.py, benchmarks/README.md), more than they give back.
PROCESSES_FROM = 2_000


def chunk_processes(processes: int | None, n_samples: int, n_chunks: int,
                    cores: int | None = None) -> int:
    """How many worker processes the chunk stages get (0: threads of this process). ``None`` is
    auto: one per core once the run is big enough to pay for their start-up."""
    if processes is not None:
        return min(processes, n_chunks) if processes > 1 else 0
    cores = cores or os.cpu_count() or 1
    if cores < 2 or n_samples < PROCESSES_FROM or n_chunks < 2:
        return 0
    return min(cores, n_chunks)


def _exit_with_parent(parent: int) -> None:  # pragma: no cover - runs in a worker process
    """Worker start-up: leave when the process that started the pool is gone (a kill -9 of the
    CLI), so no orphan goes on writing into a run folder that a resume may own next."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parallelner-parent-watch", daemon=True).start()


def process_runner(workers: int) -> ProcessPoolTaskRunner:
    return ProcessPoolTaskRunner(max_workers=workers, initializer=_exit_with_parent,
                                 initargs=(os.getpid(),))


def _chunk_stages(run_dir: str, n_chunks: int, settings: dict[str, Any]) -> None:
    chains = []
    for i in range(n_chunks):
        t = chunk_stage_task.submit(run_dir, i, "translate", settings)
        a = chunk_stage_task.submit(run_dir, i, "align", settings, wait_for=[t])
        v = chunk_stage_task.submit(run_dir, i, "verify", settings, wait_for=[a])
        r = chunk_stage_task.submit(run_dir, i, "refine", settings, wait_for=[v])
        chains.append((t, a, v, r))
    wait([f for chain in chains for f in chain])
    # Raise the first real failure (a later stage of a failed chunk never ran: it has no error).
    for chain in chains:
        for fut in chain:
            fut.result()


@flow(name="parallelner-chunks", log_prints=False, validate_parameters=False)
def chunks_flow(run_dir: str, n_chunks: int, settings: dict[str, Any]) -> None:
    """The chunk stages on a pool of worker processes (both cores): a subflow, because the
    pool is chosen after the plan knows the run's size."""
    _chunk_stages(run_dir, n_chunks, settings)


@flow(name="parallelner-run", log_prints=False, validate_parameters=False)
def pipeline_flow(run_dir: str, settings: dict[str, Any], distributed: bool = False) -> str:
    """Run (or resume) the whole pipeline on one run folder; returns the final JSONL path.
    ``distributed``: the flow already runs on a Dask cluster; no process pool of its own."""
    n_chunks = plan_task(run_dir, settings)
    manifest = load_manifest(run_dir)[1]
    workers = 0 if distributed else chunk_processes(
        _settings(settings).run.processes, manifest.n_samples or 0, n_chunks)
    if workers:
        chunks_flow.with_options(task_runner=process_runner(workers))(run_dir, n_chunks, settings)
    else:
        _chunk_stages(run_dir, n_chunks, settings)
    collect_task(run_dir, n_chunks)
    notes = [review_task(run_dir, settings), export_task(run_dir, settings)]
    report_task(run_dir, [n for n in notes if n])
    return str(RunPaths(run_dir).final)


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
    return pipeline_flow.with_options(task_runner=runner)(str(run_dir), settings,
                                                          task_runner is not None)
