import json

import pytest

from parallelner.align.stream import align_file
from parallelner.config import AlignConfig
from parallelner.errors import InputError
from parallelner.schema import ParallelSample

from .conftest import OBAMA, OBAMA_DE, OBAMA_ENTS, sample


def _record(i: int, response: str) -> str:
    s = sample(OBAMA, OBAMA_ENTS, response)
    data = {k: v for k, v in json.loads(s.model_dump_json()).items()
            if k in ("source_lang", "target_lang", "source_text", "source_entities", "response")}
    return json.dumps({"id": f"r{i}", **data}, ensure_ascii=False)


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_one_record_per_line_in_order_bad_lines_rejected(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [_record(0, OBAMA_DE), "{not json", "", _record(1, "Barack Obama visited Paris."),
                 '{"id": "x", "source_lang": "english"}'])
    summary = align_file(src, dst, AlignConfig(workers=1))
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["r0", "line-2", "r1", "x"]
    assert [o["status"] for o in out] == ["accepted", "rejected", "refine", "rejected"]
    assert out[1]["raw_input"] == "{not json" and "line 2" in out[1]["issues"][0]["message"]
    assert out[3]["issues"][0]["code"] == "invalid_record" and \
        "line 5" in out[3]["issues"][0]["message"]
    assert summary.records == 4 and summary.invalid_count == 2
    assert [n for n, _ in summary.invalid] == [2, 5]
    assert summary.by_status["accepted"] == 1 and summary.by_code["invalid_record"] == 2
    for o in out:  # every output line is a valid record again
        ParallelSample.model_validate(o)


def test_output_contract_fields(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [_record(0, OBAMA_DE)])
    align_file(src, dst, AlignConfig(workers=1))
    o = json.loads(dst.read_text(encoding="utf-8"))
    for key in ("id", "source_lang", "target_lang", "source_text", "source_entities", "response",
                "target_text", "target_entities", "confidence", "status", "issues"):
        assert key in o
    assert set(o["target_entities"][0]) >= {"start", "end", "label", "source_index"}


def test_parallel_run_equals_serial_run(tmp_path):
    answers = [OBAMA_DE, OBAMA_DE.replace(' id="2"', ""), "kaputt", OBAMA_DE[:40], "{bad"]
    lines = [_record(i, answers[i % len(answers)]) if answers[i % len(answers)] != "{bad"
             else "{bad"
             for i in range(60)]
    src = tmp_path / "in.jsonl"
    _write(src, lines)
    serial, parallel = tmp_path / "s.jsonl", tmp_path / "p.jsonl"
    align_file(src, serial, AlignConfig(workers=1, chunk_size=7))
    summary = align_file(src, parallel, AlignConfig(workers=2, chunk_size=7))
    assert parallel.read_text(encoding="utf-8") == serial.read_text(encoding="utf-8")
    assert summary.records == 60


def test_non_utf8_line_is_rejected_not_fatal(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(_record(0, OBAMA_DE).encode() + b"\n\xff\xfe broken\n")
    summary = align_file(src, dst, AlignConfig(workers=1))
    assert summary.records == 2 and "not UTF-8" in summary.invalid[0][1]


def test_progress_reports_records_and_bytes(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [_record(i, OBAMA_DE) for i in range(5)])
    seen = []
    align_file(src, dst, AlignConfig(workers=1, chunk_size=2),
               progress=lambda n, b: seen.append((n, b)))
    assert [n for n, _ in seen] == [2, 4, 5] and seen[-1][1] == src.stat().st_size


def test_missing_input_and_overwriting_input_are_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        align_file(tmp_path / "nope.jsonl", tmp_path / "out.jsonl", AlignConfig())
    src = tmp_path / "in.jsonl"
    _write(src, [_record(0, OBAMA_DE)])
    with pytest.raises(InputError, match="overwrite"):
        align_file(src, src, AlignConfig())
