"""The options of `parallelner run` as one value, for flow tests that change one at a time; runs
them the way the CLI does (settings from the options, then ``flows.start.start_run``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows.start import run_settings
from flows.start import start_run as _start_run
from parallelner.run.folder import RunPaths


@dataclass
class RunRequest:
    source: str | None = None
    source_format: str | None = None
    source_lang: str | None = None
    target_lang: str | None = None
    limit: int | None = None
    mode: str | None = None
    base_url: str | None = None
    model: str | None = None
    refine_model: str | None = None
    concurrency: int | None = None
    budget: float | None = None
    run_id: str | None = None
    review: bool | None = None
    chunk_size: int | None = None
    config: Path | None = None
    outputs: Path | None = None


def start_run(req: RunRequest) -> RunPaths:
    run = {"source": req.source, "source_format": req.source_format,
           "source_lang": req.source_lang, "target_lang": req.target_lang, "limit": req.limit,
           "mode": req.mode, "review": req.review, "chunk_size": req.chunk_size}
    llm = {"base_url": req.base_url, "model": req.model, "refine_model": req.refine_model,
           "concurrency": req.concurrency, "budget": req.budget}
    overrides = {"run": run, "llm": llm, "outputs_dir": req.outputs}
    return _start_run(run_settings(req.config, overrides, req.run_id), req.run_id).paths
