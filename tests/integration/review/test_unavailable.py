"""Argilla down or unreachable: one clear message, the queue stays in the run folder, nothing
lost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from annotation.client import ReviewUnavailableError
from annotation.review import pull_run, push_run
from parallelner.config import load_settings
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample

REPO = Path(__file__).resolve().parents[3]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def down_env(tmp_path) -> dict[str, str]:
    return {"ARGILLA_API_URL": f"http://127.0.0.1:{_closed_port()}",
            "ARGILLA_API_KEY": "not-a-real-key", "PARALLELNER_DATA_DIR": str(tmp_path / "data")}


def test_push_and_pull_when_argilla_is_down(run_dir, down_env):
    settings = load_settings(overrides={"review": {"audit_fraction": 0.7}}, environ=down_env)
    before = (run_dir / "aligned.jsonl").read_bytes()

    with pytest.raises(ReviewUnavailableError) as err:
        push_run(run_dir, settings)
    message = str(err.value)
    assert down_env["ARGILLA_API_URL"] in message and "not reachable" in message
    assert "review_queue.jsonl" in message and "8 samples" in message
    assert len(read_jsonl(run_dir / "review_queue.jsonl", ParallelSample)) == 8
    assert (run_dir / "aligned.jsonl").read_bytes() == before

    with pytest.raises(ReviewUnavailableError, match="not reachable"):
        pull_run(run_dir, settings)
    assert not (run_dir / "reviewed.jsonl").exists()


def test_cli_says_what_to_do(run_dir, down_env, tmp_path):
    env = {**os.environ, **down_env, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "parallelner", "review", "push", str(run_dir)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "not reachable" in done.stderr and "Traceback" not in done.stderr
    assert "pushing" not in done.stdout + done.stderr  # no empty "pushing 0/?" bar before it
    assert (run_dir / "review_queue.jsonl").exists()

    # No server configured and no local stack installed: say how to get one.
    env.pop("ARGILLA_API_URL")
    env.pop("ARGILLA_API_KEY")
    env["PARALLELNER_DATA_DIR"] = str(tmp_path / "empty")
    done = subprocess.run([sys.executable, "-m", "parallelner", "review", "pull", str(run_dir)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "parallelner review up" in done.stderr
