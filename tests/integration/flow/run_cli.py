"""`parallelner run` as a user starts it: a subprocess with its own environment, so tests see its
exit code and console output and survive module moves inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_command(source: Path, url: str, outputs: Path, run_id: str, *extra: str) -> list[str]:
    """The command line of a run on a JSONL source, en -> de, no review, against ``url``."""
    return [sys.executable, "-m", "parallelner", "run", "--source", str(source), "--format",
            "jsonl", "--source-lang", "en", "--target-lang", "de", "--base-url", url,
            "--model", "test-model", "--no-review", "--run-id", run_id, "--outputs",
            str(outputs), *extra]


def run_env(tmp_path: Path, prefect_api: str, **extra: str) -> dict[str, str]:
    """The parent environment with a private data dir (no shared cache or model state), talking
    to the session's Prefect server at ``prefect_api``."""
    env = dict(os.environ, PARALLELNER_DATA_DIR=str(tmp_path / "data"), COLUMNS="200",
               PREFECT_API_URL=prefect_api)
    env.update(extra)
    return env


def run(cmd: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
