"""Hugging Face token-classification data, built here with ``datasets`` and read back offline."""

from __future__ import annotations

import json

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

from parallelner.errors import InputError
from parallelner.readers import read_source

NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
ROWS = {
    "tokens": [
        ["Barack", "Obama", "visited", "Paris", "."],
        ["The", "United", "Nations", "met", "in", "Geneva", "(", "Switzerland", ")", "."],
        ["Angela", "Merkel", "sprach", "in", "Berlin", "."],
    ],
    "ner_tags": [[1, 2, 0, 5, 0], [0, 3, 4, 0, 0, 5, 0, 5, 0, 0], [1, 2, 0, 0, 5, 0]],
    "lang": ["en", "en", "de"],
}
FEATURES = Features(
    {
        "tokens": Sequence(Value("string")),
        "ner_tags": Sequence(ClassLabel(names=NAMES)),
        "lang": Value("string"),
    }
)


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.from_dict(ROWS, features=FEATURES)


def _check(samples):
    assert [s.text for s in samples] == [
        "Barack Obama visited Paris.",
        "The United Nations met in Geneva (Switzerland).",
        "Angela Merkel sprach in Berlin.",
    ]
    assert [s.surfaces() for s in samples] == [
        ["Barack Obama", "Paris"],
        ["United Nations", "Geneva", "Switzerland"],
        ["Angela Merkel", "Berlin"],
    ]
    assert [e.label for e in samples[1].entities] == ["ORG", "LOC", "LOC"]
    assert [s.lang for s in samples] == ["en", "en", "de"]  # from the lang column


def test_parquet_with_classlabel(tmp_path, dataset):
    path = tmp_path / "wikineural" / "test.parquet"
    path.parent.mkdir()
    dataset.to_parquet(str(path))
    stream = read_source(path)
    samples = list(stream)
    assert stream.format == "hf"
    _check(samples)
    assert samples[0].id == "wikineural-en-test-0" and samples[2].id == "wikineural-de-test-2"
    assert samples[0].provenance.dataset == "wikineural"


def test_save_to_disk_dataset_and_dataset_dict(tmp_path, dataset):
    single = tmp_path / "single"
    dataset.save_to_disk(str(single))
    _check(list(read_source(single)))
    (arrow,) = single.glob("*.arrow")  # one shard, readable on its own
    _check(list(read_source(arrow)))
    both = tmp_path / "dd"
    DatasetDict({"train": dataset, "test": dataset.select([0])}).save_to_disk(str(both))
    with pytest.raises(
        InputError, match=r"dd: choose a split with --split; this dataset has: train, test"
    ):
        list(read_source(both))
    test = list(read_source(both, split="test"))
    assert [s.id for s in test] == ["dd-en-test-0"]
    assert test[0].provenance.split == "test"


def test_jsonl_with_integer_tags_needs_label_names(tmp_path):
    path = tmp_path / "train_en.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for tokens, tags in zip(ROWS["tokens"][:2], ROWS["ner_tags"][:2], strict=True):
            fh.write(json.dumps({"tokens": tokens, "ner_tags": tags}) + "\n")
    stream = read_source(path)
    assert stream.format == "hf" and stream.lang == "en"
    with pytest.raises(
        InputError, match=r"train_en.jsonl:1: ner_tags are integers .*--labels O,B-PER"
    ):
        list(stream)
    samples = list(read_source(path, label_names=NAMES))
    assert [s.surfaces() for s in samples] == [
        ["Barack Obama", "Paris"],
        ["United Nations", "Geneva", "Switzerland"],
    ]


def test_string_tags_and_bad_rows(tmp_path):
    ok = Dataset.from_dict({"tokens": [["Rome", "!"]], "ner_tags": [["B-LOC", "O"]]})
    path = tmp_path / "it.parquet"
    ok.to_parquet(str(path))
    (sample,) = list(read_source(path, lang="it"))
    assert sample.text == "Rome!" and sample.surfaces() == ["Rome"]

    bad = Dataset.from_dict({"tokens": [["a"], ["b", "c"]], "ner_tags": [["O"], ["O"]]})
    path = tmp_path / "en-bad.parquet"
    bad.to_parquet(str(path))
    with pytest.raises(
        InputError, match=r"en-bad.parquet: row 2: 'ner_tags' must be a list as long"
    ):
        list(read_source(path))

    orphan = Dataset.from_dict({"tokens": [["a"], ["b", "c"]], "ner_tags": [["O"], ["O", "I-PER"]]})
    path = tmp_path / "en-orphan.parquet"
    orphan.to_parquet(str(path))
    stream = read_source(path)
    list(stream)
    (repair,) = stream.repairs
    assert repair.code == "orphan-inside" and repair.line == 2 and repair.unit == "row"
    assert "en-orphan.parquet row 2: [orphan-inside]" in str(repair)


def test_missing_columns(tmp_path):
    path = tmp_path / "en.parquet"
    Dataset.from_dict({"words": [["a"]], "labels": [["O"]]}).to_parquet(str(path))
    with pytest.raises(
        InputError, match=r"missing column\(s\) tokens, ner_tags; found: words, labels"
    ):
        list(read_source(path))


def test_corrupt_parquet_is_an_input_error(tmp_path):
    path = tmp_path / "en.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(InputError, match=r"en.parquet: cannot read as a Hugging Face dataset"):
        list(read_source(path))


def test_hub_name_fails_fast_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        InputError,
        match=r"Babelscape/wikineural: is not a local file and the Hugging Face hub is offline",
    ):
        list(read_source("Babelscape/wikineural", split="test_en"))
