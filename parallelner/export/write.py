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
"""

from __future__ import annotations

import contextlib
import math
import shutil
from collections.abc import Collection, Mapping
from pathlib import Path

from datasets import DatasetDict
from huggingface_hub import DatasetCard

from ..errors import ConfigError
from .build import SPLITS
from .card import CardStats

CONFIG_DIRS: Mapping[str, str] = {"default": "data", "bio": "bio", "code": "code"}
FORMAT_CONFIGS: Mapping[str, str] = {"hf": "default", "bio": "bio", "code": "code"}
DEFAULT_SHARD_ROWS = 100_000
EXTRA_COPIES = ("jsonl", "disk")


def write_config(
    dsd: DatasetDict, dataset_dir: Path, config: str, max_rows_per_shard: int = DEFAULT_SHARD_ROWS,
    also: Collection[str] = (),
) -> list[Path]:
    """Write one config's splits as parquet shards, plus the ``also`` copies (``jsonl``,
    ``disk``: a save_to_disk folder)."""
    folder = CONFIG_DIRS[config]
    tmp = dataset_dir / f".tmp-{config}"
    shutil.rmtree(tmp, ignore_errors=True)
    written: list[Path] = []
    for split, ds in dsd.items():
        n = max(1, math.ceil(len(ds) / max_rows_per_shard))
        for i in range(n):
            path = tmp / folder / f"{split}-{i:05d}-of-{n:05d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            ds.shard(num_shards=n, index=i, contiguous=True).to_parquet(str(path))
            written.append(dataset_dir / folder / path.name)
        if "jsonl" in also:
            jsonl = tmp / "jsonl" / config / f"{split}.jsonl"
            jsonl.parent.mkdir(parents=True, exist_ok=True)
            ds.to_json(str(jsonl), lines=True, force_ascii=False)
            written.append(dataset_dir / "jsonl" / config / jsonl.name)
    if "disk" in also:
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
