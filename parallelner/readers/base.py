"""What every reader shares: the read context, recorded repairs, strict UTF-8 lines, token samples.

Why a context object: a reader is a generator over one file; the context carries the resolved
language, dataset and split (for ids and provenance), the caller's choices (``strict``, tag scheme,
label names) and the list the reader writes its repairs into, so the caller sees every change made
to the data without the readers logging or printing anything themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..graphemes import Snapper
from ..ontology import check_labels
from ..schema import EntitySpan, SourceProvenance, SourceSample
from .detok import detokenize
from .naming import sample_id
from .tags import TagError, TagScheme, decode_tags


@dataclass(frozen=True)
class Repair:
    """A change the reader made to the data instead of failing, with where and why."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    sample_id: str | None = None
    unit: str = "line"  # "row" for tabular sources (parquet, arrow, hub)

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where += f":{self.line}" if self.unit == "line" else f" row {self.line}"
        sid = f" ({self.sample_id})" if self.sample_id else ""
        return f"{where}: [{self.code}] {self.message}{sid}"


@dataclass
class ReadContext:
    """One read of one source: resolved names, the caller's options and the repairs sink."""

    path: str
    lang: str | None
    dataset: str
    split: str = ""
    label_scheme: str = "conll"
    strict: bool = False
    tag_scheme: TagScheme = "bio"
    label_names: tuple[str, ...] | None = None
    repairs: list[Repair] = field(default_factory=list)
    line_unit: str = "line"
    display: str | None = None  # how errors and provenance name the source, if not ``path``
    _seen_ids: set[str] = field(default_factory=set, repr=False)

    @property
    def name(self) -> str:
        return self.display or self.path

    def error(self, message: str, line: int | None = None) -> InputError:
        if line is not None and self.line_unit != "line":
            return InputError(f"{self.line_unit} {line}: {message}", self.name)
        return InputError(message, self.name, line)

    def repair(
        self,
        code: str,
        message: str,
        line: int | None = None,
        sample_id: str | None = None,
        *,
        data_error: bool = True,
    ) -> None:
        """Record a repair; in strict mode a repair of a data error raises instead.

        ``data_error=False`` marks documented normalisations (unescaping, detokenizer fallback)
        that strict mode still allows, because the source itself is not wrong.
        """
        if self.strict and data_error:
            raise self.error(f"[{code}] {message} (strict mode: repairs are errors)", line)
        self.repairs.append(Repair(code, message, self.name, line, sample_id, self.line_unit))

    def require_lang(self) -> str:
        if self.lang is None:
            raise self.error(
                "cannot tell the language from the file name; pass it with --lang (e.g. --lang en)"
            )
        return self.lang

    def new_id(self, key: str | int, line: int | None = None, lang: str | None = None) -> str:
        """A stable sample id; a duplicate within one read is an error naming the line."""
        sid = sample_id(self.dataset, lang or self.require_lang(), self.split, key)
        if sid in self._seen_ids:
            raise self.error(f"duplicate sample id {sid!r}", line)
        self._seen_ids.add(sid)
        return sid

    def provenance(self, index: int, document: str | None = None) -> SourceProvenance:
        return SourceProvenance(
            dataset=self.dataset,
            split=self.split,
            index=index,
            document=document,
            label_scheme=self.label_scheme,
            path=self.name,
        )


