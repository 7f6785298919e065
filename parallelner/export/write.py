"""Writing a dataset folder: parquet shards (the Hub layout), JSONL, ``save_to_disk``, the card.

Layout of ``<run>/dataset/``::

    README.md                         the dataset card
    export.json                       the card's statistics, machine-readable
    data/<split>-00000-of-0000N.parquet   config "default" (one row per parallel sample)
    bio/<split>-....parquet           config "bio"
    code/<split>-....parquet          config "code"
    jsonl/<config>/<split>.jsonl      the same rows as JSON lines
    disk/<config>/                    datasets.save_to_disk (for load_from_disk)

Each config is written into a temporary folder first and then swapped in, so a re-export
replaces old shards instead of mixing with them. An export always writes ``default`` and removes
the views it was not asked for: the folder holds the output of exactly one export.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Mapping
from pathlib import Path

from datasets import DatasetDict
from huggingface_hub import DatasetCard

from .build import SPLITS
from .card import CardStats

CONFIG_DIRS: Mapping[str, str] = {"default": "data", "bio": "bio", "code": "code"}
FORMAT_CONFIGS: Mapping[str, str] = {"hf": "default", "bio": "bio", "code": "code"}
DEFAULT_SHARD_ROWS = 100_000


def write_config(
    dsd: DatasetDict, dataset_dir: Path, config: str, max_rows_per_shard: int = DEFAULT_SHARD_ROWS
) -> list[Path]:
    """Write one config's splits as parquet shards, JSONL and a save_to_disk copy."""
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
        jsonl = tmp / "jsonl" / config / f"{split}.jsonl"
        jsonl.parent.mkdir(parents=True, exist_ok=True)
        ds.to_json(str(jsonl), lines=True, force_ascii=False)
        written.append(dataset_dir / "jsonl" / config / jsonl.name)
    dsd.save_to_disk(str(tmp / "disk" / config))
    written.append(dataset_dir / "disk" / config)
    for sub in (Path(folder), Path("jsonl") / config, Path("disk") / config):
        dst = dataset_dir / sub
        shutil.rmtree(dst, ignore_errors=True)
        dst.parent.mkdir(parents=True, exist_ok=True)
        (tmp / sub).rename(dst)
    shutil.rmtree(tmp, ignore_errors=True)
    return written


def remove_config(dataset_dir: Path, config: str) -> None:
    """Delete a config's files, so a folder never mixes views from different exports."""
    for sub in (Path(CONFIG_DIRS[config]), Path("jsonl") / config, Path("disk") / config):
        shutil.rmtree(dataset_dir / sub, ignore_errors=True)


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
