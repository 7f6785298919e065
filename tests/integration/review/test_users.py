"""`parallelner review users add|list|remove` against the real local stack, as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]


def _cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGILLA_")}
    env.update(PYTHONPATH=str(REPO), COLUMNS="200",
               PARALLELNER_REVIEW__WORKSPACE=settings.review.workspace,
               PARALLELNER_DATA_DIR=str(settings.data_dir))
    return subprocess.run([sys.executable, "-m", "parallelner", "review", "users", *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_users_add_list_remove(stack_settings, local_stack, tmp_path):
    name = f"ann-{uuid.uuid4().hex[:6]}"
    secret = tmp_path / "pw"
    added = _cli(stack_settings, "add", name, "--password-file", str(secret))
    assert added.returncode == 0, added.stderr
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    user, password = secret.read_text().strip().split(":", 1)
    assert user == name and password not in added.stdout  # written, not shown
    # The new account logs in with that password.
    login = httpx.post(f"{local_stack.url}/api/v1/token",
                       data={"username": name, "password": password})
    assert login.status_code == 201

    listed = _cli(stack_settings, "list")
    row = next(line for line in listed.stdout.splitlines() if name in line)
    assert "annotator" in row and "yes" in row  # in the project's workspace

    again = _cli(stack_settings, "add", name)
    assert again.returncode == 1 and "exists already" in again.stderr

    shown = _cli(stack_settings, "add", name + "-b")
    assert "password (shown once):" in shown.stdout
    assert _cli(stack_settings, "remove", name + "-b").returncode == 0

    owner = _cli(stack_settings, "remove", "parallelner")
    assert owner.returncode == 1 and "not an annotator" in owner.stderr
    assert _cli(stack_settings, "remove", name).returncode == 0
    assert name not in _cli(stack_settings, "list").stdout
