"""With PREFECT_API_URL set, a run reports to that Prefect server (and shows in its UI): tested
once against a `prefect server start` of ours, bound to 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def prefect_server(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
         str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while True:
        assert proc.poll() is None, "prefect server start exited"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "prefect server did not start"
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_run_reports_to_the_prefect_server_in_prefect_api_url(prefect_server, gold_translator,
                                                                source_file, tmp_path):
    src = source_file(3)
    done = subprocess.run(
        [sys.executable, "-m", "parallelner", "run", "--source", str(src), "--format", "jsonl",
         "--source-lang", "en", "--target-lang", "de", "--base-url", gold_translator.url,
         "--model", "test-model", "--no-review", "--run-id", "to-server", "--outputs",
         str(tmp_path / "out")],
        env={**os.environ, "PREFECT_API_URL": prefect_server}, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    flows = httpx.post(f"{prefect_server}/flows/filter", json={}, timeout=10).json()
    assert "parallelner-run" in [f["name"] for f in flows]
    runs = httpx.post(f"{prefect_server}/flow_runs/filter", json={}, timeout=10).json()
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
    tasks = httpx.post(f"{prefect_server}/task_runs/filter", json={}, timeout=10).json()
    names = {t["name"].split("-")[0] for t in tasks}
    assert {"plan", "translate", "align", "refine", "collect", "review", "export",
            "report"} <= names, names
