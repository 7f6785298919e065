"""JSONL reading and writing of stage records: streaming, line-numbered, never silently lossy."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError

M = TypeVar("M", bound=BaseModel)


@dataclass
class Line(Generic[M]):
    """One input line: the parsed record, or the error that stopped it (and the raw text)."""

    number: int
    record: M | None
    raw: str
    error: str | None = None
    offset: int = 0  # byte offset of the line in its file, to read it again (``read_at``)


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def parse_record(raw: str, model: type[M]) -> tuple[M | None, str | None]:
    """One JSON line as ``model``, or why it cannot be: invalid JSON, or the fields that fail.
    Validated straight from the JSON text (pydantic's fast path); only a failure parses again
    to tell bad JSON from bad fields."""
    try:
        return model.model_validate_json(raw), None
    except ValidationError as exc:
        try:
            json.loads(raw)
        except json.JSONDecodeError as jexc:
            return None, f"invalid JSON: {jexc.msg} at column {jexc.colno}"
        return None, _describe(exc)


def iter_jsonl(path: str | Path, model: type[M]) -> Iterator[Line[M]]:
    """Yield every non-blank line of ``path`` as a :class:`Line`; bad lines carry their error.

    Callers decide what a bad line means (the aligner writes it out as rejected; strict readers
    raise); nothing is skipped here.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", str(path))
    offset = 0
    with path.open("rb") as fh:
        for number, raw_bytes in enumerate(fh, start=1):
            start, offset = offset, offset + len(raw_bytes)
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Line(number, None, raw_bytes.decode("utf-8", "replace"),
                           f"not UTF-8: {exc}", start)
                continue
            if not raw.strip():
                continue
            record, error = parse_record(raw, model)
            yield Line(number, record, raw, error, start)


def read_at(path: str | Path, offsets: Iterable[int], model: type[M]) -> Iterator[M]:
    """The records starting at these byte offsets (``Line.offset``), in the order given: a
    second pass over a file already read strictly, without holding it in memory."""
    with Path(path).open("rb") as fh:
        for offset in offsets:
            fh.seek(offset)
            yield model.model_validate_json(fh.readline())


def read_jsonl(path: str | Path, model: type[M]) -> list[M]:
    """Read a whole file strictly: the first bad line raises an error naming file and line."""
    out: list[M] = []
    for line in iter_jsonl(path, model):
        if line.record is None:
            raise InputError(line.error or "bad record", str(path), line.number)
        out.append(line.record)
    return out


def dump_record(record: BaseModel) -> str:
    return record.model_dump_json(exclude_none=False)


def write_jsonl(path: str | Path, records: Iterable[BaseModel]) -> int:
    """Write records atomically (temp file + rename) so an interrupted write leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(dump_record(record))
            fh.write("\n")
            n += 1
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return n


class JsonlAppender:
    """Append records one by one, flushed per line, for resumable stages."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")

    def write(self, record: BaseModel) -> None:
        self._fh.write(dump_record(record) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
