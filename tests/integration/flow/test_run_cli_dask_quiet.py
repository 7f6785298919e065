"""`parallelner run --dask-workers 2` keeps the terminal for the progress bars: Dask's INFO lines
(scheduler, nannies, workers: other processes) stay out unless --verbose."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def test_dask_run_prints_no_dask_log_lines(llm_server, tmp_path):
    env = {**os.environ, "PARALLELNER_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "150",
           "OPENAI_API_KEY": "sk-test"}
    env.pop("DASK_LOGGING__DISTRIBUTED", None)
    done = subprocess.run(
        [sys.executable, "-m", "parallelner", "run", "--base-url", llm_server.url, "--model",
         "test-model", "--limit", "2", "--chunk-size", "1", "--no-review", "--dask-workers", "2",
         "--outputs", str(tmp_path / "out"), "--rounds", "0"],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    logs = [ln for ln in (done.stdout + done.stderr).splitlines() if "distributed." in ln]
    assert not logs, "\n".join(logs[:5])
    assert "Run folder:" in done.stdout
