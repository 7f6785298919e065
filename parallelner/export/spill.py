"""A split's rows on disk while an export runs, so that no split is ever held in memory whole.

Rows go to an Arrow IPC stream file in batches, encoded as ``Dataset.from_list`` encodes them
(the features' encoding, then their Arrow types), and come back batch by batch, read (not
memory-mapped: mapped pages would count in the process's memory as they are read) into plain
row dicts as iterating a ``Dataset`` gives them. Writing the dataset files from here is
``write.py``'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from datasets import Features

BATCH_ROWS = 1000


@dataclass(frozen=True)
class SpilledSplit:
    """The rows of one split in an Arrow stream file: iterate them, or their record batches."""

    path: Path
    features: Features
    rows: int

    def __len__(self) -> int:
        return self.rows

    def batches(self) -> Iterator[pa.RecordBatch]:
        with pa.OSFile(str(self.path), "rb") as source, pa.ipc.open_stream(source) as reader:
            yield from reader

    def __iter__(self) -> Iterator[dict]:
        for batch in self.batches():
            yield from batch.to_pylist()


def encode(rows: list[dict], features: Features) -> pa.Table:
    """Rows as an Arrow table of the declared features (ClassLabel names become their ids)."""
    columns = features.encode_batch({name: [row[name] for row in rows] for name in features})
    return pa.Table.from_pydict(columns, schema=features.arrow_schema)


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def spill(
    rows: Iterable[dict], features: Features, path: Path, batch_rows: int = BATCH_ROWS
) -> SpilledSplit:
    """Write the rows to ``path`` as they come; what to read them back with."""
    n = 0
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, features.arrow_schema) as out:
        for chunk in _chunks(rows, batch_rows):
            out.write_table(encode(chunk, features))
            n += len(chunk)
    return SpilledSplit(path, features, n)
