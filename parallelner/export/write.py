"""Writing a dataset folder: parquet shards (the Hub layout), JSONL, ``save_to_disk``, the card.

Layout of ``<run>/dataset/``::

    README.md                         the dataset card
    export.json                       the card's statistics, machine-readable
    data/<split>-00000-of-0000N.parquet   config "default" (one row per parallel sample)
    bio/<split>-....parquet           config "bio"
    code/<split>-....parquet          config "code"
    jsonl/<config>/<split>.jsonl      the same rows as JSON lines      (only when asked: "jsonl")
    disk/<config>/                    datasets.save_to_disk            (only when asked: "disk")

Parquet is what the Hub serves and what ``load_dataset`` reads, so it is the one copy written
by default; JSONL and ``save_to_disk`` copies cost as much disk again each and are extras.

Each config is written into a temporary folder first and then swapped in, so a re-export
replaces old shards instead of mixing with them; the extra copies of a rebuilt config that were
not asked for this time are removed (they would be stale). Configs the export was not asked to
rebuild are left as they are: an export never deletes what it did not rebuild.

The rows come from spilled splits (``spill.py``) and are written batch by batch, in the files
``datasets`` writes (``Dataset.to_parquet``: its writer options and its row groups, of at most
100 MB, sized from each shard's rows and bytes; ``Dataset.to_json``: pandas' JSON lines), so a
streamed export writes the bytes an in-memory one did (the tests compare them). The ``disk``
copy is ``save_to_disk`` of the memory-mapped spill files: asked for, it maps each split while
copying it.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset, DatasetDict, Features
from huggingface_hub import DatasetCard

from ..errors import ConfigError
from .build import SPLITS
from .card import CardStats
from .spill import SpilledSplit

CONFIG_DIRS: Mapping[str, str] = {"default": "data", "bio": "bio", "code": "code"}
FORMAT_CONFIGS: Mapping[str, str] = {"hf": "default", "bio": "bio", "code": "code"}
DEFAULT_SHARD_ROWS = 100_000
EXTRA_COPIES = ("jsonl", "disk")


def shard_bounds(rows: int, shards: int) -> list[tuple[int, int]]:
    """Row ranges of ``Dataset.shard(shards, i, contiguous=True)``: the first ``rows % shards``
    shards hold one row more."""
    div, mod = divmod(rows, shards)
    starts = [div * i + min(i, mod) for i in range(shards)]
    return [(start, start + div + (1 if i < mod else 0)) for i, start in enumerate(starts)]


def shard_pieces(
    batches: Iterable[pa.RecordBatch], bounds: list[tuple[int, int]]
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """The batches cut at shard boundaries: (shard index, piece), in row order."""
    shard, row = 0, 0
    for batch in batches:
        while batch.num_rows:
            take = min(batch.num_rows, bounds[shard][1] - row)
            if take:
                yield shard, batch.slice(0, take)
            batch, row = batch.slice(take), row + take
            if row == bounds[shard][1] and shard + 1 < len(bounds):
                shard += 1


class ParquetShard:
    """One parquet file written as ``Dataset.to_parquet`` writes it, fed in pieces: its writer
    options, and row groups of the rows it picks for the shard's size (at most 100 MB)."""

    def __init__(self, path: Path, features: Features, rows: int, nbytes: int) -> None:
        from datasets import config
        from datasets.arrow_writer import (
            get_parquet_column_options,
            get_writer_batch_size_from_data_size,
        )

        schema = features.arrow_schema
        self.cdc = config.DEFAULT_CDC_OPTIONS
        self.group_rows = get_writer_batch_size_from_data_size(rows, nbytes)
        self.writer = pq.ParquetWriter(
            str(path), schema=schema, use_content_defined_chunking=self.cdc,
            write_page_index=True, **get_parquet_column_options(features, schema),
        )
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        while batch.num_rows:
            take = min(batch.num_rows, self.group_rows - self.pending_rows)
            self.pending.append(batch.slice(0, take))
            self.pending_rows += take
            batch = batch.slice(take)
            if self.pending_rows == self.group_rows:
                self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.Table.from_batches(self.pending))
        self.pending, self.pending_rows = [], 0

    def close(self) -> None:
        self._flush()
        self.writer.add_key_value_metadata({"content_defined_chunking": json.dumps(self.cdc)})
        self.writer.close()


