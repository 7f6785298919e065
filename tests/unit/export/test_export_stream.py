"""The streamed export writes the files the in-memory build wrote, byte for byte.

The reference is what ``export`` did before it streamed: ``build_dataset``, ``bio_view`` and
``code_view`` in memory, then ``Dataset.shard(...).to_parquet``, ``Dataset.to_json`` and
``DatasetDict.save_to_disk`` per config, and ``collect_stats`` for the card.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from datasets import DatasetDict, load_from_disk

from parallelner.errors import InputError
from parallelner.export.build import SPLITS, build_dataset
from parallelner.export.card import collect_stats
from parallelner.export.runner import export
from parallelner.export.views import Tokenizers, bio_view, code_view
from parallelner.io import write_jsonl
from parallelner.run.folder import RunParams, open_run

SHARD_ROWS = 40


def _reference(records, segmenter: str = "char") -> dict[str, DatasetDict]:
    dsd, build = build_dataset(records)
    return {"default": dsd, "bio": bio_view(dsd, Tokenizers(segmenter)), "code": code_view(dsd),
            "build": build}


def _write_reference(data: DatasetDict, folder: Path, split_files: Path) -> None:
    for split, ds in data.items():
        n = max(1, math.ceil(len(ds) / SHARD_ROWS))
        for i in range(n):
            path = folder / f"{split}-{i:05d}-of-{n:05d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            ds.shard(num_shards=n, index=i, contiguous=True).to_parquet(str(path))
        split_files.mkdir(parents=True, exist_ok=True)
        ds.to_json(str(split_files / f"{split}.jsonl"), lines=True, force_ascii=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory, uner_pairs):
    root = tmp_path_factory.mktemp("stream")
    paths, _, _ = open_run(root, "r1", RunParams(model="m", target_lang="zh"))
    write_jsonl(paths.final, uner_pairs.records)
    result = export(paths.root, formats=["hf", "bio", "code"], max_rows_per_shard=SHARD_ROWS,
                    also=["jsonl", "disk"])
    return result, _reference(uner_pairs.records), root


@pytest.mark.parametrize("config", ["default", "bio", "code"])
def test_parquet_and_jsonl_are_the_bytes_of_the_in_memory_export(exported, config) -> None:
    result, reference, root = exported
    folder = {"default": "data"}.get(config, config)
    _write_reference(reference[config], root / "ref" / folder, root / "ref" / "jsonl" / config)
    out = result.dataset_dir
    got, want = _files(out / folder), _files(root / "ref" / folder)
    assert sorted(got) == sorted(want) and len(want) > len(SPLITS)  # several shards a split
    assert got == want
    assert _files(out / "jsonl" / config) == _files(root / "ref" / "jsonl" / config)
    on_disk = load_from_disk(str(out / "disk" / config))
    for split in SPLITS:
        assert on_disk[split].features == reference[config][split].features
        assert on_disk[split].to_list() == reference[config][split].to_list()
    assert result.rows[config] == {s: len(d) for s, d in reference[config].items()}


def test_card_statistics_and_views_are_those_of_the_in_memory_export(exported) -> None:
    result, reference, _ = exported
    expected = collect_stats(reference["default"], reference["build"],
                             settings=result.stats.settings,
                             views={c: result.rows[c] for c in ("bio", "code")})
    assert result.build == reference["build"]
    assert json.loads(result.stats.model_dump_json()) == json.loads(expected.model_dump_json())
    assert not list(result.dataset_dir.glob(".tmp*"))  # the spilled rows are gone


def test_a_failing_export_leaves_no_folder_behind(tmp_path, uner_pairs) -> None:
    bad = uner_pairs.records[5].model_copy(update={"target_text": None, "target_entities": []})
    write_jsonl(tmp_path / "records.jsonl", [*uner_pairs.records[:5], bad])
    with pytest.raises(InputError, match="accepted but has no target_text"):
        export(tmp_path / "run", tmp_path / "records.jsonl")
    assert not (tmp_path / "run" / "dataset").exists()


def test_row_groups_are_cut_where_datasets_cuts_them(tmp_path, monkeypatch, uner_pairs) -> None:
    """Shards over ``datasets``' row group size (100 MB; 20 KB here) hold several row groups."""
    import datasets.config
    import pyarrow.parquet as pq

    monkeypatch.setattr(datasets.config, "MAX_ROW_GROUP_SIZE", "20KB")
    write_jsonl(tmp_path / "records.jsonl", uner_pairs.records)
    export(tmp_path / "run", tmp_path / "records.jsonl", ["code"],
           max_rows_per_shard=SHARD_ROWS)
    _write_reference(code_view(build_dataset(uner_pairs.records)[0]), tmp_path / "ref",
                     tmp_path / "ref-jsonl")
    got = _files(tmp_path / "run" / "dataset" / "code")
    assert got == _files(tmp_path / "ref")
    groups = pq.ParquetFile(tmp_path / "ref" / "train-00000-of-00010.parquet").num_row_groups
    assert groups > 1
