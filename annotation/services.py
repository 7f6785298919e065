"""Small process helpers for the local stack: start detached, pid files, health polling, stop.

Each service is one process we start ourselves; its pid file lets a later ``review down`` (in
another process) stop exactly that process, after checking the pid still runs the same program.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from parallelner.errors import ParallelNERError

HOST = "127.0.0.1"


class StackError(ParallelNERError):
    """The local Argilla stack cannot be brought up (or down) as asked."""


@dataclass
class Service:
    """One process of the stack: how to start it, how to know it answers, where it logs."""

    name: str
    port: int
    command: list[str]
    healthy: Callable[[], bool]
    run_dir: Path
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid we started, if that process still runs our program."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        # redis-server rewrites its title to "/usr/bin/redis-server 127.0.0.1:6379".
        first = cmdline[0].split(b" ")[0] if cmdline else b""
        if os.path.basename(first) != os.path.basename(self.command[0]).encode():
            return None
        return pid

    def start(self) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the CLI process; stopped by `review down`
                env={**os.environ, **self.env},
                cwd=self.run_dir,
            )
        self.pid_file.write_text(str(proc.pid))
        return proc

    def wait_healthy(self, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            if proc is not None and proc.poll() is not None:
                raise StackError(
                    f"{self.name} exited with code {proc.returncode} while starting; last log "
                    f"lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            time.sleep(0.2)
        raise StackError(
            f"{self.name} did not answer on 127.0.0.1:{self.port} within {timeout:.0f} s; "
            f"see {self.log_file}:\n{tail(self.log_file)}"
        )

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the process we started (SIGTERM, then SIGKILL). True if one was running."""
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours counts as gone; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        stat = Path(f"/proc/{pid}/stat")
        try:
            return stat.read_text().split(") ", 1)[1][0] != "Z"
        except (OSError, IndexError):
            return False


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def http_ok(url: str, headers: dict[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, headers=headers, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