def json_lines(batch: pa.RecordBatch) -> bytes:
    """Rows as ``Dataset.to_json(lines=True, force_ascii=False)`` writes them."""
    text = batch.to_pandas(integer_object_nulls=True).to_json(
        orient="records", lines=True, force_ascii=False
    )
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def write_split(
    rows: SpilledSplit, folder: Path, split: str, max_rows_per_shard: int,
    jsonl: Path | None = None,
) -> list[Path]:
    """One split's parquet shards in ``folder`` (and its JSON lines in ``jsonl``), streamed:
    a first read sizes each shard's row groups, a second writes."""
    n = max(1, math.ceil(len(rows) / max_rows_per_shard))
    bounds = shard_bounds(len(rows), n)
    nbytes = [0] * n
    for shard, piece in shard_pieces(rows.batches(), bounds):
        nbytes[shard] += piece.nbytes
    paths = [folder / f"{split}-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
    folder.mkdir(parents=True, exist_ok=True)
    shards = [ParquetShard(p, rows.features, b - a, nb)
              for p, (a, b), nb in zip(paths, bounds, nbytes, strict=True)]
    with contextlib.ExitStack() as stack:
        lines = None
        if jsonl is not None:
            jsonl.parent.mkdir(parents=True, exist_ok=True)
            lines = stack.enter_context(jsonl.open("wb"))
        for shard, piece in shard_pieces(rows.batches(), bounds):
            shards[shard].add(piece)
            if lines is not None:
                lines.write(json_lines(piece))
    for s in shards:
        s.close()
    return paths


def write_config(
    data: Mapping[str, SpilledSplit], dataset_dir: Path, config: str,
    max_rows_per_shard: int = DEFAULT_SHARD_ROWS, also: Collection[str] = (),
) -> list[Path]:
    """Write one config's splits as parquet shards, plus the ``also`` copies (``jsonl``,
    ``disk``: a save_to_disk folder)."""
    folder = CONFIG_DIRS[config]
    tmp = dataset_dir / f".tmp-{config}"
    shutil.rmtree(tmp, ignore_errors=True)
    written: list[Path] = []
    for split, rows in data.items():
        jsonl = tmp / "jsonl" / config / f"{split}.jsonl" if "jsonl" in also else None
        paths = write_split(rows, tmp / folder, split, max_rows_per_shard, jsonl)
        written += [dataset_dir / folder / p.name for p in paths]
        if jsonl is not None:
            written.append(dataset_dir / "jsonl" / config / jsonl.name)
    if "disk" in also:
        dsd = DatasetDict({s: Dataset.from_file(str(r.path)) for s, r in data.items()})
        dsd.save_to_disk(str(tmp / "disk" / config))
        written.append(dataset_dir / "disk" / config)
    for sub in (Path(folder), Path("jsonl") / config, Path("disk") / config):
        dst = dataset_dir / sub
        shutil.rmtree(dst, ignore_errors=True)  # a stale copy of this config goes, asked or not
        if (tmp / sub).exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            (tmp / sub).rename(dst)
    shutil.rmtree(tmp, ignore_errors=True)
    for extra in EXTRA_COPIES:  # no empty jsonl/ or disk/ folder left behind
        with contextlib.suppress(OSError):
            (dataset_dir / extra).rmdir()
    return written


@contextlib.contextmanager
def scratch(dataset_dir: Path) -> Iterator[Path]:
    """A temporary folder in the dataset folder for the spilled rows, removed after, with the
    dataset folder itself when this export made it and nothing was written."""
    made = not dataset_dir.exists()
    dataset_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-rows-", dir=dataset_dir))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if made:
            with contextlib.suppress(OSError):
                dataset_dir.rmdir()


def check_also(also: Collection[str]) -> list[str]:
    """The extra copies asked for, in a fixed order; an unknown one is an error."""
    unknown = [a for a in also if a not in EXTRA_COPIES]
    if unknown:
        raise ConfigError(f"unknown extra export copy {', '.join(map(repr, unknown))}; known: "
                          f"{', '.join(EXTRA_COPIES)}")
    return [a for a in EXTRA_COPIES if a in also]


def configs_on_disk(dataset_dir: Path) -> dict[str, tuple[str, list[str]]]:
    """The configs present in a dataset folder: name -> (folder, splits in canonical order)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for config, folder in CONFIG_DIRS.items():
        files = list((dataset_dir / folder).glob("*.parquet"))
        splits = [s for s in SPLITS if any(f.name.startswith(f"{s}-") for f in files)]
        if splits:
            found[config] = (folder, splits)
    return found


def write_card(card: DatasetCard, stats: CardStats, dataset_dir: Path) -> Path:
    """README.md (the card) and export.json (its statistics)."""
    dataset_dir.mkdir(parents=True, exist_ok=True)
    (dataset_dir / "export.json").write_text(stats.model_dump_json(indent=2), encoding="utf-8")
    path = dataset_dir / "README.md"
    card.save(str(path))
    return path
