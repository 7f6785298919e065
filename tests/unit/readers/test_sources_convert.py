"""``parallelner sources convert``: any reader to our SourceSample JSONL, which the stage
commands read back unchanged."""

from __future__ import annotations

from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.io import read_jsonl
from parallelner.readers import read_source
from parallelner.schema import SourceSample

runner = CliRunner()


def test_convert_a_conll_file_and_read_it_back(gold_dir, tmp_path):
    path = gold_dir / "europarl-ner" / "en-europarl.test.conll02"
    out = tmp_path / "source.jsonl"
    result = runner.invoke(app, ["sources", "convert", str(path), "-o", str(out),
                                 "--limit", "20"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "20 samples (conll, lang=en)" in result.output
    written = read_jsonl(out, SourceSample)
    assert written == list(read_source(path, limit=20))
    assert list(read_source(out)) == written  # the jsonl reader takes it as it is


def test_convert_takes_the_reader_options(fixtures_dir, tmp_path):
    out = tmp_path / "cluener.jsonl"
    result = runner.invoke(app, ["sources", "convert", str(fixtures_dir / "cluener" / "dev.json"),
                                 "-o", str(out), "--format", "cluener", "--dataset", "cl",
                                 "--split", "dev"], terminal_width=200)
    assert result.exit_code == 0, result.output
    samples = read_jsonl(out, SourceSample)
    assert samples and all(s.lang == "zh" and s.provenance.dataset == "cl" for s in samples)


def test_convert_a_missing_file_is_one_clear_error(tmp_path):
    result = runner.invoke(app, ["sources", "convert", str(tmp_path / "nope.conll"), "-o",
                                 str(tmp_path / "x.jsonl")], terminal_width=200)
    assert result.exit_code != 0
    assert "nope.conll" in result.output and "file not found" in result.output
    assert not (tmp_path / "x.jsonl").exists()
