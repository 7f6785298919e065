"""The local Argilla stack: Redis + osmem-server (OpenSearch API) + argilla-server, on 127.0.0.1.

``up`` is idempotent: it installs what is missing (Debian ``redis-server`` through apt-get when we
are root; the server's own virtual environment from ``server-requirements.txt`` pinned by
``server-constraints.txt``), generates per-installation credentials (0600), starts only the
services that do not answer yet, in the order the server needs (Redis and osmem, database
migration, owner user, re-index when osmem started empty, then the server through
``launcher.py``), and waits for each health check. ``down`` stops the processes it started;
``status`` reports without changing anything. State lives in ``<data_dir>/argilla`` (outside git).
osmem keeps its index in memory only; the SQLite database is the truth and is re-indexed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from parallelner.config import Settings

from .credentials import (
    Credentials,
    StackPaths,
    ensure_auth_secret,
    ensure_credentials,
    load_credentials,
)
from .services import HOST, Service, StackError, http_ok, port_open, redis_ping

HERE = Path(__file__).resolve().parent
LAUNCHER = HERE / "launcher.py"
REQUIREMENTS = HERE / "server-requirements.txt"
CONSTRAINTS = HERE / "server-constraints.txt"
REDIS_SERVER = "redis-server"


@dataclass
class ServiceState:
    name: str
    port: int
    healthy: bool
    pid: int | None
    started: bool = False  # started by this call


@dataclass
class StackStatus:
    url: str
    username: str | None
    credentials_path: Path
    services: list[ServiceState] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def up(self) -> bool:
        return bool(self.services) and all(s.healthy for s in self.services)


class LocalStack:
    """One local Argilla installation, described by the ``review`` section of the settings."""

    def __init__(self, settings: Settings) -> None:
        self.config = settings.review
        self.paths = StackPaths(Path(settings.data_dir) / "argilla")
        self.url = f"http://{HOST}:{self.config.port}"

    # ---- the three services -------------------------------------------------------------
    def _server_env(self) -> dict[str, str]:
        env = {
            "ARGILLA_SEARCH_ENGINE": "opensearch",  # "elasticsearch" gets HTTP 406 from osmem
            "ARGILLA_ELASTICSEARCH": f"http://{HOST}:{self.config.search_port}",
            "ARGILLA_DATABASE_URL": f"sqlite+aiosqlite:///{self.paths.database}",
            "ARGILLA_REDIS_URL": f"redis://{HOST}:{self.config.redis_port}/0",
            "ARGILLA_HOME_PATH": str(self.paths.home),
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "DO_NOT_TRACK": "1",
        }
        if self.paths.auth_secret.exists():
            # Sessions survive `down`/`up`: the server signs them with the same key every start.
            env["ARGILLA_AUTH_SECRET_KEY"] = ensure_auth_secret(self.paths.auth_secret)
        return env

    def _redis(self) -> Service:
        port = self.config.redis_port
        binary = shutil.which(REDIS_SERVER) or f"/usr/bin/{REDIS_SERVER}"
        command = [binary, "--bind", HOST, "--port", str(port), "--dir", str(self.paths.redis_dir),
                   "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                   "--daemonize", "no"]
        return Service("redis", port, command, lambda: redis_ping(port), self.paths.run,
                       self.paths.logs)

    def _search(self) -> Service:
        port = self.config.search_port
        command = [self._osmem_binary(), "--addr", f"{HOST}:{port}", "--no-stdin-watch"]
        return Service("osmem", port, command, lambda: http_ok(f"http://{HOST}:{port}/"),
                       self.paths.run, self.paths.logs)

    def _server(self) -> Service:
        command = [str(self.paths.python), str(LAUNCHER), "serve", "--port", str(self.config.port)]
        return Service("argilla", self.config.port, command,
                       lambda: http_ok(f"{self.url}/api/_status"), self.paths.run,
                       self.paths.logs, env=self._server_env())

    def _osmem_binary(self) -> str:
        found = list((self.paths.venv / "lib").glob(
            "python*/site-packages/osmem_server/bin/osmem-server"))
        return str(found[0]) if found else str(self.paths.venv / "bin" / "osmem-server")

    def services(self) -> list[Service]:
        return [self._redis(), self._search(), self._server()]

    # ---- installation ---------------------------------------------------------------------
    def ensure_redis_installed(self) -> None:
        if shutil.which(REDIS_SERVER):
            return
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            raise StackError("redis-server is not installed; install the Debian package "
                             "'redis-server' (apt-get install redis-server) and retry")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", REDIS_SERVER]
        if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise StackError(f"apt-get install redis-server failed:\n{done.stderr[-2000:]}")

    def ensure_server_venv(self) -> None:
        """Create the server's own venv and install the pinned server (skipped when current)."""
        digest = hashlib.sha256(REQUIREMENTS.read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
        stamp = self.paths.venv_stamp
        if stamp.exists() and stamp.read_text().strip() == digest and self.paths.python.exists():
            return
        if not self.paths.python.exists():
            self._run([sys.executable, "-m", "venv", str(self.paths.venv)],
                      "create the server venv")
        self._run([str(self.paths.python), "-m", "pip", "install", "--quiet",
                   "--disable-pip-version-check", "-r", str(REQUIREMENTS), "-c", str(CONSTRAINTS)],
                  "install argilla-server into its venv")
        stamp.write_text(digest)

    def _run(self, cmd: list[str], what: str, stdin: str | None = None) -> None:
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                              env={**os.environ, **self._server_env()}, cwd=self.paths.root)
        if done.returncode != 0:
            # stdout may echo secrets (argilla's user commands do): show stderr only.
            raise StackError(f"could not {what} (exit {done.returncode}):\n{done.stderr[-3000:]}")

    # ---- public commands ------------------------------------------------------------------
    def credentials(self) -> Credentials | None:
        return load_credentials(self.paths.credentials)

    def up(self) -> StackStatus:
        t0 = time.monotonic()
        self.paths.make_dirs()
        self.ensure_redis_installed()
        self.ensure_server_venv()
        creds, _ = ensure_credentials(self.paths.credentials, self.config.workspace)
        ensure_auth_secret(self.paths.auth_secret)
        redis, search, server = self.services()
        started: set[str] = set()
        timeout = self.config.start_timeout

        for svc in (redis, search):
            if not svc.healthy():
                self._refuse_foreign(svc)
                svc.wait_healthy(svc.start(), timeout)
                started.add(svc.name)

        server_up = server.healthy()
        if not server_up or "osmem" in started:
            # Schema first, then the owner, then the in-memory index rebuilt from the database.
            reindex = ["--reindex"] if "osmem" in started else []
            self._run([str(self.paths.python), str(LAUNCHER), "prepare", *reindex],
                      "migrate the database, create the owner and re-index", stdin=creds.to_json())
        if not server_up:
            self._refuse_foreign(server)
            server.wait_healthy(server.start(), timeout)
            started.add(server.name)
        self._check_login(creds)
        status = self.status()
        for state in status.services:
            state.started = state.name in started
        status.seconds = time.monotonic() - t0
        return status

    def _refuse_foreign(self, svc: Service) -> None:
        if port_open(svc.port):
            raise StackError(
                f"port 127.0.0.1:{svc.port} is taken by a program that is not a working "
                f"{svc.name}; stop it or choose another port (settings review.*port)"
            )

    def _check_login(self, creds: Credentials) -> None:
        try:
            resp = httpx.get(f"{self.url}/api/v1/me", headers={"X-Argilla-Api-Key": creds.api_key},
                             timeout=10.0)
        except httpx.HTTPError as exc:
            raise StackError(f"Argilla at {self.url} does not answer: {exc}") from exc
        if resp.status_code != 200:
            raise StackError(
                f"the Argilla server at {self.url} refuses the credentials in "
                f"{self.paths.credentials} (HTTP {resp.status_code}); it belongs to another "
                "installation: stop it or use another port"
            )

    def down(self) -> list[str]:
        """Stop what we started, server first. Returns the names of the stopped services."""
        return [svc.name for svc in reversed(self.services()) if svc.stop()]

    def status(self) -> StackStatus:
        creds = self.credentials() if self.paths.credentials.exists() else None
        states = [ServiceState(s.name, s.port, s.healthy(), s.pid()) for s in self.services()]
        return StackStatus(self.url, creds.username if creds else None, self.paths.credentials,
                           states)
