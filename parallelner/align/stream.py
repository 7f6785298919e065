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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..config import AlignConfig
from ..errors import InputError
from ..io import parse_record
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

    def merge(self, other: AlignSummary) -> None:
        self.records += other.records
        self.by_status.update(other.by_status)
        self.by_code.update(other.by_code)
        self.invalid_count += other.invalid_count
        self.invalid.extend(other.invalid[: max(0, 100 - len(self.invalid))])

    def add(self, outcome: Outcome) -> None:
        self.records += 1
        self.by_status[outcome.status] += 1
        self.by_code.update(outcome.codes)
        if outcome.error is not None:
            self.invalid_count += 1
            if len(self.invalid) < 100:
                self.invalid.append((outcome.line, outcome.error))


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
    sample, error = parse_record(raw, ParallelSample)
    if sample is None:
        error = error or "bad record"
        record = rejected_record(number, raw, error)
        return Outcome(number, record.model_dump_json(), "rejected", ("invalid_record",), error)
    result = align_sample(sample, config)
    codes = tuple(dict.fromkeys(i.code for i in result.issues))
    status = result.status.value if result.status else "rejected"
    return Outcome(number, result.model_dump_json(), status, codes)


@dataclass(frozen=True)
class Chunk:
    """A run of input lines by byte offsets: workers read it themselves, so the parent process
    only finds line ends and writes results (it would otherwise cost as much as a worker)."""

    start: int
    end: int
    first_line: int


def _chunks(path: Path, size: int) -> Iterator[Chunk]:
    """Split the file into chunks of ``size`` lines (byte offsets and first line number)."""
    start = pos = 0
    first = number = 1
    with path.open("rb") as fh:
        for raw in fh:
            pos += len(raw)
            if number - first + 1 >= size:
                yield Chunk(start, pos, first)
                start, first = pos, number + 1
            number += 1
    if pos > start:
        yield Chunk(start, pos, first)


@dataclass
class ChunkResult:
    text: str  # the output lines, each ending with a newline
    summary: AlignSummary
    end: int  # input bytes done after this chunk


def align_chunk(path: str, chunk: Chunk, config: AlignConfig) -> ChunkResult:
    """Align one chunk of the file (runs in a worker process or inline)."""
    with open(path, "rb") as fh:
        fh.seek(chunk.start)
        data = fh.read(chunk.end - chunk.start)
    summary = AlignSummary()
    out: list[str] = []
    for offset, raw_bytes in enumerate(data.split(b"\n")):
        if not raw_bytes.strip():
            continue
        number = chunk.first_line + offset
        try:
            outcome = align_line(number, raw_bytes.decode("utf-8"), config)
        except UnicodeDecodeError as exc:
            error = f"not UTF-8: {exc}"
            raw = raw_bytes.decode("utf-8", "replace")
            record = rejected_record(number, raw, error)
            outcome = Outcome(number, record.model_dump_json(), "rejected", ("invalid_record",),
                              error)
        out.append(outcome.json)
        summary.add(outcome)
    return ChunkResult("".join(line + "\n" for line in out), summary, chunk.end)


_TARGET_LANG = re.compile(rb'"target_lang"\s*:\s*"([a-z]{2})"')


def warm_up(path: Path | None = None, config: AlignConfig | None = None) -> None:
    """Load the language detectors, and the tokenizers of the target languages met in the first
    lines, once (before forking workers, which then inherit them instead of loading their own)."""
    from .langid import _fast_detector, _langdetect_factory
    from .tokens import tokenizer

    _fast_detector()
    _langdetect_factory()
    if path is None or config is None:
        return
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    for lang in sorted({m.group(1).decode() for m in _TARGET_LANG.finditer(head)}):
        tokenizer(lang, config.zh_segmenter)


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

    def emit(fh, result: ChunkResult) -> None:
        fh.write(result.text)
        summary.merge(result.summary)
        if progress:
            progress(summary.records, result.end)

    with tmp.open("w", encoding="utf-8") as fh:
        chunks = _chunks(src, config.chunk_size)
        head = [c for c in (next(chunks, None), next(chunks, None)) if c is not None]
        if config.workers <= 1 or len(head) < 2:
            for chunk in [*head, *chunks]:
                emit(fh, align_chunk(str(src), chunk, config))
        else:
            _parallel(fh, str(src), [*head, *chunks], config, emit)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(dst)
    summary.seconds = time.perf_counter() - started
    return summary


def _parallel(fh, path: str, chunks: Iterable[Chunk], config: AlignConfig, emit) -> None:
    """Align chunks in worker processes, at most 2 x workers in flight, written in order."""
    pending: deque[Future[ChunkResult]] = deque()
    warm_up(Path(path), config)  # then fork: workers inherit the loaded models
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if "fork" in methods else None
    with ProcessPoolExecutor(max_workers=config.workers, mp_context=context) as pool:
        for chunk in chunks:
            if len(pending) >= 2 * config.workers:
                emit(fh, pending.popleft().result())
            pending.append(pool.submit(align_chunk, path, chunk, config))
        while pending:
            emit(fh, pending.popleft().result())
