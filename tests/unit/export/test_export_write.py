"""Export to a folder: parquet shards, JSONL, save_to_disk and a card, all read back offline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from datasets import load_dataset, load_from_disk
from huggingface_hub import DatasetCard

from parallelner.errors import ConfigError, InputError
from parallelner.export.build import SPLITS, build_dataset
from parallelner.export.card import CardStats, SourceStat, card_license, render_card
from parallelner.export.features import FEATURES
from parallelner.export.inputs import resolve_input
from parallelner.export.runner import export
from parallelner.io import write_jsonl
from parallelner.run.folder import RunParams, open_run
from parallelner.schema import Status


@pytest.fixture
def records_file(tmp_path: Path, uner_pairs) -> Path:
    path = tmp_path / "records.jsonl"
    write_jsonl(path, uner_pairs.records)
    return path


def _load(folder: Path, cache: Path):
    files = {s: str(folder / f"{s}-*.parquet") for s in SPLITS}
    return load_dataset("parquet", data_files=files, cache_dir=str(cache))


def test_dataset_round_trips_through_parquet_jsonl_and_disk(tmp_path, records_file, uner_pairs):
    result = export(tmp_path / "run", records_file, ["hf", "bio", "code"], max_rows_per_shard=50,
                    also=["jsonl", "disk"])
    out = tmp_path / "run" / "dataset"
    assert result.dataset_dir == out
    expected, _ = build_dataset(uner_pairs.records)
    n_train = len(expected["train"])
    assert len(list((out / "data").glob("train-*.parquet"))) == math.ceil(n_train / 50) > 1

    loaded = _load(out / "data", tmp_path / "cache")
    on_disk = load_from_disk(str(out / "disk" / "default"))
    for split in SPLITS:
        assert loaded[split].features == FEATURES == on_disk[split].features
        assert loaded[split].to_list() == expected[split].to_list() == on_disk[split].to_list()
        lines = (out / "jsonl" / "default" / f"{split}.jsonl").read_text(encoding="utf-8")
        assert [json.loads(x) for x in lines.splitlines()] == expected[split].to_list()
    assert "\\u" not in lines and "國" in lines  # Chinese stays readable in JSONL

    for view in ("bio", "code"):
        back = _load(out / view, tmp_path / "cache")
        again = load_from_disk(str(out / "disk" / view))
        for split in SPLITS:
            assert back[split].features == again[split].features
            assert back[split].to_list() == again[split].to_list()
            assert len(back[split]) == result.rows[view][split] > 0


def test_card_parses_and_its_numbers_come_from_the_data(tmp_path, records_file):
    result = export(tmp_path / "run", records_file, ["hf", "code"])
    card = DatasetCard.load(tmp_path / "run" / "dataset" / "README.md")
    data = card.data
    assert data.license == "cc-by-sa-3.0"  # carried from the one source, UNER PUD
    assert data.language == ["en", "zh"]
    assert data.size_categories == ["n<1K"]
    assert data.task_ids == ["named-entity-recognition"]
    assert [c["config_name"] for c in data.configs] == ["default", "code"]
    assert data.configs[0]["default"] is True
    assert {f["split"] for f in data.configs[0]["data_files"]} == set(SPLITS)

    loaded = _load(tmp_path / "run" / "dataset" / "data", tmp_path / "cache")
    rows = [r for s in SPLITS for r in loaded[s]]
    for direction in ("en-zh", "zh-en"):
        counts = [
            sum(1 for r in loaded[s] if f"{r['source_lang']}-{r['target_lang']}" == direction)
            for s in SPLITS
        ]
        assert f"| {direction} | {' | '.join(map(str, counts))} | {sum(counts)} |" in card.text
    human = sum(r["review"] == "human" for r in rows)
    assert f"{human} of {len(rows)} samples" in card.text
    n_per = sum(1 for r in rows if r["source_lang"] == "en" for e in r["source_entities"]
                if e["label"] == "PER")
    assert f"| en-zh | PER | Person | {n_per} |" in card.text
    assert "No review audit was recorded" in card.text
    assert "Mayhew et al. (2024)" in card.text
    assert "class Person(Entity):" in card.text
    stats = json.loads((tmp_path / "run" / "dataset" / "export.json").read_text(encoding="utf-8"))
    assert stats == json.loads(result.stats.model_dump_json())


def test_run_settings_and_audit_reach_the_card_without_private_values(tmp_path, uner_pairs):
    params = RunParams(model="qwen-test", base_url="http://private-host:8000/v1", target_lang="zh")
    paths, _, _ = open_run(tmp_path, "r1", params)
    write_jsonl(paths.final, uner_pairs.records)
    (paths.root / "review_report.json").write_text(
        json.dumps({"audited": 40, "errors": 2, "error_rate": 0.05, "per_code": {"x": 1}}),
        encoding="utf-8",
    )
    export(paths.root)  # reads final.jsonl
    text = (paths.root / "dataset" / "README.md").read_text(encoding="utf-8")
    DatasetCard(text)  # parses
    assert "| model | qwen-test |" in text and "| run_id | r1 |" in text
    assert "private-host" not in text
    assert "| error_rate | 0.05 |" in text and "per_code" not in text


def test_parquet_only_by_default_extra_copies_on_request(tmp_path, records_file):
    out = tmp_path / "run" / "dataset"
    export(tmp_path / "run", records_file, ["hf", "code"])
    assert list((out / "data").glob("*.parquet")) and list((out / "code").glob("*.parquet"))
    assert not (out / "jsonl").exists() and not (out / "disk").exists()
    export(tmp_path / "run", records_file, ["hf"], also=["jsonl"])
    assert (out / "jsonl" / "default" / "train.jsonl").is_file() and not (out / "disk").exists()
    with pytest.raises(ConfigError, match="unknown extra export copy 'csv'"):
        export(tmp_path / "run", records_file, ["hf"], also=["csv"])


def test_an_export_never_deletes_views_it_was_not_asked_to_rebuild(tmp_path, records_file):
    """Issue 18 item 1: `export RUN` after `run` deleted the code/ view; `-f code` deleted bio/."""
    out = tmp_path / "run" / "dataset"
    export(tmp_path / "run", records_file, ["hf", "code"])  # what `run` writes
    code_files = sorted(p.name for p in (out / "code").glob("*.parquet"))
    result = export(tmp_path / "run", records_file, ["hf"])  # `export RUN`
    assert sorted(p.name for p in (out / "code").glob("*.parquet")) == code_files
    assert result.kept == ["code"]
    export(tmp_path / "run", records_file, ["bio"])
    assert (out / "bio").is_dir()
    result = export(tmp_path / "run", records_file, ["code"])  # `export -f code`
    assert (out / "bio").is_dir() and result.kept == ["bio"]
    card = DatasetCard.load(out / "README.md")
    assert [c["config_name"] for c in card.data.configs] == ["default", "bio", "code"]
    assert "The view(s) bio come from an earlier export" in card.text


def test_a_rebuilt_config_loses_its_stale_extra_copies(tmp_path, records_file):
    out = tmp_path / "run" / "dataset"
    export(tmp_path / "run", records_file, ["hf", "code"], also=["jsonl", "disk"])
    export(tmp_path / "run", records_file, ["hf"])  # default rebuilt, without extra copies
    assert not (out / "jsonl" / "default").exists() and not (out / "disk" / "default").exists()
    assert (out / "jsonl" / "code").is_dir() and (out / "disk" / "code").is_dir()  # kept


def test_mixed_and_unknown_licences_are_not_guessed() -> None:
    def src(dataset: str, licence: str) -> SourceStat:
        return SourceStat(dataset=dataset, label_scheme="conll", samples=1, name=dataset,
                          license=licence, license_note="", citation="")

    mixed = CardStats(samples=2, languages=["en", "zh"], sources=[
        src("wikineural", "cc-by-nc-sa-4.0"), src("uner-pud", "cc-by-sa-3.0")])
    assert card_license(mixed) == "other"
    card = render_card(mixed, {"default": ("data", ["train"])})
    assert card.data.license == "other" and card.data.license_name == "mixed-source-licences"
    assert "the sources carry different licences" in card.text
    unknown = CardStats(samples=1, languages=["en"], sources=[src("mystery", "unknown")])
    assert "check it before any use" in render_card(unknown, {"default": ("data", ["train"])}).text


def test_input_resolution(tmp_path, records_file) -> None:
    assert resolve_input(records_file).run_dir == tmp_path
    made = resolve_input(tmp_path / "new-run", records_file)
    assert made.dataset_dir == tmp_path / "new-run" / "dataset"
    with pytest.raises(InputError, match="no final.jsonl in this run folder yet.*--input"):
        resolve_input(tmp_path)
    with pytest.raises(InputError, match="no such run folder"):
        resolve_input(tmp_path / "missing")
    with pytest.raises(InputError, match="records file not found"):
        resolve_input(tmp_path, tmp_path / "missing.jsonl")
    with pytest.raises(ConfigError, match="not both"):
        resolve_input(records_file, records_file)


def test_a_bad_record_stops_the_export_naming_file_and_line(tmp_path, records_file) -> None:
    lines = records_file.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace('"source_lang":"en"', '"source_lang":"english"')
    records_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"{records_file.name}:4: source_lang"):
        export(tmp_path / "run", records_file)
    assert not (tmp_path / "run" / "dataset").exists()


def test_nothing_accepted_is_a_clear_error(tmp_path, uner_pairs) -> None:
    path = tmp_path / "review.jsonl"
    held = [r.model_copy(update={"status": Status.review}) for r in uner_pairs.forward[:4]]
    write_jsonl(path, held)
    with pytest.raises(InputError, match="no accepted samples to export.*review 4"):
        export(tmp_path / "run", path)
