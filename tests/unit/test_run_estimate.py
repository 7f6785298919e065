"""`parallelner run --dry-run`: the calls a run will make, translate and verify, before any."""

from __future__ import annotations

from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.config import load_settings
from parallelner.run.estimate import estimate_run_cost


def test_the_estimate_counts_the_round_trips_by_verify_mode():
    base = {"run": {"limit": 4}, "llm": {"model": "m", "prices": {"m": {
        "input_per_mtok": 1000.0, "output_per_mtok": 1000.0}}}}
    all_ = estimate_run_cost(load_settings(overrides=base, environ={}))
    assert all_.samples == 4
    assert all_.stages["translate"].calls == 4 and all_.stages["verify"].calls == 4
    assert all_.total.cost > all_.stages["translate"].cost > 0 and not all_.unpriced
    off = estimate_run_cost(load_settings(overrides={**base, "verify": {"mode": "off"}},
                                          environ={}))
    assert off.stages["verify"].calls == 0 and off.total.calls == 4


def test_run_dry_run_says_when_a_model_has_no_price(tmp_path):
    out = CliRunner().invoke(app, ["run", "--dry-run", "--limit", "3", "--model", "gpt-x",
                                   "--no-review", "--outputs", str(tmp_path / "out")])
    assert out.exit_code == 0, out.output
    assert "translate" in out.output and "verify" in out.output
    assert "no price for model 'gpt-x'" in out.output and '[llm.prices."gpt-x"]' in out.output
    assert not (tmp_path / "out").exists()
