"""The Prefect API a run reports to: the user's (``PREFECT_API_URL``), or a private one that lives
exactly as long as the process that started it.

Prefect's own temporary server outlives a CLI killed with -9 (it is reaped by init and keeps its
port) and gives up after its short start-up timeout on a busy machine. This one is the same
server (``prefect.server.api.server:create_app`` under uvicorn, bound to 127.0.0.1, UI off), started
with the kernel's parent-death signal, so it ends with its parent whatever the way the parent
ends; and it is waited for as long as ``timeout`` says.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx

from parallelner.errors import ParallelNERError

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask the kernel to send SIGTERM when the parent dies (Linux); elsewhere a no-op."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# One private server per process, stopped at exit: Prefect's background services (events, logs)
# drain into it after the last flow, so it must outlive every flow of the process.
_private: dict[str, Any] = {}


@contextlib.contextmanager
def prefect_api(timeout: float = 180.0) -> Iterator[str]:
    """Yield the API URL flows should report to. With ``PREFECT_API_URL`` set, that server (its UI
    shows the run); otherwise this process's private server, started on first use."""
    given = os.environ.get("PREFECT_API_URL")
    if given:
        yield given
        return
    proc = _private.get("proc")
    if proc is None or proc.poll() is not None:
        _private["proc"], _private["url"] = _start_private(timeout)
    yield _private["url"]


def _start_private(timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    import prefect

    port = _free_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "error", "--lifespan", "on"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(proc, url, timeout)
    except BaseException:
        _stop(proc)
        raise
    atexit.register(_stop, proc)
    return proc, url


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = (proc.stderr.read() if proc.stderr else b"").decode(errors="replace")
                raise ParallelNERError(
                    f"the Prefect API server exited with code {proc.returncode} before it "
                    f"answered: {err.strip()[-500:] or 'no output'}"
                )
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise ParallelNERError(
        f"the Prefect API server did not answer within {timeout:.0f} s at {url}; is the machine "
        "overloaded? (set PREFECT_API_URL to use a running `prefect server start`)"
    )
