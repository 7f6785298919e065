"""Resuming a run: every data option is fixed by the first start, the operational ones may change.

The README's promise: "Changing a data option (source, languages, limit, model, chunk size) on
resume is refused; endpoint, concurrency, budget and review may change."
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from run_cli import run, run_command, run_env
from run_request import RunRequest, start_run

from parallelner.errors import ParallelNERError
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample, SourceSample

pytestmark = pytest.mark.integration

DOWN = "http://127.0.0.1:9/v1"  # nothing listens there: the first start stops at the endpoint


def _first_request(source: Path, tmp_path: Path) -> RunRequest:
    return RunRequest(source=str(source), source_format="jsonl", source_lang="en",
                      target_lang="de", base_url=DOWN, model="test-model", review=False,
                      chunk_size=4, run_id="opts", outputs=tmp_path / "outputs")


def test_each_changed_data_option_is_refused_and_operational_ones_may_change(
        gold_translator, prefect_api, source_file, tmp_path, monkeypatch):
    src = source_file(3)
    first = _first_request(src, tmp_path)
    with pytest.raises(ParallelNERError, match=r"127\.0\.0\.1:9"):
        start_run(first)  # the run folder and its parameters exist; no chunk is done
    other_src = tmp_path / "copy-of-source.jsonl"
    shutil.copy(src, other_src)

    data_changes = {
        "source": {"source": str(other_src)},
        "source_format": {"source_format": "conll"},
        "source_lang": {"source_lang": "fr"},
        "target_lang": {"target_lang": "fr"},
        "limit": {"limit": 2},
        "mode": {"mode": "project"},
        "model": {"model": "other-model"},
        "refine_model": {"refine_model": "big-model"},
        "chunk_size": {"chunk_size": 2},
    }
    not_refused: dict[str, str] = {}
    for option, change in data_changes.items():
        try:
            start_run(dataclasses.replace(first, **change))
        except ParallelNERError as exc:
            named = re.findall(r"(?:\(|; )(\w+): ", str(exc))  # "(limit: None -> 2; ...)"
            if "other parameters" not in str(exc) or named != [option]:
                not_refused[option] = str(exc)
        else:
            not_refused[option] = "resumed without complaint"
    assert not not_refused, f"changed data options not refused by name: {not_refused}"

    # The CLI says it in one line on stderr and exits 1 (before any Prefect or LLM work).
    cli = run(run_command(src, DOWN, tmp_path / "outputs", "opts", "--chunk-size", "4")
              + ["--target-lang", "fr"], run_env(tmp_path, prefect_api), timeout=120)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "target_lang: 'de' -> 'fr'" in " ".join(cli.stderr.split())
    assert "Traceback" not in cli.stderr

    # Endpoint, concurrency, budget and review all change at once: the run resumes and finishes.
    prices = tmp_path / "prices.toml"
    prices.write_text('[llm.prices."test-model"]\ninput_per_mtok = 1.0\noutput_per_mtok = 1.0\n')
    monkeypatch.setenv("ARGILLA_API_URL", "http://127.0.0.1:9")  # review on, Argilla away
    monkeypatch.setenv("ARGILLA_API_KEY", "argilla-test-key")
    paths = start_run(dataclasses.replace(first, base_url=gold_translator.url, concurrency=7,
                                          budget=50.0, review=True, config=prices))
    final = read_jsonl(paths.final, ParallelSample)
    assert [r.id for r in final] == [s.id for s in read_jsonl(src, SourceSample)]
    assert gold_translator.chat_calls >= 3  # the new endpoint did the work
