"""The pipeline's stages over a run folder, chunk by chunk: plain functions, no Prefect, no Typer.

The Prefect flow (``flows/pipeline.py``) only sequences these; the CLI only starts the flow. Every
chunk stage reads ``chunks/NNNNN/<previous>.jsonl`` and writes ``chunks/NNNNN/<stage>.jsonl``
atomically, and is skipped when its output exists: that is what makes a killed run resumable
without repeating work or writing a sample twice (LLM calls that succeeded are also in the cache).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .config import Settings
from .errors import ParallelNERError
from .io import read_jsonl, write_jsonl
from .runs import RunManifest, RunParams, RunPaths, save_manifest
from .schema import ParallelSample, SourceSample

PREVIOUS = {"translate": "source", "align": "translate", "refine": "align"}


def read_sources(params: RunParams) -> list[SourceSample] | list[ParallelSample]:
    """The run's source samples: a given file (any reader) or the shipped default sample; in
    projection mode, ParallelSample records with a fixed ``target_text``."""
    if params.mode == "project":
        if params.source is None:
            raise ParallelNERError(
                "projection mode needs --source: ParallelSample JSONL with a target_text per "
                "record (`parallelner gold build` makes them from the shipped parallel corpora)"
            )
        from .project import read_projection_input

        return read_projection_input(params.source)
    if params.source is None:
        from .samples import read_default_sample

        return list(read_default_sample(params.source_lang, limit=params.limit))
    from .readers import read_source

    return list(
        read_source(params.source, format=params.source_format, lang=params.source_lang,
                    limit=params.limit)
    )


def plan_run(paths: RunPaths, manifest: RunManifest) -> int:
    """Read the source once and split it into chunk files; on resume, reuse the plan. Returns
    chunks."""
    if manifest.n_chunks is not None and paths.source.exists():
        return manifest.n_chunks
    params = manifest.params
    samples = read_sources(params)
    if not samples:
        raise ParallelNERError(f"source {params.source or 'default sample'!r} holds no samples")
    wrong = [s.id for s in samples if _lang(s) != params.source_lang]
    if wrong:
        raise ParallelNERError(
            f"{len(wrong)} source samples are not in --source-lang {params.source_lang!r} "
            f"(first: {wrong[0]})"
        )
    if params.mode == "project":
        off = [s.id for s in samples if s.target_lang != params.target_lang]
        if off:
            raise ParallelNERError(
                f"{len(off)} projection records are not into --target-lang {params.target_lang!r} "
                f"(first: {off[0]})"
            )
    size = params.chunk_size
    chunks = [samples[i : i + size] for i in range(0, len(samples), size)]
    for i, chunk in enumerate(chunks):
        write_jsonl(paths.chunk(i, "source"), chunk)
    write_jsonl(paths.source, samples)
    manifest.n_samples = len(samples)
    manifest.n_chunks = len(chunks)
    save_manifest(paths, manifest)
    return len(chunks)


def _lang(sample: SourceSample | ParallelSample) -> str:
    return sample.lang if isinstance(sample, SourceSample) else sample.source_lang


StageFn = Callable[[list, Settings, RunParams, RunPaths], list[ParallelSample]]


def _align(records: list[ParallelSample], settings: Settings, params: RunParams, paths: RunPaths):
    from .align import align_sample

    return [align_sample(r, settings.align) for r in records]


def _already_aligned(records: list[ParallelSample], settings: Settings, params: RunParams,
                     paths: RunPaths) -> list[ParallelSample]:
    return list(records)


def stage_function(stage: str, mode: str = "translate") -> StageFn:
    """The function behind a chunk stage (imported lazily so workers load only what they run).

    In projection mode the first stage asks for the entities on the given target sentence and
    aligns the answers onto it (projection-specific alignment), so the align stage passes through.
    """
    if mode == "project" and stage == "translate":
        from .llm_stages import project_records_stage

        return project_records_stage
    if mode == "project" and stage == "align":
        return _already_aligned
    if stage == "align":
        return _align
    if stage == "translate":
        from .llm_stages import translate_records

        return translate_records
    if stage == "refine":
        from .llm_stages import refine_records

        return refine_records
    raise ValueError(f"unknown stage {stage!r}")


def run_chunk_stage(paths: RunPaths, chunk: int, stage: str, settings: Settings,
                    params: RunParams) -> Path:
    """Run one stage on one chunk unless its output already exists. Returns the output path."""
    out = paths.chunk(chunk, stage)
    if out.exists():
        return out
    prev = PREVIOUS[stage]
    model = SourceSample if prev == "source" and params.mode == "translate" else ParallelSample
    records = read_jsonl(paths.chunk(chunk, prev), model)
    result = stage_function(stage, params.mode)(records, settings, params, paths)
    if len(result) != len(records):
        raise ParallelNERError(
            f"stage {stage} on chunk {chunk} returned {len(result)} records for {len(records)}"
        )
    write_jsonl(out, result)
    return out


def collect(paths: RunPaths, n_chunks: int, stage: str = "refine") -> list[ParallelSample]:
    """All samples after ``stage``, in source order; written to aligned.jsonl."""
    records: list[ParallelSample] = []
    for i in range(n_chunks):
        records.extend(read_jsonl(paths.chunk(i, stage), ParallelSample))
    write_jsonl(paths.aligned, records)
    return records


def finish_run(paths: RunPaths, manifest: RunManifest, n_chunks: int, settings: Settings) -> Path:
    """Collect all chunks; review queue (pushed when asked); final.jsonl; dataset export; report."""
    from .report import summarize_run, write_plots, write_report

    records = collect(paths, n_chunks)
    notes: list[str | None] = []
    if manifest.params.review:
        notes.append(push_for_review(paths, settings))  # writes the queue before contacting Argilla
    else:
        from annotation.selection import select_for_review

        write_jsonl(paths.review_queue, select_for_review(records, settings.review.audit_fraction))
    write_jsonl(paths.final, records)
    notes.append(export_dataset(paths, settings.export.also))
    manifest.notes = [n for n in notes if n]  # notes describe this finish, not an earlier attempt
    save_manifest(paths, manifest)
    summary = summarize_run(paths.root)
    write_report(summary, paths)
    write_plots(summary, paths.root)
    return paths.final


def export_dataset(paths: RunPaths, also: list[str] | tuple[str, ...] = ()) -> str | None:
    """Write the Hugging Face dataset (and its code-style view) of the accepted samples."""
    from .export.runner import export

    try:
        result = export(paths.root, formats=("hf", "code"), also=also)
    except ParallelNERError as exc:
        return f"export: nothing written ({exc})"
    rows = result.rows.get("default", {})
    return (f"export: {sum(rows.values())} accepted samples in {result.dataset_dir} "
            f"({', '.join(f'{k} {v}' for k, v in rows.items())}); `parallelner export` redoes it "
            "after a review pull")


def push_for_review(paths: RunPaths, settings: Settings) -> str | None:
    """Send the review queue to Argilla; when it is unreachable, keep the queue and say so."""
    from annotation.review import push_run

    try:
        push_run(paths.root, settings, input_path=paths.aligned)
    except ParallelNERError as exc:
        return (f"review: not pushed ({exc}); the queue stays in review_queue.jsonl — start "
                f"Argilla (`parallelner review up`) and run "
                f"`parallelner review push {paths.root}`")
    return None
