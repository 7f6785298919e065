"""The run folder: one place that knows where every artifact of a run lives, and how to resume.

``outputs/<run-id>/`` holds::

    run.json               manifest: parameters (no secrets), fingerprint, chunk plan, stage state
    source.jsonl           the source samples read for this run (written once)
    prechecked.jsonl       samples the plan rejected before any LLM call (size, labels, language)
    chunks/NNNNN/<stage>.jsonl   per-chunk stage outputs, each written atomically when complete
                           (a finished run keeps only align and refine: see ``compact_chunks``)
    aligned.jsonl          all samples after align + refine (what review push reads)
    review_queue.jsonl     samples routed to people
    final.jsonl            all samples at the end of the flow
    reviewed.jsonl         all samples with people's answers merged (``review pull``); export and
                           report read it when it exists, else final.jsonl
    ledger.jsonl           one line per LLM call: tokens, cost, cached
    ledger.jsonl.sum       the ledger's totals up to a byte offset (the budget reads only the tail)
    report.json, report.md, confidence_hist.png, yield_per_stage.png

A chunk stage file either exists whole or not at all, so a killed run restarted with the same
``--run-id`` redoes only missing chunk stages, and writes no sample twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from parallelner.config import Settings
from parallelner.errors import ParallelNERError

STAGES = ("translate", "align", "verify", "refine")


class RunParams(BaseModel):
    """What a run was asked to do, as recorded in ``run.json``: derived from the Settings
    (:meth:`from_settings`), never built with defaults of its own. Secrets are never part of it."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = None
    source_format: str | None = None
    split: str | None = None
    labels: list[str] | None = None
    tag_scheme: str | None = None
    source_lang: str = "en"
    target_lang: str = "zh"
    limit: int | None = None
    mode: Literal["translate", "project"] = "translate"
    model: str = ""
    refine_model: str | None = None
    refine_rounds: int = 2
    chunk_size: int = 50
    review: bool = True
    verify: str | None = None
    base_url: str | None = None
    concurrency: int = 4
    budget: float | None = None

    # Changing these changes the data, so a resumed run must keep them.
    FINGERPRINT_FIELDS: ClassVar[tuple[str, ...]] = (
        "source", "source_format", "split", "labels", "tag_scheme", "source_lang", "target_lang",
        "limit", "mode", "model", "refine_model", "refine_rounds", "chunk_size", "verify",
    )
    # Added later: left out of the fingerprint while unset, so older runs still resume.
    _OPTIONAL: ClassVar[frozenset[str]] = frozenset({"split", "labels", "tag_scheme", "verify"})
    # Where each data option lives in the Settings (section, field).
    SETTINGS_PATH: ClassVar[dict[str, tuple[str, str]]] = {
        **{k: ("run", k) for k in ("source", "source_format", "split", "labels", "tag_scheme",
                                   "source_lang", "target_lang", "limit", "mode", "chunk_size")},
        "model": ("llm", "model"), "refine_model": ("llm", "refine_model"),
        "refine_rounds": ("llm", "refine_rounds"), "verify": ("verify", "mode"),
    }

    @classmethod
    def from_settings(cls, settings: Settings) -> RunParams:
        run, llm = settings.run, settings.llm
        return cls(
            source=run.source, source_format=run.source_format, split=run.split,
            labels=run.labels, tag_scheme=run.tag_scheme, source_lang=run.source_lang,
            target_lang=run.target_lang, limit=run.effective_limit, mode=run.mode,
            model=llm.model, refine_model=llm.refine_model, refine_rounds=llm.refine_rounds,
            chunk_size=run.chunk_size, review=run.review, verify=settings.verify.mode,
            base_url=llm.base_url,
            concurrency=llm.concurrency, budget=llm.budget,
        )

    def data_overrides(self) -> dict[str, dict[str, object]]:
        """The recorded data options as Settings overrides: how ``run --run-id ID`` alone resumes
        with what the run was started with."""
        out: dict[str, dict[str, object]] = {}
        for name, (section, key) in self.SETTINGS_PATH.items():
            out.setdefault(section, {})[key] = getattr(self, name)
        return out

    def fingerprint(self) -> str:
        data = {k: getattr(self, k) for k in self.FINGERPRINT_FIELDS
                if not (k in self._OPTIONAL and getattr(self, k) is None)}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class RunManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    created: str
    params: RunParams
    fingerprint: str
    n_samples: int | None = None
    n_chunks: int | None = None
    finished: str | None = None
    wall_seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)


