"""A dry run or a budget with a model that has no price says so (the model and the settings
key), instead of printing a cost of 0 that looks real. Real process, real test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


def _translate(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "source.jsonl"
    src.write_text(json.dumps({"id": "s1", "lang": "en", "text": "Obama visited Paris.",
                               "entities": [{"start": 0, "end": 5, "label": "PER"}]}) + "\n",
                   encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200",
               PARALLELNER_DATA_DIR=str(tmp_path / "data"))
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "parallelner", "translate", str(src), "-o",
         str(tmp_path / "out.jsonl"), "-t", "zh", "--base-url", url, *extra],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def test_dry_run_names_the_model_without_a_price(llm_server, tmp_path):
    proc = _translate(tmp_path, llm_server.url, "--model", "no-such-model", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())
    assert "no price for model 'no-such-model'" in out
    assert '[llm.prices."no-such-model"]' in out and "unpriced" in out
    assert llm_server.chat_calls == 0


def test_dry_run_with_the_example_prices_is_silent(llm_server, tmp_path):
    proc = _translate(tmp_path, llm_server.url, "--model", "gpt-4o-mini", "--dry-run",
                      "-c", str(REPO / "settings.example.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "no price" not in proc.stdout


def test_a_budget_without_a_price_is_refused_naming_model_and_key(llm_server, tmp_path):
    proc = _translate(tmp_path, llm_server.url, "--model", "no-such-model", "--budget", "1")
    assert proc.returncode != 0
    err = " ".join((proc.stdout + proc.stderr).split())
    assert "no-such-model" in err and "llm.prices" in err
    assert llm_server.chat_calls == 0
