"""Source readers: every supported NER format in, ``SourceSample``s with provenance out.

One entry point, :func:`read_source`, takes a path (or a shipped sample's name, or a Hugging Face
hub name), finds the format and the language, and returns a :class:`SourceStream`: an iterator of
samples that also holds the repairs the reader made (``stream.repairs``). Repairs are never silent:
they are listed there, logged (one warning per read with the counts by code), and in ``strict``
mode the repair of a data error (e.g. ``I-X`` without ``B-X``) is an :class:`InputError` instead.
Every reader checks each sample before yielding it (``base.checked``): a label its scheme does not
map and overlapping entities are errors naming the file and line; an entity that splits a
character is grown to whole characters (repair ``grapheme-snapped``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..schema import SourceSample
from . import cluener, conll, hf, jsonl, uner
from .base import ReadContext, Repair
from .naming import ISO_639_1, lang_from_name, split_from_name
from .shipped import default_sample_for, find_sample
from .tags import TAG_SCHEMES, TagScheme

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReaderInfo:
    """A supported format: what it reads, which files look like it, which labels it carries."""

    name: str
    description: str
    patterns: tuple[str, ...]
    label_scheme: str
    read: Callable[[ReadContext], Iterator[SourceSample]]
    default_lang: str | None = None
    lang_in_data: bool = False  # samples carry their language; never guess it from the file name


READERS: tuple[ReaderInfo, ...] = (
    ReaderInfo(
        "conll",
        "CoNLL/BIO columns (token first, tag last), blank line between sentences; detokenized",
        ("*.conll", "*.conll02", "*.conll03", "*.bio", "*.iob", "*.txt"),
        "conll",
        conll.read,
    ),
    ReaderInfo(
        "uner",
        "Universal NER .iob2 (CoNLL-U-like, '# sent_id' and '# text ='); tokens mapped onto text",
        ("*.iob2",),
        "conll",
        uner.read,
    ),
    ReaderInfo(
        "hf",
        "Hugging Face tokens + ner_tags (ClassLabel): parquet, save_to_disk folder, arrow, "
        "JSON lines, or a hub name (online only)",
        ("*.parquet", "*.arrow", "<save_to_disk folder>", "owner/name"),
        "conll",
        hf.read,
    ),
    ReaderInfo(
        "cluener",
        "CLUENER2020 JSON lines: text + label {type: {surface: [[start, end_inclusive]]}}",
        ("*.json", "*.jsonl"),
        "cluener",
        cluener.read,
        default_lang="zh",
    ),
    ReaderInfo(
        "jsonl",
        "parallelner SourceSample JSON lines (id, lang, text, entities, provenance)",
        ("*.jsonl",),
        "conll",
        jsonl.read,
        lang_in_data=True,
    ),
)

READER_NAMES: tuple[str, ...] = tuple(r.name for r in READERS)


def get_reader(name: str) -> ReaderInfo:
    for reader in READERS:
        if reader.name == name:
            return reader
    raise InputError(f"unknown format {name!r}; known: {', '.join(READER_NAMES)}")


_HF_DISK_MARKERS = ("state.json", "dataset_dict.json", "dataset_info.json")
_SNIFF_LINES = 50


def _sniff_json(first: str, shown: str) -> str:
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        raise InputError(
            "starts like JSON but the first line does not parse; pass --format", shown, 1
        ) from None
    keys = set(record) if isinstance(record, dict) else set()
    if {"id", "lang", "text"} <= keys:
        return "jsonl"
    if {hf.TOKENS, hf.TAGS} <= keys:
        return "hf"
    if "text" in keys and keys <= {"id", "text", "label"}:  # CLUENER's test split has ids
        return "cluener"
    raise InputError(
        f"JSON lines with keys {sorted(keys)} match no reader; pass --format "
        f"({', '.join(READER_NAMES)})",
        shown,
    )


def detect_format(path: str | Path) -> str:
    """Name the reader for ``path`` from its contents (extensions only for binary formats)."""
    shown = str(path)
    p = Path(path)
    if not p.exists():
        if hf.HUB_NAME_RE.match(shown):
            return "hf"
        raise InputError("file not found", shown)
    if p.is_dir():
        if any((p / marker).exists() for marker in _HF_DISK_MARKERS):
            return "hf"
        raise InputError("a folder that is not a datasets save_to_disk folder", shown)
    if p.suffix.lower() in (".parquet", ".arrow"):
        return "hf"
    head: list[str] = []
    with p.open("rb") as fh:
        for _, raw in zip(range(_SNIFF_LINES), fh, strict=False):  # the first lines only
            line = raw.decode("utf-8", "replace").removeprefix("\ufeff").rstrip("\r\n")
            if line.strip():
                head.append(line)
    if not head:
        raise InputError("the file is empty", shown)
    if head[0].lstrip().startswith("{"):
        return _sniff_json(head[0], shown)
    comments = [ln for ln in head if ln.startswith("#")]
    if any(ln.lstrip("# ").startswith("text") for ln in comments) or p.suffix.lower() == ".iob2":
        return "uner"
    return "conll"


class SourceStream(Iterator[SourceSample]):
    """Samples of one source, in order, with what was resolved and repaired along the way."""

    def __init__(
        self,
        reader: ReaderInfo,
        context: ReadContext,
        samples: Iterator[SourceSample],
        limit: int | None = None,
    ) -> None:
        self.reader = reader
        self.context = context
        self.limit = limit
        self.count = 0
        self._samples = samples
        self._done = False

    @property
    def repairs(self) -> list[Repair]:
        return self.context.repairs

    @property
    def format(self) -> str:
        return self.reader.name

    @property
    def lang(self) -> str | None:
        return self.context.lang

    @property
    def path(self) -> str:
        """The source as errors and provenance name it."""
        return self.context.name

    def __iter__(self) -> SourceStream:
        return self

    def __next__(self) -> SourceSample:
        if self._done or (self.limit is not None and self.count >= self.limit):
            self._finish()
            raise StopIteration
        try:
            sample = next(self._samples)
        except StopIteration:
            self._finish()
            raise
        self.count += 1
        return sample

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        close = getattr(self._samples, "close", None)
        if close is not None:
            close()
        if self.repairs:
            codes = Counter(r.code for r in self.repairs)
            logger.warning(
                "%s: %d repair(s) while reading %d sample(s): %s",
                self.path,
                len(self.repairs),
                self.count,
                ", ".join(f"{code} x{n}" for code, n in codes.most_common()),
            )


def _default_dataset(path_or_name: str) -> str:
    p = Path(path_or_name)
    if not p.exists() and hf.HUB_NAME_RE.match(path_or_name):
        return path_or_name.split("/", 1)[1]
    if p.is_dir():
        return p.name
    return p.resolve().parent.name or p.stem


def read_source(
    path_or_name: str | Path,
    format: str | None = None,
    lang: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    limit: int | None = None,
    *,
    strict: bool = False,
    tag_scheme: TagScheme = "bio",
    label_names: Sequence[str] | None = None,
    display: str | None = None,
) -> SourceStream:
    """Open a source for reading; nothing is read until the stream is iterated.

    ``path_or_name`` is a file or folder, the name of a shipped sample (see
    :func:`parallelner.readers.shipped.default_sources`), or a Hugging Face hub name. The language
    is ``lang``, else the file name's (``en-...``, ``zh_...``, ``..._de``), else the format's
    default (CLUENER: zh), else taken from the data (our JSONL, a ``lang`` column) or an error
    asking for ``--lang``. The dataset defaults to the containing folder's name, the split to the
    one the file name announces. ``limit`` stops after that many samples. ``display`` is how
    errors and provenance name the source (shipped samples use their package-relative path, so no
    machine's install folder ends up in a dataset).
    """
    name = str(path_or_name)
    if not Path(name).exists():
        shipped = find_sample(name)
        if shipped is not None:
            return read_source(
                shipped.path,
                format or shipped.format,
                lang or shipped.lang,
                dataset or shipped.dataset,
                split if split is not None else shipped.split,
                limit,
                strict=strict,
                tag_scheme=tag_scheme,
                label_names=label_names,
                display=display or shipped.display,
            )
    if lang is not None and lang not in ISO_639_1:
        raise InputError(f"language {lang!r} is not an ISO 639-1 code like 'en' or 'zh'")
    if tag_scheme not in TAG_SCHEMES:
        raise InputError(f"unknown tag scheme {tag_scheme!r}; known: {', '.join(TAG_SCHEMES)}")
    if limit is not None and limit < 0:
        raise InputError(f"limit must be 0 or more, got {limit}")
    reader = get_reader(format) if format else get_reader(detect_format(name))
    if not Path(name).exists() and not (reader.name == "hf" and hf.HUB_NAME_RE.match(name)):
        raise InputError("file not found", name)
    if lang is None and not reader.lang_in_data:
        lang = lang_from_name(name) or reader.default_lang
    context = ReadContext(
        path=name,
        lang=lang,
        dataset=dataset or _default_dataset(name),
        split=split if split is not None else split_from_name(name),
        label_scheme=reader.label_scheme,
        strict=strict,
        tag_scheme=tag_scheme,
        label_names=tuple(label_names) if label_names else None,
        display=display,
    )
    return SourceStream(reader, context, reader.read(context), limit)


__all__ = [
    "READERS",
    "READER_NAMES",
    "ReadContext",
    "ReaderInfo",
    "Repair",
    "SourceStream",
    "detect_format",
    "get_reader",
    "read_default_sample",
    "read_source",
]


def read_default_sample(
    source_lang: str = "en", limit: int | None = None, strict: bool = False
) -> SourceStream:
    """Read the default shipped sample for ``source_lang`` (a :class:`SourceStream`)."""
    source = default_sample_for(source_lang)
    return read_source(source.name, limit=limit, strict=strict)