def checked(
    ctx: ReadContext,
    sample: SourceSample,
    line: int | None,
    entity_lines: Sequence[int | None] | None = None,
) -> SourceSample:
    """What every reader checks before it yields a sample, so bad input stops at read time and
    not after paid stages: each label is one its scheme maps (an error naming the line, the
    label and the known labels); each entity covers whole characters, a span that ends between
    a letter and its combining accent is grown to take it (a recorded repair). ``entity_lines``
    (entity k starts on line ``entity_lines[k]``) points errors at the entity's own line."""
    def line_of(k: int | None) -> int | None:
        return entity_lines[k] if entity_lines is not None and k is not None else line

    issue = check_labels(sample)
    if issue is not None:
        raise ctx.error(issue.message, line_of(issue.entity_index))
    snapper = Snapper(sample.text)
    entities = []
    for k, entity in enumerate(sample.entities):
        start, end = snapper.snap(entity.start, entity.end)
        if (start, end) != (entity.start, entity.end):
            ctx.repair(
                "grapheme-snapped",
                f"entity {k + 1} ({entity.label} {entity.surface(sample.text)!r}) splits a "
                f"character; grown to {sample.text[start:end]!r}",
                line_of(k),
                sample.id,
            )
            entity = EntitySpan(start=start, end=end, label=entity.label)
        entities.append(entity)
    if entities == sample.entities:
        return sample
    try:
        return SourceSample.model_validate({**sample.model_dump(), "entities": entities})
    except ValidationError as exc:
        raise ctx.error(f"after growing spans to whole characters: {exc.errors()[0]['msg']}",
                        line) from None


def iter_text_lines(path: Path, display: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` of a UTF-8 text file, without line ends.

    A byte sequence that is not UTF-8 (a Latin-1 "é" in a UTF-8 file, a mixed-encoding file) is an
    error naming the line and the byte, never a replacement character in the data.
    """
    shown = display or str(path)
    if not path.exists():
        raise InputError("file not found", shown)
    if not path.is_file():
        raise InputError("not a file", shown)
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 1].hex()
                raise InputError(
                    f"byte 0x{bad} at column {exc.start + 1} is not valid UTF-8 (a Latin-1 or "
                    "mixed-encoding file?); convert the file to UTF-8",
                    shown,
                    number,
                ) from None
            if number == 1:
                line = line.removeprefix("\ufeff")
            yield number, line.rstrip("\r\n")


def iter_json_objects(ctx: ReadContext) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSON-lines source."""
    for number, line in iter_text_lines(Path(ctx.path), ctx.name):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ctx.error(f"invalid JSON: {exc.msg} at column {exc.colno}", number) from None
        if not isinstance(record, dict):
            raise ctx.error("expected a JSON object per line", number)
        yield number, record


def tagged_sample(
    ctx: ReadContext,
    tokens: Sequence[str],
    tags: Sequence[str],
    *,
    index: int,
    lines: Sequence[int | None],
    key: str | int | None = None,
    lang: str | None = None,
    document: str | None = None,
    text: str | None = None,
    offsets: Sequence[tuple[int, int]] | None = None,
) -> SourceSample:
    """Build a sample from tokens and their tags; detokenize unless ``text``/``offsets`` are given.

    ``lines[i]`` is the source line of token i (None where the format has no lines), so every
    repair and error points at the token at fault.
    """
    lang = lang or ctx.require_lang()
    sid = ctx.new_id(index if key is None else key, lines[0] if lines else None, lang)
    try:
        spans, problems = decode_tags(tags, ctx.tag_scheme)
    except TagError as exc:
        raise ctx.error(str(exc), lines[exc.index]) from None
    for problem in problems:
        ctx.repair(problem.code, problem.message, lines[problem.index], sid)
    if text is None or offsets is None:
        detok = detokenize(tokens, lang)
        text, offsets = detok.text, detok.offsets
        if detok.fallback_at is not None:
            i = detok.fallback_at
            ctx.repair(
                "detok-fallback",
                f"the detokenizer rewrote token {tokens[i]!r}; single spaces from there on",
                lines[i],
                sid,
                data_error=False,
            )
    entities = []
    for span in spans:
        start, end = offsets[span.start][0], offsets[span.end - 1][1]
        if end <= start:
            raise ctx.error(f"entity {span.label} covers only empty tokens", lines[span.start])
        entities.append(EntitySpan(start=start, end=end, label=span.label))
    sample = SourceSample(
        id=sid,
        lang=lang,
        text=text,
        entities=entities,
        provenance=ctx.provenance(index, document),
    )
    return checked(ctx, sample, lines[0] if lines else None,
                   [lines[span.start] for span in spans])
