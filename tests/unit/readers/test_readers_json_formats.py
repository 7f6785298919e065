"""CLUENER2020 and our own JSONL: fixture files, round trips, and bad input."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from parallelner.errors import InputError
from parallelner.io import write_jsonl
from parallelner.readers import read_source

CLUENER_TYPES = {
    "name", "company", "government", "organization", "address",
    "position", "book", "game", "movie", "scene",
}  # fmt: skip


def test_cluener_fixture(fixtures_dir):
    path = fixtures_dir / "cluener" / "dev.json"
    stream = read_source(path)
    samples = list(stream)
    assert stream.format == "cluener" and stream.lang == "zh"
    assert len(samples) == 9
    labels = Counter(e.label for s in samples for e in s.entities)
    assert set(labels) == CLUENER_TYPES
    assert sum(labels.values()) == 27
    assert all(s.provenance.label_scheme == "cluener" for s in samples)
    assert samples[0].surfaces() == ["浙江杭州", "阿里巴巴集团", "马云", "北京"]
    assert samples[4].surfaces().count("郭帆") == 2  # one surface, two spans
    assert samples[8].entities == []  # the unlabelled line
    assert samples[0].id == "cluener-zh-dev-0"
    # ends are exclusive now: each surface equals the file's surface key
    for line, sample in zip(path.read_text(encoding="utf-8").splitlines(), samples, strict=True):
        label = json.loads(line).get("label", {})
        expected = sorted(
            (start, end + 1, t)
            for t, surfaces in label.items()
            for spans in surfaces.values()
            for start, end in spans
        )
        assert [(e.start, e.end, e.label) for e in sample.entities] == expected


def _cluener(tmp_path, record) -> str:
    path = tmp_path / "train.json"
    good = {"text": "我在北京", "label": {"address": {"北京": [[2, 3]]}}}
    path.write_text(
        json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(record, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return str(path)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"text": "我在北京", "label": {"address": {"北京": [[2, 4]]}}}, "lies outside the text"),
        ({"text": "我在北京", "label": {"address": {"北京": [[1, 2]]}}}, "covers '在北' instead"),
        (
            {"text": "我在北京", "label": {"address": {"北京": [2, 3]}}},
            "is not \\[start, end_inclusive\\]",
        ),
        ({"text": "我在北京", "label": ["address"]}, "'label' must be an object"),
    ],
)
def test_cluener_bad_spans_name_the_line(tmp_path, record, message):
    path = _cluener(tmp_path, record)
    with pytest.raises(InputError, match=rf"train.json:2: .*{message}"):
        list(read_source(path, format="cluener"))


def test_cluener_invalid_json(tmp_path):
    path = tmp_path / "dev.json"
    path.write_text('{"text": "好", "label": {}}\n{"text": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"dev.json:2: invalid JSON"):
        list(read_source(path, format="cluener"))


def test_own_jsonl_round_trip(gold_dir, tmp_path):
    original = list(read_source(gold_dir / "uner-pud" / "zh_pud-ud-test.iob2", limit=40))
    out = tmp_path / "any-name.jsonl"
    write_jsonl(out, original)
    stream = read_source(out)
    assert stream.format == "jsonl"
    assert list(stream) == original
    assert list(read_source(out, lang="zh", limit=5)) == original[:5]


def test_own_jsonl_errors(tmp_path):
    path = tmp_path / "s.jsonl"
    loc = '"entities": [{"start": 0, "end": 5, "label": "LOC"}]'
    path.write_text(
        f'{{"id": "a", "lang": "en", "text": "Paris", {loc}}}\n'
        f'{{"id": "b", "lang": "en", "text": "x", {loc}}}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"s.jsonl:2: .*outside the text"):
        list(read_source(path))
    path.write_text(
        '{"id": "a", "lang": "en", "text": "x"}\n{"id": "a", "lang": "en", "text": "y"}\n'
    )
    with pytest.raises(InputError, match=r"s.jsonl:2: duplicate sample id 'a'"):
        list(read_source(path))
    with pytest.raises(InputError, match=r"s.jsonl:1: sample 'a' is in 'en'.* 'de'"):
        list(read_source(path, lang="de"))
    path.write_bytes(b'{"id": "a", "lang": "de", "text": "K\xf6ln"}\n')
    with pytest.raises(InputError, match=r"s.jsonl:1: not UTF-8"):
        list(read_source(path, format="jsonl"))
