"""``align_file``: stream a JSONL file of raw answers through ``align_sample`` (the I/O edge).

One output record per non-blank input line, in input order; a line that is not a valid record is
written as ``rejected`` (issue ``invalid_record`` naming the line) with the line kept in
``raw_input``. Memory stays flat: lines are read in chunks and at most ``2 x workers`` chunks are
in flight. With ``workers > 1`` chunks are aligned in worker processes (each warms its own
tokenizers and language model once) and written back in submission order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..config import AlignConfig
from ..errors import InputError
from ..schema import Issue, ParallelSample, Status
from .pipeline import align_sample

Progress = Callable[[int, int], None]  # (records done, input bytes done)
_LANG = re.compile(r"^[a-z]{2}$")
UNKNOWN_LANG = "xx"  # spaCy's code for "multi-language": a language we could not read


@dataclass
class Outcome:
    """What one input line became: its output line and what the summary counts."""

    line: int
    json: str
    status: str
    codes: tuple[str, ...]
    error: str | None = None


@dataclass
class AlignSummary:
    records: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)  # samples carrying each code
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, error), first 100
    invalid_count: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def add(self, outcome: Outcome) -> None:
        self.records += 1
        self.by_status[outcome.status] += 1
        self.by_code.update(outcome.codes)
        if outcome.error is not None:
            self.invalid_count += 1
            if len(self.invalid) < 100:
                self.invalid.append((outcome.line, outcome.error))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def rejected_record(number: int, raw: str, error: str) -> ParallelSample:
    """Rebuild a rejected record from an unusable line, keeping whatever of it can be read."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}

    def text(key: str, default: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) and value else default

    def lang(key: str) -> str:
        value = text(key, UNKNOWN_LANG)
        return value if _LANG.match(value) else UNKNOWN_LANG

    return ParallelSample(
        id=text("id", f"line-{number}"),
        source_lang=lang("source_lang"),
        target_lang=lang("target_lang"),
        source_text=text("source_text", ""),
        response=data.get("response") if isinstance(data.get("response"), str) else None,
        confidence=0.0,
        status=Status.rejected,
        issues=[Issue(code="invalid_record", message=f"line {number}: {error}")],
        raw_input=raw.rstrip("\n"),
    )


def align_line(number: int, raw: str, config: AlignConfig) -> Outcome:
    """Align one input line (already decoded); never raises for bad input."""
    try:
        sample = ParallelSample.model_validate_json(raw)
    except ValidationError as exc:
        try:
            json.loads(raw)
            error = _describe(exc)
        except ValueError as jexc:
            error = f"invalid JSON: {jexc}"
        record = rejected_record(number, raw, error)
        return Outcome(number, record.model_dump_json(), "rejected", ("invalid_record",), error)
    result = align_sample(sample, config)
    codes = tuple(dict.fromkeys(i.code for i in result.issues))
    status = result.status.value if result.status else "rejected"
    return Outcome(number, result.model_dump_json(), status, codes)


Line = tuple[int, str, str | None]  # (line number, text, decoding error)


def _align_chunk(chunk: list[Line], config: AlignConfig) -> list[Outcome]:
    out = []
    for number, raw, error in chunk:
        if error is None:
            out.append(align_line(number, raw, config))
        else:
            record = rejected_record(number, raw, error)
            out.append(Outcome(number, record.model_dump_json(), "rejected", ("invalid_record",), error))
    return out


def _chunks(path: Path, size: int) -> Iterator[tuple[list[Line], int]]:
    """Yield (chunk of lines, bytes read so far); blank lines are skipped, not counted."""
    chunk: list[Line] = []
    done = 0
    with path.open("rb") as fh:
        for number, raw_bytes in enumerate(fh, start=1):
            done += len(raw_bytes)
            try:
                raw, error = raw_bytes.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                raw, error = raw_bytes.decode("utf-8", "replace"), f"not UTF-8: {exc}"
            if raw.strip():
                chunk.append((number, raw, error))
            if len(chunk) >= size:
                yield chunk, done
                chunk = []
    if chunk:
        yield chunk, done


_LANG_PAIR = re.compile(r'"source_lang"\s*:\s*"([a-z]{2})".*?"target_lang"\s*:\s*"([a-z]{2})"')


def _langs(chunk: list[Line]) -> set[tuple[str, str]]:
    """(target, source) language pairs seen in a chunk, read cheaply for the warm-up."""
    out = set()
    for _, raw, _ in chunk:
        m = _LANG_PAIR.search(raw)
        if m:
            out.add((m.group(2), m.group(1)))
    return out


def warm_up(config: AlignConfig, pairs: set[tuple[str, str]]) -> None:
    """Load tokenizers and language detectors once (before forking workers)."""
    from .langid import _fast_detector, _langdetect_factory
    from .tokens import tokenizer

    _fast_detector()
    _langdetect_factory()
    for target, _source in pairs:
        tokenizer(target, config.zh_segmenter)


def align_file(
    input_path: str | Path,
    output_path: str | Path,
    config: AlignConfig,
    progress: Progress | None = None,
) -> AlignSummary:
    """Align every record of ``input_path`` into ``output_path`` (written atomically)."""
    src, dst = Path(input_path), Path(output_path)
    if not src.exists():
        raise InputError("file not found", str(src))
    if src.resolve() == dst.resolve():
        raise InputError("the output must not overwrite the input", str(dst))
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    summary = AlignSummary()
    started = time.perf_counter()

    def emit(fh, outcomes: list[Outcome], done: int) -> None:
        for outcome in outcomes:
            fh.write(outcome.json)
            fh.write("\n")
            summary.add(outcome)
        if progress:
            progress(summary.records, done)

    with tmp.open("w", encoding="utf-8") as fh:
        chunks = _chunks(src, config.chunk_size)
        first = next(chunks, None)
        if first is not None:
            second = next(chunks, None)
            if config.workers <= 1 or second is None:
                for chunk, done in (c for c in (first, second) if c is not None):
                    emit(fh, _align_chunk(chunk, config), done)
                for chunk, done in chunks:
                    emit(fh, _align_chunk(chunk, config), done)
            else:
                _parallel(fh, [first, second], chunks, config, emit)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(dst)
    summary.seconds = time.perf_counter() - started
    return summary


def _parallel(fh, head, chunks, config: AlignConfig, emit) -> None:
    """Align chunks in worker processes, at most 2 x workers in flight, written in order."""
    pending: deque[tuple[Future[list[Outcome]], int]] = deque()
    # Warm the models in the parent, then fork: workers inherit them instead of each loading
    # spaCy, fastText and langdetect again (seconds per worker).
    warm_up(config, {(lang, src) for chunk, _ in head for lang, src in _langs(chunk)})
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=config.workers, mp_context=context) as pool:
        def submit(item: tuple[list[Line], int]) -> None:
            chunk, done = item
            pending.append((pool.submit(_align_chunk, chunk, config), done))

        for item in head:
            submit(item)
        for item in chunks:
            if len(pending) >= 2 * config.workers:
                future, done = pending.popleft()
                emit(fh, future.result(), done)
            submit(item)
        while pending:
            future, done = pending.popleft()
            emit(fh, future.result(), done)
