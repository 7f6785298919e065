"""Issue 15 items 4, 7, 8: what every reader checks before a sample reaches a paid stage.

Overlapping entities and labels the entity schema does not know are errors naming the file and
line; an entity that splits a character (a letter and its combining accent) is grown to whole
characters, as a recorded repair.
"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from parallelner.errors import InputError
from parallelner.readers import read_source
from parallelner.schema import EntitySpan, ParallelSample, SourceProvenance, SourceSample

ZOE = "Zoe\u0301 lives in Paris."  # "Zoé" written decomposed: e + U+0301


def _jsonl(tmp_path, *records: dict) -> str:
    path = tmp_path / "samples.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return str(path)


def _record(sid: str, text: str, entities: list[tuple[int, int, str]], **extra) -> dict:
    return {"id": sid, "lang": "en", "text": text,
            "entities": [{"start": s, "end": e, "label": lab} for s, e, lab in entities], **extra}


GOOD = _record("ok-1", "Ann met Bob.", [(0, 3, "PER"), (8, 11, "PER")])


# --- item 4: overlapping source entities -------------------------------------------------


def test_jsonl_overlapping_entities_are_an_error_naming_file_and_line(tmp_path):
    bad = _record("bad-1", "New York City", [(0, 8, "LOC"), (4, 13, "LOC")])
    path = _jsonl(tmp_path, GOOD, bad)
    with pytest.raises(InputError) as err:
        list(read_source(path))
    message = str(err.value)
    assert message.startswith(f"{path}:2: ")
    assert "entities[1] [4, 13) LOC overlaps entities[0] [0, 8) LOC" in message


def test_cluener_overlapping_types_are_an_error_naming_the_line(tmp_path):
    path = tmp_path / "train.json"
    good = {"text": "我在北京", "label": {"address": {"北京": [[2, 3]]}}}
    bad = {"text": "马云在北京",
           "label": {"name": {"马云": [[0, 1]]}, "company": {"云在": [[1, 2]]}}}
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (good, bad)) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"train\.json:2: .*'云在' \[1, 2\] overlaps name '马云'"):
        list(read_source(path))


def test_cluener_span_listed_twice_is_kept_once_as_a_repair(tmp_path):
    path = tmp_path / "train.json"
    twice = {"text": "马云在北京", "label": {"name": {"马云": [[0, 1], [0, 1]]}}}
    path.write_text(json.dumps(twice, ensure_ascii=False) + "\n", encoding="utf-8")
    stream = read_source(path)
    (sample,) = list(stream)
    assert [(e.start, e.end) for e in sample.entities] == [(0, 2)]
    assert [r.code for r in stream.repairs] == ["duplicate-entity"]


def test_schema_refuses_overlapping_source_entities():
    spans = [EntitySpan(start=0, end=8, label="LOC"), EntitySpan(start=4, end=13, label="LOC")]
    with pytest.raises(ValidationError, match="overlaps"):
        SourceSample(id="x", lang="en", text="New York City", entities=spans)
    with pytest.raises(ValidationError, match="source_entities\\[1\\].*overlaps"):
        ParallelSample(id="x", source_lang="en", target_lang="de", source_text="New York City",
                       source_entities=spans)


# --- item 7: labels the entity schema does not know --------------------------------------


def test_jsonl_unknown_label_is_an_error_listing_the_known_ones(tmp_path):
    wizard = _record("w-1", "Gandalf met Bob.", [(0, 7, "WIZARD"), (12, 15, "PER")])
    path = _jsonl(tmp_path, GOOD, wizard)
    with pytest.raises(InputError) as err:
        list(read_source(path))
    assert str(err.value) == (
        f"{path}:2: sample 'w-1', entity 1 ('Gandalf'): unknown label 'WIZARD' in scheme "
        "'conll'; known labels: PER, LOC, ORG, MISC")


def test_conll_unknown_label_names_the_line(tmp_path):
    path = tmp_path / "en-train.conll"
    path.write_text("Ann B-PER\nmet O\n\nGandalf B-WIZARD\nslept O\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"en-train\.conll:4: .*unknown label 'WIZARD' in scheme "
                                         r"'conll'; known labels: PER, LOC, ORG, MISC"):
        list(read_source(path))


def test_check_labels_is_a_pure_plan_time_check():
    from parallelner.ontology import check_labels

    ok = SourceSample(id="a", lang="en", text="Ann", entities=[EntitySpan(start=0, end=3,
                                                                          label="PER")])
    assert check_labels(ok) is None
    zh = SourceSample(id="b", lang="zh", text="马云", provenance=SourceProvenance(
        label_scheme="cluener"), entities=[EntitySpan(start=0, end=2, label="PER")])
    issue = check_labels(zh)
    assert issue is not None and issue.code == "unknown_label"
    assert "unknown label 'PER' in scheme 'cluener'; known labels: name, company" in issue.message
    parallel = ParallelSample.from_source(ok, "de").model_copy(update={
        "source_entities": [EntitySpan(start=0, end=3, label="WIZARD")]})
    assert check_labels(parallel).message.startswith("sample 'a', entity 1 ('Ann'): unknown label")


# --- item 8: a span that splits a character ----------------------------------------------


def test_jsonl_entity_ending_inside_a_character_is_grown_and_recorded(tmp_path):
    split = _record("z-1", ZOE, [(0, 3, "PER"), (14, 19, "LOC")])  # ends between e and U+0301
    path = _jsonl(tmp_path, split)
    stream = read_source(path)
    (sample,) = list(stream)
    assert sample.surfaces() == ["Zoe\u0301", "Paris"]
    (repair,) = stream.repairs
    assert repair.code == "grapheme-snapped" and repair.line == 1 and repair.sample_id == "z-1"
    assert "entity 1 (PER 'Zoe') splits a character; grown to 'Zoe\u0301'" in str(repair)


def test_strict_mode_refuses_a_split_character(tmp_path):
    path = _jsonl(tmp_path, _record("z-1", ZOE, [(0, 3, "PER")]))
    with pytest.raises(InputError, match=r":1: \[grapheme-snapped\]"):
        list(read_source(path, strict=True))
