from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.io import write_jsonl
from parallelner.run.folder import RunParams, open_run
from parallelner.schema import ParallelSample, Status


def test_report_command_prints_tables_and_writes_plots(tmp_path):
    paths, _, _ = open_run(tmp_path, "rx", RunParams())
    write_jsonl(paths.final, [ParallelSample(id="a", source_lang="en", target_lang="zh",
                                             source_text="x", target_text="y", confidence=0.9,
                                             status=Status.accepted)])
    result = CliRunner().invoke(app, ["report", str(paths.root)])
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output
    assert (paths.root / "confidence_hist.png").exists()


def test_report_on_a_non_run_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a run folder" in result.output


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("parallelner ")
