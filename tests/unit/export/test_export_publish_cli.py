"""The CLI commands, and publishing up to the upload: every failure is immediate and clear."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.errors import ConfigError, InputError, PublishError
from parallelner.export.publish import dataset_dir_of, publish
from parallelner.export.runner import export
from parallelner.io import write_jsonl

TOKEN = "hf_thisIsNotARealTokenButMustNeverBePrinted"


@pytest.fixture(scope="module")
def exported(tmp_path_factory, uner_pairs) -> Path:
    root = tmp_path_factory.mktemp("pub")
    write_jsonl(root / "records.jsonl", uner_pairs.records[:30])
    export(root / "run", root / "records.jsonl")
    return root / "run"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_offline_mode_fails_at_once(exported) -> None:
    with pytest.raises(PublishError, match="offline mode is on"):
        publish(exported, "org/name", environ={"HF_HUB_OFFLINE": "1", "HF_TOKEN": TOKEN})


def test_no_token_fails_at_once(exported) -> None:
    with pytest.raises(PublishError, match="no Hugging Face token: set HF_TOKEN"):
        publish(exported, "org/name", environ={})


def test_unreachable_hub_fails_at_once_without_showing_the_token(exported) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(PublishError, match="cannot reach the Hub") as exc:
        publish(exported, "org/name", environ={"HF_TOKEN": TOKEN}, endpoint=endpoint)
    assert endpoint in str(exc.value) and TOKEN not in str(exc.value)


def test_bad_repo_id_and_missing_export(tmp_path, exported) -> None:
    with pytest.raises(ConfigError, match="ORG/NAME"):
        publish(exported, "just-a-name", environ={"HF_TOKEN": TOKEN})
    with pytest.raises(InputError, match="run `parallelner export RUN` first"):
        publish(tmp_path, "org/name", environ={"HF_TOKEN": TOKEN})
    assert dataset_dir_of(exported) == dataset_dir_of(exported / "dataset") == exported / "dataset"


def test_cli_export_prints_a_summary(tmp_path, uner_pairs) -> None:
    write_jsonl(tmp_path / "records.jsonl", uner_pairs.records)
    result = CliRunner().invoke(app, ["export", str(tmp_path / "run"), "--input",
                                      str(tmp_path / "records.jsonl"), "--format", "all",
                                      "--split", "0.6,0.2,0.2"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.replace("│", " ").split())
    assert "left out: rejected 1" in out and "left out: review 1" in out
    assert "exact duplicates removed 3" in out
    for config in ("default", "bio", "code"):
        assert re.search(rf"{config} \d+ \d+ \d+", out), config
    assert (tmp_path / "run" / "dataset" / "README.md").is_file()


def test_cli_export_extra_copies_from_option_or_settings(tmp_path, uner_pairs) -> None:
    write_jsonl(tmp_path / "records.jsonl", uner_pairs.records)
    out = tmp_path / "dataset"
    result = CliRunner().invoke(app, ["export", str(tmp_path / "records.jsonl"),
                                      "--also", "jsonl,disk"])
    assert result.exit_code == 0, result.output
    assert (out / "jsonl" / "default").is_dir() and (out / "disk" / "default").is_dir()
    config = tmp_path / "settings.toml"
    config.write_text('[export]\nalso = ["jsonl"]\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["export", str(tmp_path / "records.jsonl"), "-c",
                                      str(config)])
    assert result.exit_code == 0, result.output
    assert (out / "jsonl" / "default").is_dir() and not (out / "disk" / "default").exists()
    result = CliRunner().invoke(app, ["export", str(tmp_path / "records.jsonl")])
    assert result.exit_code == 0, result.output
    assert not (out / "jsonl").exists() and list((out / "data").glob("*.parquet"))


def test_cli_export_help_names_its_inputs() -> None:
    result = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.replace("│", " ").split())
    assert "reviewed.jsonl when it exists" in text and "else RUN/final.jsonl" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "{tmp}/nope"], "no such run folder"),
        (["export", "{tmp}/r.jsonl", "--also", "csv"], "unknown extra export copy"),
        (["export", "{tmp}", "--format", "csv"], "unknown export format"),
        (["export", "{tmp}/r.jsonl", "--split", "1,1"], "split fractions"),
        (["export", "{tmp}/r.jsonl", "--format", "bio", "--zh-segmenter", "pkuseg"],
         "zh_segmenter"),
        (["publish", "{tmp}", "--repo-id", "org/name"], "no exported dataset here"),
    ],
)
def test_cli_errors_are_one_clear_line(tmp_path, uner_pairs, args, message) -> None:
    write_jsonl(tmp_path / "r.jsonl", uner_pairs.records[:5])
    result = CliRunner().invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_cli_publish_offline(exported, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    result = CliRunner().invoke(app, ["publish", str(exported), "--repo-id", "org/name"])
    assert result.exit_code == 1 and "offline mode is on" in result.output
    assert TOKEN not in result.output
