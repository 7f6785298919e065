"""The commands as a user runs them (Typer app, real HTTP to our server): output, summary,
exit codes, and no API key in any file written."""

from __future__ import annotations

import json

import pytest
from test_refine_stage import BAD, aligned, tag_validator
from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.cli._llmrun import BUDGET_EXIT
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import ParallelSample
from parallelner.stages.refine import refine_file

pytestmark = pytest.mark.integration
SECRET = "sk-test-DO-NOT-LEAK-8c1f0e"


@pytest.fixture()
def env(llm_server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("PARALLELNER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARALLELNER_LLM__RETRY_BASE_DELAY", "0.01")
    monkeypatch.setenv("PARALLELNER_LLM__MAX_RETRIES", "2")
    return llm_server


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_translate_command_writes_output_ledger_and_summary(env, fixtures_dir, tmp_path):
    out = tmp_path / "out" / "zh.jsonl"
    res = run("translate", str(fixtures_dir / "llm" / "pud_en.jsonl"), "-o", str(out),
              "-t", "zh", "--base-url", env.url, "--model", "test-model", "--concurrency", "2")
    assert res.exit_code == 0, res.output
    assert "estimate before the run" in res.output and "summary" in res.output
    assert len(read_jsonl(out, ParallelSample)) == 4
    ledger = out.with_name("zh.ledger.jsonl")
    assert [json.loads(x)["stage"] for x in ledger.read_text().splitlines()] == ["translate"] * 4


def test_dry_run_calls_nothing(env, fixtures_dir, tmp_path):
    res = run("translate", str(fixtures_dir / "llm" / "pud_en.jsonl"), "-o",
              str(tmp_path / "o.jsonl"), "-t", "de", "--base-url", env.url, "--dry-run")
    assert res.exit_code == 0 and "calls to make" in res.output
    assert env.chat_calls == 0 and not (tmp_path / "o.jsonl").exists()


def test_budget_stop_has_its_own_exit_code(env, fixtures_dir, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[llm.prices."test-model"]\ninput_per_mtok = 1000.0\n'
                   'output_per_mtok = 1000.0\n')
    res = run("translate", str(fixtures_dir / "llm" / "pud_en.jsonl"), "-o",
              str(tmp_path / "o.jsonl"), "-t", "de", "--base-url", env.url, "--model",
              "test-model", "--budget", "0.5", "--concurrency", "1", "-c", str(cfg))
    assert res.exit_code == BUDGET_EXIT
    assert "budget 0.5 reached" in res.output and "Rerun with a higher budget" in res.output


def test_budget_without_price_is_refused(env, fixtures_dir, tmp_path):
    res = run("translate", str(fixtures_dir / "llm" / "pud_en.jsonl"), "-o",
              str(tmp_path / "o.jsonl"), "-t", "de", "--base-url", env.url, "--model",
              "unpriced-model", "--budget", "1")
    assert res.exit_code == 1 and "no price for model(s) unpriced-model" in res.output
    assert env.chat_calls == 0


def test_endpoint_down_is_one_line(env, fixtures_dir, tmp_path):
    res = run("translate", str(fixtures_dir / "llm" / "pud_en.jsonl"), "-o",
              str(tmp_path / "o.jsonl"), "-t", "de", "--base-url", "http://127.0.0.1:9/v1")
    assert res.exit_code == 1
    errors = [line for line in res.output.splitlines() if "error:" in line]
    assert len(errors) == 1 and "cannot connect to http://127.0.0.1:9/v1" in errors[0]
    assert "Traceback" not in res.output


def test_no_api_key_in_any_file_written(env, fixtures_dir, tmp_path):
    out = tmp_path / "o.jsonl"
    res = run("translate", str(fixtures_dir / "llm" / "pud_en.jsonl"), "-o", str(out),
              "-t", "de", "--base-url", env.url, "--model", "test-model")
    assert res.exit_code == 0, res.output
    from parallelner.config import load_settings

    aligned_path = tmp_path / "aligned.jsonl"
    write_jsonl(aligned_path, [aligned("x", BAD)])
    refine_file(aligned_path, tmp_path / "refined.jsonl", load_settings(
        overrides={"llm": {"base_url": env.url, "model": "test-model"}}),
        validate=tag_validator, ledger_path=tmp_path / "refine.ledger.jsonl")
    # the key was really used ...
    assert {r.headers["authorization"] for r in env.requests} == {f"Bearer {SECRET}"}
    # ... and is in none of the files written: outputs, ledgers, the SQLite cache (+ WAL)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("llm-responses.sqlite") for p in written)
    assert len(written) >= 6
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
