"""The ``parallelner align`` command, run as a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_align_command_writes_records_and_a_summary(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    good = {"id": "a", "source_lang": "en", "target_lang": "de",
            "source_text": "Obama visited Paris.",
            "source_entities": [{"start": 0, "end": 5, "label": "PER"},
                                {"start": 14, "end": 19, "label": "LOC"}],
            "response": '<PER id="1">Obama</PER> besuchte <LOC id="2">Paris</LOC>.'}
    src.write_text(json.dumps(good) + "\nnot json\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    proc = subprocess.run([sys.executable, "-m", "parallelner", "align", str(src),
                           "--output", str(dst)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o["status"] for o in out] == ["accepted", "rejected"]
    assert "accepted" in proc.stdout and "invalid_record" in proc.stdout
    assert f"{src}:2:" in proc.stderr


def test_align_command_missing_input_is_a_clean_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "parallelner", "align", str(tmp_path / "x.jsonl"),
                           "--output", str(tmp_path / "o.jsonl")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "file not found" in proc.stderr and \
        "Traceback" not in proc.stderr
