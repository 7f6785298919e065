"""Format detection, the reader registry, and the samples shipped inside the package."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset

import parallelner
from parallelner.errors import InputError
from parallelner.readers import (
    READER_NAMES,
    detect_format,
    get_reader,
    read_default_sample,
    read_source,
)
from parallelner.readers.shipped import default_sources, find_sample

PACKAGE_SAMPLES = Path(parallelner.__file__).parent / "data" / "samples"


def test_registry_names_the_five_formats():
    assert READER_NAMES == ("conll", "uner", "hf", "cluener", "jsonl")
    assert get_reader("cluener").label_scheme == "cluener"
    assert {get_reader(n).label_scheme for n in ("conll", "uner", "hf")} == {"conll"}
    with pytest.raises(InputError, match="unknown format 'xml'; known: conll, uner"):
        get_reader("xml")


def test_detect_format(gold_dir, fixtures_dir, tmp_path):
    assert detect_format(gold_dir / "europarl-ner" / "en-europarl.test.conll02") == "conll"
    assert detect_format(gold_dir / "uner-pud" / "zh_pud-ud-test.iob2") == "uner"
    assert detect_format(fixtures_dir / "cluener" / "dev.json") == "cluener"
    ds = Dataset.from_dict({"tokens": [["a"]], "ner_tags": [["O"]]})
    ds.to_parquet(str(tmp_path / "x.parquet"))
    ds.save_to_disk(str(tmp_path / "saved"))
    assert detect_format(tmp_path / "x.parquet") == "hf"
    assert detect_format(tmp_path / "saved") == "hf"
    assert detect_format("Babelscape/wikineural") == "hf"
    (tmp_path / "own.jsonl").write_text('{"id": "1", "lang": "en", "text": "x"}\n')
    assert detect_format(tmp_path / "own.jsonl") == "jsonl"
    (tmp_path / "test.json").write_text('{"id": 0, "text": "你好"}\n', encoding="utf-8")
    assert detect_format(tmp_path / "test.json") == "cluener"  # CLUENER's unlabelled test split


def test_detect_format_errors(tmp_path):
    (tmp_path / "odd.jsonl").write_text('{"sentence": "x"}\n')
    with pytest.raises(
        InputError, match=r"odd.jsonl: JSON lines with keys \['sentence'\] match no reader"
    ):
        detect_format(tmp_path / "odd.jsonl")
    (tmp_path / "empty.conll").write_text("\n\n")
    with pytest.raises(InputError, match="empty.conll: the file is empty"):
        detect_format(tmp_path / "empty.conll")
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match="not a datasets save_to_disk folder"):
        detect_format(tmp_path / "folder")
    with pytest.raises(InputError, match="missing.txt: file not found"):
        detect_format(tmp_path / "missing.txt")


def test_shipped_samples_are_the_source_sides_with_licences(gold_dir):
    sources = default_sources()
    assert [s.name for s in sources] == ["uner-pud-en", "uner-pud-zh", "europarl-en"]
    for s in sources:
        assert s.path.is_file()
        gold = gold_dir / s.dataset / s.path.name
        assert s.path.read_bytes() == gold.read_bytes()  # unchanged copies
        note = s.source_note.read_text(encoding="utf-8")
        assert "Cite" in note and ("Licence" in note or "Terms" in note)
        assert s.licence in note.replace("\n", " ")
    shipped = sorted(p.name for p in PACKAGE_SAMPLES.rglob("*") if p.is_file())
    assert shipped == sorted(
        [
            "README.md",
            "SOURCE.md",
            "SOURCE.md",
            "en_pud-ud-test.iob2",
            "zh_pud-ud-test.iob2",
            "en-europarl.test.conll02",
        ]
    )  # no German/Spanish/Italian target side, no pairing table


def test_read_shipped_samples_by_name():
    stream = read_source("europarl-en")
    samples = list(stream)
    assert len(samples) == 799 and sum(len(s.entities) for s in samples) == 702
    assert samples[0].id == "europarl-ner-en-test-0"  # same ids as reading data/gold
    assert (
        samples[0].provenance.path
        == "parallelner/data/samples/europarl-ner/en-europarl.test.conll02"
    )
    assert find_sample("nothing") is None


def test_read_default_sample():
    en = list(read_default_sample("en", limit=5))
    assert len(en) == 5 and en[0].id == "uner-pud-en-test-n01001-0001"
    zh = list(read_default_sample("zh", limit=3))
    assert [s.lang for s in zh] == ["zh"] * 3
    with pytest.raises(InputError, match=r"no shipped sample in 'fr'; shipped languages: en, zh"):
        read_default_sample("fr")
