"""`parallelner run` as a user starts it (a subprocess): bad options refused before any run folder
exists, one clean error line, no key sent to the embedded endpoint, the Prefect server ending
with the CLI, resume by run id alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from parallelner.io import read_jsonl
from parallelner.run.folder import RunPaths, load_manifest
from parallelner.schema import ParallelSample

pytestmark = pytest.mark.integration

SECRET = "sk-test-SECRET-run-cli-7731"


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, api: str | None = None
):
    """``parallelner run ARGS``; with ``api``, it reports to the session's Prefect server (else
    it starts its own, as a user's run does)."""
    extra = {"PREFECT_API_URL": api} if api else {}
    return subprocess.run(
        [sys.executable, "-m", "parallelner", "run", *args],
        env={**os.environ, **extra, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _base(src: Path, url: str, out: Path, *extra: str) -> list[str]:
    return [
        "--source",
        str(src),
        "--format",
        "jsonl",
        "--source-lang",
        "en",
        "--target-lang",
        "de",
        "--base-url",
        url,
        "--model",
        "test-model",
        "--no-review",
        "--outputs",
        str(out),
        *extra,
    ]


def _cli_api(api: str, *args: str, **kw):
    return _cli(*args, api=api, **kw)


@pytest.mark.parametrize("value", ["-1", "0"])
def test_a_chunk_size_below_one_is_refused_before_a_run_folder_exists(tmp_path, value):
    done = _cli("--chunk-size", value, "--outputs", str(tmp_path / "out"), "--no-review")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--chunk-size" in done.stderr and "1" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_target_language_that_is_no_code_is_one_error_line_and_no_folder(tmp_path):
    done = _cli("--target-lang", "english", "--outputs", str(tmp_path / "out"), "--no-review")
    assert done.returncode == 1
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: invalid settings: run:"), done.stderr
    assert "ISO 639-1" in lines[0] and "english" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()


def test_a_failing_run_ends_with_one_error_line_naming_the_item(
    gold_translator, prefect_api, tmp_path
):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "s1", "lang": "en", "text": "ok"}\n{oops\n')
    done = _cli_api(prefect_api, *_base(bad, gold_translator.url, tmp_path / "out"))
    assert done.returncode == 1
    err = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(err) == 1 and err[0].startswith("error:") and "bad.jsonl:2" in err[0], done.stderr
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream and "ERROR" not in stream


def test_the_embedded_endpoint_never_gets_the_hosted_key(
    gold_translator, prefect_api, source_file, tmp_path
):
    """No --base-url: the run uses the embedded model's server found in the data dir (here our
    test server stands in for it, as anything that can write server.json could). The hosted
    OPENAI_API_KEY must not reach it."""
    data = tmp_path / "data"
    (data / "run").mkdir(parents=True)
    port = int(gold_translator.url.rsplit(":", 1)[1].split("/")[0])
    (data / "run" / "server.json").write_text(json.dumps({"pid": os.getpid(), "port": port}))
    src = source_file(3)
    done = _cli_api(
        prefect_api,
        "--source",
        str(src),
        "--format",
        "jsonl",
        "--source-lang",
        "en",
        "--target-lang",
        "de",
        "--no-review",
        "--outputs",
        str(tmp_path / "out"),
        env={"PARALLELNER_DATA_DIR": str(data), "OPENAI_API_KEY": SECRET},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert gold_translator.requests, "the run never called the embedded endpoint"
    for req in gold_translator.requests:
        assert SECRET not in json.dumps(req.headers)
        assert req.headers.get("authorization") == "Bearer local"


def test_refine_rounds_from_the_config_file_reach_the_run(
    gold_translator, prefect_api, source_file, tmp_path
):
    cfg = tmp_path / "settings.toml"
    cfg.write_text("[llm]\nrefine_rounds = 1\n[run]\nchunk_size = 2\n")
    src = source_file(2)
    done = _cli_api(
        prefect_api,
        *_base(src, gold_translator.url, tmp_path / "out", "--run-id", "r1", "-c", str(cfg)),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    params = load_manifest(tmp_path / "out" / "r1")[1].params
    assert params.refine_rounds == 1 and params.chunk_size == 2


def test_run_id_alone_resumes_with_the_recorded_options_and_a_change_is_refused(
    gold_translator, prefect_api, source_file, tmp_path
):
    src = source_file(4)
    out = tmp_path / "out"
    first = _cli_api(
        prefect_api, *_base(src, gold_translator.url, out, "--run-id", "rr", "--limit", "3")
    )
    assert first.returncode == 0, first.stdout + first.stderr
    calls = gold_translator.chat_calls
    again = _cli_api(
        prefect_api, "--run-id", "rr", "--outputs", str(out), "--base-url", gold_translator.url
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Resuming run rr" in again.stdout
    assert gold_translator.chat_calls == calls  # nothing asked again
    assert len(read_jsonl(RunPaths(out / "rr").final, ParallelSample)) == 3
    changed = _cli_api(
        prefect_api,
        "--run-id",
        "rr",
        "--outputs",
        str(out),
        "--base-url",
        gold_translator.url,
        "--limit",
        "4",
    )
    assert changed.returncode == 1
    assert "limit: 3 -> 4" in changed.stderr


def test_the_prefect_server_ends_with_a_killed_cli(gold_translator, source_file, tmp_path):
    gold_translator.delay = 0.5
    src = source_file(12)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parallelner",
            "run",
            *_base(
                src,
                gold_translator.url,
                tmp_path / "out",
                "--run-id",
                "k",
                "--chunk-size",
                "2",
                "--concurrency",
                "1",
            ),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    paths = RunPaths(tmp_path / "out" / "k")
    deadline = time.monotonic() + 180
    while not paths.chunk(0, "translate").exists():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.2)
    servers = [
        p
        for p in psutil.Process(proc.pid).children(recursive=True)
        if "prefect.server.api.server:create_app" in " ".join(p.cmdline())
    ]
    assert servers, "no Prefect server was started by the run"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(servers, timeout=60)  # a graceful stop, on a loaded machine
    assert not alive, f"Prefect server outlived the CLI: {[p.pid for p in alive]}"


def test_a_second_run_on_the_same_run_id_refuses_naming_the_first(
    gold_translator, prefect_api, source_file, tmp_path
):
    gold_translator.delay = 0.5
    src = source_file(8)
    args = _base(
        src,
        gold_translator.url,
        tmp_path / "out",
        "--run-id",
        "twice",
        "--chunk-size",
        "2",
        "--concurrency",
        "1",
    )
    first = subprocess.Popen(
        [sys.executable, "-m", "parallelner", "run", *args],
        env={**os.environ, "PREFECT_API_URL": prefect_api},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        lock = tmp_path / "out" / "twice" / "run.lock"
        deadline = time.monotonic() + 120
        while not (lock.exists() and lock.read_text().strip()):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        second = _cli_api(prefect_api, *args)
        assert second.returncode == 1
        assert f"pid {first.pid}" in second.stderr and "--run-id" in second.stderr
    finally:
        first.kill()
        first.wait()
    # a lock left by kill -9 is stale: the next run takes it over and finishes
    gold_translator.delay = 0.0
    done = _cli_api(prefect_api, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(read_jsonl(RunPaths(tmp_path / "out" / "twice").final, ParallelSample)) == 8
