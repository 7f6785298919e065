"""What an export reads: the records of a run (or any JSONL of ``ParallelSample``) and its facts.

A RUN is a run folder ``outputs/<run-id>/``. The flow writes the final aligned and reviewed
records there as ``final.jsonl`` (and ``reviewed.jsonl`` after ``review pull``, which is
preferred); until then (or to export another stage), give the records file
explicitly. :func:`resolve_input` accepts:

- ``RUN`` a run folder holding ``final.jsonl``        -> that file, output in ``RUN/dataset/``;
- ``RUN`` a run folder plus ``input=PATH.jsonl``      -> PATH, output in ``RUN/dataset/``
  (the folder is created if missing);
- ``RUN`` a ``.jsonl`` file                           -> that file, output beside it in
  ``<its folder>/dataset/``.

Reading is strict: the first bad line stops the export with an error naming file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parallelner.run.folder import RunManifest, RunPaths

from ..errors import ConfigError, InputError
from ..io import iter_jsonl, read_at, read_jsonl
from ..schema import ParallelSample
from .build import group_keys

# Run parameters that say nothing about the data, or could point at private infrastructure.
_PRIVATE_PARAMS = frozenset({"base_url"})


@dataclass(frozen=True)
class ExportInput:
    records: Path
    run_dir: Path

    @property
    def dataset_dir(self) -> Path:
        return self.run_dir / "dataset"


def resolve_input(run: str | Path, input_path: str | Path | None = None) -> ExportInput:
    """Where the records are and which run folder the dataset goes into (rules above). A run id
    (what ``parallelner run`` prints) names ``outputs/<run-id>``."""
    run = Path(run)
    if not run.exists() and (Path("outputs") / run / "run.json").exists():
        run = Path("outputs") / run
    if run.is_file():
        if input_path is not None:
            raise ConfigError(f"{run} is a file; give either a records file or --input, not both")
        return ExportInput(run, run.parent)
    if input_path is not None:
        records = Path(input_path)
        if not records.is_file():
            raise InputError("records file not found", str(records))
        return ExportInput(records, run)
    if not run.exists():
        raise InputError("no such run folder (or records file)", str(run))
    final = RunPaths(run).results()
    if not final.is_file():
        raise InputError(
            f"no {final.name} in this run folder yet (the flow writes it after review); "
            f"export another records file with --input, e.g. --input {run / 'aligned.jsonl'}",
            str(run),
        )
    return ExportInput(final, run)


def load_records(path: Path) -> list[ParallelSample]:
    return read_jsonl(path, ParallelSample)


def iter_records(path: Path) -> Iterator[tuple[int, ParallelSample]]:
    """Each record with the byte offset of its line, streamed; strict like ``load_records``."""
    for line in iter_jsonl(path, ParallelSample):
        if line.record is None:
            raise InputError(line.error or "bad record", str(path), line.number)
        yield line.offset, line.record


def count_records(path: Path) -> int:
    """Non-blank lines: the length of a progress bar over the records."""
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def records_at(path: Path, offsets: Iterable[int]) -> Iterator[ParallelSample]:
    """The records at these offsets (``iter_records``), in that order: the second pass."""
    return read_at(path, offsets, ParallelSample)


def first_group_key(path: Path, offset: int, by_document: bool) -> str:
    """The smallest group key of the record at ``offset``, read again for the split plan."""
    return min(group_keys(next(records_at(path, [offset])), by_document))


def run_settings(run_dir: Path) -> dict[str, Any] | None:
    """The run's parameters from ``run.json`` (minus private ones), or None outside a run."""
    manifest_path = RunPaths(run_dir).manifest
    if not manifest_path.is_file():
        return None
    manifest = RunManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    params = manifest.params.model_dump(mode="json")
    return {
        "run_id": manifest.run_id,
        **{k: v for k, v in params.items() if k not in _PRIVATE_PARAMS and v is not None},
    }


def run_audit(run_dir: Path) -> dict[str, Any] | None:
    """The review audit (``review_report.json``), when the run has one: scalar entries only."""
    path = run_dir / "review_report.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", str(path), exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", str(path))
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool)}
