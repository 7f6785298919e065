"""`make run`'s own path: `parallelner run` without --base-url starts the embedded model for the
run and stops it after, in its own PARALLELNER_DATA_DIR (the model file linked in, so nothing is
downloaded), on two sentences of the shipped sample."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from parallelner.config import default_data_dir
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample

pytestmark = [pytest.mark.integration, pytest.mark.llm]

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"  # <data dir>/models/, with its .verified stamp


@pytest.fixture()
def data_dir_with_model(tmp_path) -> Path:
    """A fresh data dir holding links to the model set up by `make model` / `make test`."""
    shared = default_data_dir() / "models"
    assert (shared / MODEL).is_file() and (shared / f"{MODEL}.verified").is_file(), (
        f"the embedded model is not set up in {shared}: run `make model` first")
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    for name in (MODEL, f"{MODEL}.verified"):
        (data / "models" / name).symlink_to(shared / name)
    return data


def _model_servers(model_dir: Path) -> list[psutil.Process]:
    """Processes serving a model from ``model_dir`` (only this test's run uses that dir)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(model_dir) in part for part in proc.info["cmdline"] or []):
            found.append(proc)
    return found


def _listening_ports(proc: psutil.Process) -> set[int]:
    try:
        return {c.laddr.port for c in proc.net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN}
    except psutil.Error:
        return set()


def test_run_without_base_url_uses_the_embedded_model_and_stops_it(data_dir_with_model,
                                                                    tmp_path):
    out = tmp_path / "outputs"
    env = dict(os.environ, PARALLELNER_DATA_DIR=str(data_dir_with_model), COLUMNS="200")
    env.pop("OPENAI_API_KEY", None)
    cmd = [sys.executable, "-m", "parallelner", "run", "--limit", "2", "--no-review",
           "--run-id", "local", "--outputs", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    servers: dict[int, set[int]] = {}  # pid -> ports it listened on
    while proc.poll() is None:
        for server in _model_servers(data_dir_with_model / "models"):
            servers.setdefault(server.pid, set()).update(_listening_ports(server))
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stdout + stderr

    final = read_jsonl(out / "local" / "final.jsonl", ParallelSample)
    assert len(final) == 2 and all(r.source_lang == "en" and r.target_lang == "zh" for r in final)
    translated = [r.provenance.attempts[0] for r in final]
    assert all(a.stage == "translate" and a.error is None and a.response for a in translated)
    assert all(a.model == "qwen2.5-coder-1.5b-instruct-q4_k_m" for a in translated)
    # The server was started for the run, listened on 127.0.0.1, and is gone after it.
    ports = set().union(*servers.values()) if servers else set()
    assert servers and ports, "no model server was seen during the run"
    assert not [p for p in servers if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert _model_servers(data_dir_with_model / "models") == []
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
