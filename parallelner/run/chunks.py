"""The pipeline's stages over a run folder, chunk by chunk: plain functions, no Prefect, no Typer.

The Prefect flow (``flows/pipeline.py``) only sequences these; the CLI only starts the flow. Every
chunk stage reads ``chunks/NNNNN/<previous>.jsonl`` and writes ``chunks/NNNNN/<stage>.jsonl``
atomically, and is skipped when its output exists: that is what makes a killed run resumable
without repeating work or writing a sample twice (LLM calls that succeeded are also in the cache).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from parallelner.config import AlignConfig, Settings
from parallelner.errors import ParallelNERError
from parallelner.io import read_jsonl, write_jsonl
from parallelner.run.folder import RunManifest, RunParams, RunPaths, save_manifest
from parallelner.schema import Issue, ParallelSample, SourceSample, Status

PREVIOUS = {"translate": "source", "align": "translate", "verify": "align", "refine": "verify"}


def read_sources(params: RunParams) -> Iterator[SourceSample] | Iterator[ParallelSample]:
    """The run's source samples, as a stream: a given file (any reader, with the run's reader
    options) or the shipped default sample; in projection mode, ParallelSample records with a
    fixed ``target_text``. ``limit`` applies in both modes."""
    if params.mode == "project":
        if params.source is None:
            raise ParallelNERError(
                "projection mode needs --source: ParallelSample JSONL with a target_text per "
                "record (`parallelner gold build` makes them from the shipped parallel corpora)"
            )
        from parallelner.stages.project import read_projection_input

        return iter(read_projection_input(params.source)[: params.limit])
    if params.source is None:
        from parallelner.readers import read_default_sample

        return iter(read_default_sample(params.source_lang, limit=params.limit))
    from parallelner.readers import read_source

    return iter(read_source(
        params.source, format=params.source_format, lang=params.source_lang, split=params.split,
        limit=params.limit, tag_scheme=params.tag_scheme or "bio", label_names=params.labels,
    ))


def plan_run(paths: RunPaths, manifest: RunManifest, align: AlignConfig | None = None) -> int:
    """Read the source once, as a stream, into chunk files of ``chunk_size`` samples (memory
    holds one chunk); on resume, reuse the plan. Returns the number of chunks.

    Each sample is checked first (``align.precheck``: size bounds, labels known to the entity
    schema, text in its declared language): one that fails is ``rejected`` with its reason in
    ``prechecked.jsonl`` before any LLM call, and takes its place in ``final.jsonl``."""
    if manifest.n_chunks is not None and paths.source.exists():
        return manifest.n_chunks
    from parallelner.align.precheck import precheck

    params = manifest.params
    size = params.chunk_size
    n = n_chunks = 0
    chunk: list[SourceSample | ParallelSample] = []
    rejected: list[ParallelSample] = []

    def checked() -> Iterator[SourceSample | ParallelSample]:
        nonlocal n, n_chunks, chunk
        for s in read_sources(params):
            if _lang(s) != params.source_lang:
                raise ParallelNERError(
                    f"sample {s.id!r} is not in --source-lang {params.source_lang!r} (it says "
                    f"{_lang(s)!r})"
                )
            if params.mode == "project" and s.target_lang != params.target_lang:
                raise ParallelNERError(
                    f"projection record {s.id!r} is not into --target-lang "
                    f"{params.target_lang!r} (it says {s.target_lang!r})"
                )
            n += 1
            issue = precheck(s, align) if align is not None else None
            if issue is not None:
                rejected.append(_rejected_at_plan(s, params.target_lang, issue))
                yield s
                continue
            chunk.append(s)
            if len(chunk) == size:
                write_jsonl(paths.chunk(n_chunks, "source"), chunk)
                n_chunks, chunk = n_chunks + 1, []
            yield s

    write_jsonl(paths.source, checked())
    if chunk:
        write_jsonl(paths.chunk(n_chunks, "source"), chunk)
        n_chunks += 1
    if not n:
        paths.source.unlink(missing_ok=True)
        raise ParallelNERError(f"source {params.source or 'default sample'!r} holds no samples")
    write_jsonl(paths.prechecked, rejected)
    manifest.n_samples = n
    manifest.n_chunks = n_chunks
    save_manifest(paths, manifest)
    return n_chunks


def _rejected_at_plan(sample: SourceSample | ParallelSample, target_lang: str,
                      issue: Issue) -> ParallelSample:
    base = (ParallelSample.from_source(sample, target_lang) if isinstance(sample, SourceSample)
            else sample)
    return base.model_copy(update={"status": Status.rejected, "confidence": 0.0,
                                   "issues": [issue]})


def _lang(sample: SourceSample | ParallelSample) -> str:
    return sample.lang if isinstance(sample, SourceSample) else sample.source_lang


StageFn = Callable[[list, Settings, RunParams, RunPaths], list[ParallelSample]]


def _align(records: list[ParallelSample], settings: Settings, params: RunParams, paths: RunPaths):
    from parallelner.align import align_sample

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
        from parallelner.run.stages import project_records_stage

        return project_records_stage
    if mode == "project" and stage == "align":
        return _already_aligned
    if stage == "align":
        return _align
    if stage == "translate":
        from parallelner.run.stages import translate_records

        return translate_records
    if stage == "verify":
        from parallelner.run.stages import verify_records

        return verify_records
    if stage == "refine":
        from parallelner.run.stages import refine_records

        return refine_records
    raise ValueError(f"unknown stage {stage!r}")


def run_chunk_stage(paths: RunPaths, chunk: int, stage: str, settings: Settings,
                    params: RunParams) -> Path:
    """Run one stage on one chunk unless its output, or a later stage's, already exists (a
    finished run keeps only the align and refine files of its chunks). Returns the output
    path."""
    out = paths.chunk(chunk, stage)
    if out.exists() or any(paths.chunk(chunk, s).exists() for s in _later(stage)):
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


def _later(stage: str) -> list[str]:
    order = ["source", *PREVIOUS]
    return order[order.index(stage) + 1:]


# What a finished run keeps of its chunks: the align files (the report's yield per stage) and the
# refine files (each chunk's end state: a resume of the finished run redoes nothing).
KEPT_CHUNK_STAGES = ("align", "refine")


def compact_chunks(paths: RunPaths, n_chunks: int) -> int:
    """Delete the chunk files a finished run no longer needs (the sources are in source.jsonl,
    the answers in the ledger and the records in final.jsonl). Returns the bytes freed."""
    freed = 0
    for i in range(n_chunks):
        for stage in ("source", *PREVIOUS):
            f = paths.chunk(i, stage)
            if stage not in KEPT_CHUNK_STAGES and f.exists():
                freed += f.stat().st_size
                f.unlink()
    return freed


def iter_chunks(paths: RunPaths, n_chunks: int, stage: str = "refine") -> Iterator[ParallelSample]:
    """Every sample after ``stage``, in source order, one chunk in memory at a time."""
    for i in range(n_chunks):
        yield from read_jsonl(paths.chunk(i, stage), ParallelSample)


def in_source_order(paths: RunPaths, n_chunks: int) -> Iterator[ParallelSample]:
    """The chunks' samples with those the plan rejected put back at their place in the source."""
    at_plan = {r.id: r for r in read_jsonl(paths.prechecked, ParallelSample)} \
        if paths.prechecked.exists() else {}
    if not at_plan:
        yield from iter_chunks(paths, n_chunks)
        return
    rest = iter_chunks(paths, n_chunks)
    with paths.source.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            sid = json.loads(line)["id"]
            yield at_plan[sid] if sid in at_plan else next(rest)


def collect(paths: RunPaths, n_chunks: int) -> int:
    """Stream all chunks into ``final.jsonl``, the one copy of the run's records (review's input
    name ``aligned.jsonl`` is a hard link to it, not a second copy). Returns the count."""
    n = write_jsonl(paths.final, in_source_order(paths, n_chunks))
    paths.aligned.unlink(missing_ok=True)
    try:
        os.link(paths.final, paths.aligned)
    except OSError:  # a file system without hard links: a copy, streamed
        shutil.copyfile(paths.final, paths.aligned)
    return n


def write_run_report(paths: RunPaths) -> Path:
    """report.json, report.md and the plots, from the run folder as it stands."""
    from parallelner.run.report import summarize_run, write_plots, write_report

    summary = summarize_run(paths.root)
    write_report(summary, paths)
    write_plots(summary, paths.root)
    return paths.report_json
