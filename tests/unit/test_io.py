import pytest

from parallelner.errors import InputError
from parallelner.io import JsonlAppender, iter_jsonl, read_jsonl, write_jsonl
from parallelner.schema import EntitySpan, SourceSample


def test_write_then_read_round_trip(tmp_path):
    samples = [
        SourceSample(id=str(i), lang="en", text=f"Paris {i}",
                     entities=[EntitySpan(start=0, end=5, label="LOC")])
        for i in range(5)
    ]
    path = tmp_path / "a" / "s.jsonl"
    assert write_jsonl(path, samples) == 5
    assert read_jsonl(path, SourceSample) == samples
    assert not (tmp_path / "a" / "s.jsonl.tmp").exists()


def test_bad_lines_are_reported_with_their_line_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"id": "1", "lang": "en", "text": "ok"}\n'
        b"\n"
        b"{not json\n"
        b'{"id": "3", "lang": "en", "text": "abc", '
        b'"entities": [{"start": 0, "end": 9, "label": "X"}]}\n'
        b'{"id": "4", "lang": "en", "text": "\xff\xfe"}\n'
    )
    lines = list(iter_jsonl(path, SourceSample))
    assert [ln.number for ln in lines] == [1, 3, 4, 5]
    assert lines[0].record is not None
    assert "invalid JSON" in lines[1].error
    assert "outside the text" in lines[2].error
    assert "not UTF-8" in lines[3].error
    with pytest.raises(InputError, match=r"bad.jsonl:3: invalid JSON"):
        read_jsonl(path, SourceSample)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl: file not found"):
        read_jsonl(tmp_path / "nope.jsonl", SourceSample)


def test_appender_appends(tmp_path):
    path = tmp_path / "x.jsonl"
    with JsonlAppender(path) as out:
        out.write(SourceSample(id="1", lang="en", text="a"))
    with JsonlAppender(path) as out:
        out.write(SourceSample(id="2", lang="en", text="b"))
    assert [s.id for s in read_jsonl(path, SourceSample)] == ["1", "2"]
