"""No key anywhere: console output, run folder, data dir, Prefect's home, temporary files."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from run_cli import run, run_command, run_env

pytestmark = pytest.mark.integration


def _holding(root: Path, secrets: list[str], since: float = 0.0) -> list[str]:
    """Files under ``root`` (changed since ``since``, under 50 MB) that hold one of ``secrets``."""
    found = []
    for p in root.rglob("*"):
        try:
            if not p.is_file() or p.is_symlink():
                continue
            st = p.stat()
            if st.st_mtime < since or st.st_size > 50_000_000:
                continue
            data = p.read_bytes()
        except OSError:  # another process's file, gone or unreadable
            continue
        if any(s.encode() in data for s in secrets):
            found.append(str(p))
    return found


def test_no_key_in_console_output_logs_prefect_home_or_any_file(gold_translator, prefect_api,
                                                                source_file, tmp_path):
    """Unique canaries as OPENAI_API_KEY and ARGILLA_API_KEY, a run with review on (Argilla
    away) in its own PREFECT_HOME (where its task results are persisted) and data dir: neither
    key is in the console output, the run folder, the data dir, that home, or the home of the
    Prefect server the run reported to (its database of runs, parameters, states and logs)."""
    canaries = [f"sk-canary-{uuid.uuid4().hex}", f"argilla-canary-{uuid.uuid4().hex}"]
    prefect_home = tmp_path / "prefect-home"
    env = run_env(tmp_path, prefect_api, OPENAI_API_KEY=canaries[0], ARGILLA_API_KEY=canaries[1],
                  ARGILLA_API_URL="http://127.0.0.1:9", PREFECT_HOME=str(prefect_home),
                  PARALLELNER_REVIEW__AUDIT_FRACTION="1.0",  # every sample goes to people
                  PREFECT_LOGGING_LEVEL="DEBUG")
    cmd = run_command(source_file(3), gold_translator.url, tmp_path / "outputs", "keys",
                      "--chunk-size", "2")
    cmd.remove("--no-review")
    started = time.time()
    done = run(cmd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "review: not pushed" in " ".join(done.stdout.split())  # the Argilla path was taken
    # The key did reach the endpoint: a leak would have something to leak.
    assert all(r.headers["authorization"] == f"Bearer {canaries[0]}"
               for r in gold_translator.requests)
    # The server's database holds this run (its parameters name the run folder): the scan of
    # its home is not empty-handed.
    server_home = Path(os.environ["PREFECT_HOME"])
    db = b"".join(p.read_bytes() for p in server_home.glob("prefect.db*"))
    assert str(tmp_path / "outputs" / "keys").encode() in db
    for canary in canaries:
        assert canary not in done.stdout and canary not in done.stderr
    assert _holding(tmp_path, canaries) == []  # run folder, data dir, the run's PREFECT_HOME
    assert _holding(server_home, canaries) == []
    # ... nor anything the run wrote in the temporary directory (logs of Prefect's server too).
    assert _holding(Path(tempfile.gettempdir()), canaries, since=started - 1) == []
