"""``parallelner sources`` through the real Typer app."""

from __future__ import annotations

from typer.testing import CliRunner

from parallelner.cli import app

runner = CliRunner()


def test_sources_lists_readers_and_samples():
    result = runner.invoke(app, ["sources"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name in (
        "conll",
        "uner",
        "hf",
        "cluener",
        "jsonl",
        "uner-pud-en",
        "uner-pud-zh",
        "europarl-en",
    ):
        assert name in result.output
    assert "CC BY-SA 3.0" in result.output
    assert "end_inclusive]]" in result.output  # descriptions are not eaten as Rich markup


def test_sources_show_counts_a_gold_file(gold_dir):
    path = gold_dir / "europarl-ner" / "en-europarl.test.conll02"
    result = runner.invoke(app, ["sources", "show", str(path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "format=conll" in out and "lang=en" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 4}
    assert (
        "338" in rows["ORG"]
        and "180" in rows["MISC"]
        and "100" in rows["LOC"]
        and "84" in rows["PER"]
    )
    assert "702" in rows["all"]
    assert "799" in next(
        line for line in out.splitlines() if "sentences  " in line or "│ sentences " in line
    )
    assert "unescaped-token" in out


def test_sources_show_a_shipped_sample_with_limit():
    result = runner.invoke(
        app, ["sources", "show", "uner-pud-zh", "--limit", "10"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "lang=zh" in result.output
    totals = {cells[1].strip(): cells[2].strip() for cells in
              (line.split("│") for line in result.output.splitlines()) if len(cells) == 4}
    assert totals["sentences"] == "10" and totals["entities"] == "13"


def test_sources_show_errors_are_one_clean_line(tmp_path):
    result = runner.invoke(app, ["sources", "show", str(tmp_path / "none.conll")])
    assert result.exit_code == 1
    assert "error:" in result.output and "none.conll: file not found" in result.output
    assert "Traceback" not in result.output
    bad = tmp_path / "en-bad.conll"
    bad.write_text("x\tO\ny\tI-PER\n")
    result = runner.invoke(app, ["sources", "show", str(bad), "--strict"])
    assert result.exit_code == 1
    assert "en-bad.conll:2: [orphan-inside]" in result.output
    result = runner.invoke(app, ["sources", "show", str(bad)], terminal_width=200)
    assert result.exit_code == 0
    assert "orphan-inside" in result.output
