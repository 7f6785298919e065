"""`parallelner run` against a priced endpoint with a budget: calls in flight count, the spend
shown by the ledger never passes the budget, and the run exits with the budget code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_cli import run, run_command, run_env

from parallelner.run.folder import RunPaths

pytestmark = pytest.mark.integration


def _spent(ledger: Path) -> float:
    """Money the ledger shows as spent, summed here (not by the code under test)."""
    lines = [json.loads(x) for x in ledger.read_text().splitlines() if x.strip()]
    return sum(x["cost"] for x in lines if not x["cached"])


PRICES = '[llm.prices."test-model"]\ninput_per_mtok = 1000.0\noutput_per_mtok = 1000.0\n'


def test_budget_at_concurrency_8_counts_calls_in_flight_and_never_overshoots(
        gold_translator, prefect_api, source_file, tmp_path):
    """At 1000 per million tokens a translate call here costs about 0.4 (≈350 prompt + ≈40
    completion tokens) and its worst case, held while it is in flight, about 0.95 (1.25 × the
    prompt estimate + max_tokens 512). A budget of 2.0 lets 2 calls fly at once, not the 8 that
    --concurrency allows: 8 at once would spend about 3.2."""
    gold_translator.delay = 0.3
    src = source_file(16)
    cfg = tmp_path / "prices.toml"
    cfg.write_text(PRICES)
    out = tmp_path / "outputs"
    cmd = run_command(src, gold_translator.url, out, "budget8", "--chunk-size", "16",
                      "--concurrency", "8", "--budget", "2.0", "--config", str(cfg))
    done = run(cmd, run_env(tmp_path, prefect_api))
    paths = RunPaths(out / "budget8")
    spent = _spent(paths.ledger)
    assert 0 < spent <= 2.0, spent
    assert 2 <= gold_translator.chat_calls < 16
    assert gold_translator.max_in_flight == 2
    assert done.returncode != 0 and not paths.final.exists()
    assert "budget 2 reached" in " ".join(done.stderr.split()), done.stderr


def test_a_budget_stop_exits_with_code_3_and_one_message(gold_translator, prefect_api,
                                                         source_file, tmp_path):
    """The README's budget exit code (3: output kept, a rerun with a higher budget resumes) for
    `parallelner run` too, not only for the stage commands, and one clear message. 0.5 is below
    one call's worst case: no call starts."""
    cfg = tmp_path / "prices.toml"
    cfg.write_text(PRICES)
    cmd = run_command(source_file(2), gold_translator.url, tmp_path / "outputs", "budget3",
                      "--budget", "0.5", "--config", str(cfg))
    done = run(cmd, run_env(tmp_path, prefect_api))
    assert gold_translator.chat_calls == 0
    assert "budget 0.5 reached" in " ".join(done.stderr.split())
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