class RunMismatchError(ParallelNERError):
    """A resumed run was started with parameters that would change its data."""


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class RunPaths:
    """Every path of one run folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def manifest(self) -> Path:
        return self.root / "run.json"

    @property
    def source(self) -> Path:
        return self.root / "source.jsonl"

    def chunk(self, index: int, stage: str) -> Path:
        return self.root / "chunks" / f"{index:05d}" / f"{stage}.jsonl"

    @property
    def prechecked(self) -> Path:
        return self.root / "prechecked.jsonl"

    @property
    def aligned(self) -> Path:
        return self.root / "aligned.jsonl"

    @property
    def review_queue(self) -> Path:
        return self.root / "review_queue.jsonl"

    @property
    def final(self) -> Path:
        return self.root / "final.jsonl"

    @property
    def reviewed(self) -> Path:
        return self.root / "reviewed.jsonl"

    def results(self) -> Path:
        """The newest complete record set: ``reviewed.jsonl`` after a review pull, else
        ``final.jsonl``."""
        return self.reviewed if self.reviewed.exists() else self.final

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.jsonl"

    @property
    def cache(self) -> Path:
        return self.root / "llm_cache.sqlite"

    @property
    def report_json(self) -> Path:
        return self.root / "report.json"

    @property
    def report_md(self) -> Path:
        return self.root / "report.md"

    def plot(self, name: str) -> Path:
        return self.root / f"{name}.png"


def open_run(
    outputs_dir: Path, run_id: str | None, params: RunParams
) -> tuple[RunPaths, RunManifest, bool]:
    """Create a new run folder, or reopen an existing one after checking its parameters match.

    Returns (paths, manifest, resumed).
    """
    run_id = run_id or new_run_id()
    paths = RunPaths(Path(outputs_dir) / run_id)
    if paths.manifest.exists():
        manifest = RunManifest.model_validate_json(paths.manifest.read_text(encoding="utf-8"))
        if manifest.fingerprint != params.fingerprint():
            old, new = manifest.params, params
            diffs = [
                f"{k}: {getattr(old, k)!r} -> {getattr(new, k)!r}"
                for k in RunParams.FINGERPRINT_FIELDS
                if getattr(old, k) != getattr(new, k)
            ]
            raise RunMismatchError(
                f"run {run_id!r} was started with other parameters ({'; '.join(diffs)}); "
                "resume it with the same ones, or start a new run"
            )
        # Operational settings (endpoint, concurrency, budget, review) may change on resume.
        manifest.params = params
        save_manifest(paths, manifest)
        return paths, manifest, True
    paths.root.mkdir(parents=True, exist_ok=True)
    manifest = RunManifest(
        run_id=run_id,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        params=params,
        fingerprint=params.fingerprint(),
    )
    save_manifest(paths, manifest)
    return paths, manifest, False


def save_manifest(paths: RunPaths, manifest: RunManifest) -> None:
    tmp = paths.manifest.with_suffix(".json.tmp")
    tmp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(paths.manifest)


def load_manifest(run_dir: str | Path) -> tuple[RunPaths, RunManifest]:
    paths = RunPaths(run_dir)
    if not paths.manifest.exists():
        raise ParallelNERError(f"{paths.root}: not a run folder (no run.json)")
    return paths, RunManifest.model_validate_json(paths.manifest.read_text(encoding="utf-8"))


class RunLockedError(ParallelNERError):
    """Another process is running this run folder."""


@contextlib.contextmanager
def run_lock(paths: RunPaths) -> Iterator[None]:
    """Hold the run folder for one process: a second ``run`` on the same ``--run-id`` refuses,
    naming the holder. The lock is the kernel's (``flock``): a holder killed with -9 leaves no
    lock behind, so a stale ``run.lock`` file is simply taken over."""
    paths.root.mkdir(parents=True, exist_ok=True)
    fh = (paths.root / "run.lock").open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise RunLockedError(
                f"run {paths.root.name!r} is being run by {holder}; wait for it to end (or stop "
                "it), then resume with the same --run-id"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                 f"{datetime.now(UTC).isoformat(timespec='seconds')}\n")
        fh.flush()
        yield
    finally:
        fh.close()


def resolve_run_dir(run: str | Path, outputs_dir: Path | None = None) -> Path:
    """A run folder given as a path or as the run id that ``parallelner run`` prints."""
    path = Path(run)
    if path.is_dir():  # a run folder, or a folder of records made by hand: the command checks it
        return path
    candidate = Path(outputs_dir or "outputs") / str(run)
    if (candidate / "run.json").exists():
        return candidate
    raise ParallelNERError(
        f"{run}: no such run folder, nor a run id under {candidate.parent}/"
    )
