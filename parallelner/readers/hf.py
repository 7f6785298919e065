"""Hugging Face token-classification data: ``tokens`` + ``ner_tags``, as WikiNeural is published.

Local sources read offline: a parquet file (its ClassLabel names come from the schema metadata
``datasets`` writes), a ``save_to_disk`` folder (Dataset or DatasetDict; pick the split with
``split``), a ``.arrow`` file, or JSON lines with those two columns. A hub name (``owner/name``) is
streamed with ``datasets.load_dataset`` where a network exists; with ``HF_HUB_OFFLINE`` or
``HF_DATASETS_OFFLINE`` set it fails at once with a clear message instead of retrying for ~23 s.

Tag ids become tag names through the ClassLabel feature, or through ``label_names`` when the data
stores bare integers; string tags are taken as they are. The language is ``lang`` if given, else a
``lang`` column (WikiNeural has one). Sentences are detokenized like CoNLL files. Tabular sources
have no lines: errors and repairs name the 1-based row instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..schema import SourceSample
from .base import ReadContext, iter_json_objects, tagged_sample
from .naming import ISO_639_1

TOKENS, TAGS, LANG = "tokens", "ner_tags", "lang"
HUB_NAME_RE = re.compile(r"^[\w.-]+/[\w.-]+$")
_TRUE = {"1", "true", "yes", "on"}
_BATCH = 1000

Row = tuple[int, dict[str, Any]]  # (1-based row or line number, record)


def is_offline(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return any(
        env.get(k, "").strip().lower() in _TRUE for k in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def _class_label_names(features: Any) -> tuple[str, ...] | None:
    """ClassLabel names of ``ner_tags`` in a ``datasets.Features`` (List/Sequence of ClassLabel)."""
    if features is None or TAGS not in features:
        return None
    inner = getattr(features[TAGS], "feature", None)
    names = getattr(inner, "names", None)
    return tuple(names) if names else None


def _parquet_rows(path: Path, shown: str) -> tuple[Iterator[Row], tuple[str, ...] | None]:
    import pyarrow.parquet as pq
    from datasets import Features

    pf = pq.ParquetFile(path)
    schema = pf.schema_arrow
    _require_columns(schema.names, shown)
    names = _class_label_names(Features.from_arrow_schema(schema))
    columns = [c for c in (TOKENS, TAGS, LANG) if c in schema.names]

    def rows() -> Iterator[Row]:
        n = 0
        for batch in pf.iter_batches(batch_size=_BATCH, columns=columns):
            for record in batch.to_pylist():
                n += 1
                yield n, record

    return rows(), names


def _dataset_rows(ds: Any, shown: str) -> tuple[Iterator[Row], tuple[str, ...] | None]:
    _require_columns(list(ds.column_names), shown)
    return ((i, row) for i, row in enumerate(ds, start=1)), _class_label_names(ds.features)


def _disk_dataset(ctx: ReadContext, path: Path) -> Any:
    from datasets import Dataset, DatasetDict, load_from_disk

    if path.is_dir():
        try:
            ds = load_from_disk(str(path))
        except FileNotFoundError as exc:
            raise ctx.error(f"not a datasets save_to_disk folder: {exc}") from None
    else:
        ds = Dataset.from_file(str(path))
    if isinstance(ds, DatasetDict):
        splits = list(ds.keys())
        if ctx.split in ds:
            return ds[ctx.split]
        if len(splits) == 1 and not ctx.split:
            ctx.split = splits[0]
            return ds[splits[0]]
        raise ctx.error(f"choose a split with --split; this dataset has: {', '.join(splits)}")
    return ds


def _hub_rows(ctx: ReadContext, name: str) -> tuple[Iterator[Row], tuple[str, ...] | None]:
    if is_offline():
        raise InputError(
            "is not a local file and the Hugging Face hub is offline (HF_HUB_OFFLINE / "
            "HF_DATASETS_OFFLINE is set); download the dataset where a network exists "
            "(e.g. save_to_disk or to_parquet) and pass that path",
            name,
        )
    if not ctx.split:
        raise ctx.error("a hub dataset needs --split (e.g. --split test_en for WikiNeural)")
    from datasets import load_dataset

    try:
        ds = load_dataset(name, split=ctx.split, streaming=True)
    except Exception as exc:  # noqa: BLE001 - any hub failure becomes one clear input error
        raise ctx.error(f"cannot load from the Hugging Face hub: {exc}") from None
    names = _class_label_names(ds.features)
    return ((i, row) for i, row in enumerate(ds, start=1)), names


def _require_columns(columns: Sequence[str], shown: str) -> None:
    missing = [c for c in (TOKENS, TAGS) if c not in columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; found: {', '.join(columns)}", shown
        )


def open_rows(ctx: ReadContext) -> tuple[Iterator[Row], tuple[str, ...] | None, bool]:
    """Open the source: rows, ClassLabel names (if declared), and whether numbers are lines."""
    path = Path(ctx.path)
    if not path.exists():
        if HUB_NAME_RE.match(ctx.path):
            rows, names = _hub_rows(ctx, ctx.path)
            return rows, names, False
        raise ctx.error("file not found")
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        return iter_json_objects(ctx), None, True
    try:
        if suffix == ".parquet":
            rows, names = _parquet_rows(path, ctx.name)
        else:
            rows, names = _dataset_rows(_disk_dataset(ctx, path), ctx.name)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ctx.error(f"cannot read as a Hugging Face dataset: {exc}") from None
    return rows, names, False


def _tag_strings(
    ctx: ReadContext, tags: Iterable[Any], names: tuple[str, ...] | None, where: int | None
) -> list[str]:
    out: list[str] = []
    for tag in tags:
        if isinstance(tag, str):
            out.append(tag)
        elif isinstance(tag, int) and not isinstance(tag, bool):
            if names is None:
                raise ctx.error(
                    "ner_tags are integers but the data declares no ClassLabel names; pass the "
                    "names in id order (--labels O,B-PER,I-PER,...)",
                    where,
                )
            if not 0 <= tag < len(names):
                raise ctx.error(f"tag id {tag} outside the {len(names)} label names", where)
            out.append(names[tag])
        else:
            raise ctx.error(f"tag {tag!r} is neither a string nor an integer id", where)
    return out


def read(ctx: ReadContext) -> Iterator[SourceSample]:
    """Yield one sample per row with ``tokens`` and ``ner_tags``."""
    rows, declared, line_numbers = open_rows(ctx)
    names = ctx.label_names or declared
    if not line_numbers:
        ctx.line_unit = "row"
    for index, (where, row) in enumerate(rows):
        tokens, tags = row.get(TOKENS), row.get(TAGS)
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ctx.error("'tokens' must be a list of strings", where)
        if not isinstance(tags, list) or len(tags) != len(tokens):
            raise ctx.error(f"'ner_tags' must be a list as long as 'tokens' ({len(tokens)})", where)
        if not tokens:
            raise ctx.error("a row without tokens", where)
        lang = ctx.lang or row.get(LANG)
        if lang is None:
            raise ctx.error("no 'lang' column; pass the language with --lang", where)
        if lang not in ISO_639_1:
            raise ctx.error(f"'lang' is {lang!r}, not an ISO 639-1 code", where)
        yield tagged_sample(
            ctx,
            tokens,
            _tag_strings(ctx, tags, names, where),
            index=index,
            lines=[where] * len(tokens),
            lang=lang,
        )
