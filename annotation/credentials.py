"""Where the local Argilla stack keeps its state, and its per-installation credentials.

Nothing here is hard-coded: the owner's password and API key are generated once per
installation with :mod:`secrets` and stored in a file only its user can read (0600).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from parallelner.errors import ConfigError

OWNER_USERNAME = "parallelner"


@dataclass(frozen=True)
class StackPaths:
    """All files of the local stack, under ``<data_dir>/argilla`` (outside git)."""

    root: Path

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def venv_stamp(self) -> Path:
        return self.venv / ".parallelner-installed"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.json"

    @property
    def auth_secret(self) -> Path:
        return self.root / "auth-secret"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def database(self) -> Path:
        return self.root / "argilla.db"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    def make_dirs(self) -> None:
        for path in (self.root, self.home, self.redis_dir, self.logs, self.run):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)


@dataclass(frozen=True)
class Credentials:
    """The local owner's login. ``repr`` hides the secrets so they never reach a log."""

    username: str
    password: str
    api_key: str
    workspace: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, workspace={self.workspace!r}, ...)"

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def generate_credentials(workspace: str) -> Credentials:
    return Credentials(
        username=OWNER_USERNAME,
        password=secrets.token_urlsafe(18),
        api_key="pn." + secrets.token_urlsafe(32),
        workspace=workspace,
    )


def load_credentials(path: Path) -> Credentials | None:
    """Read the stored credentials; refuse a file others can read (it holds the owner's key)."""
    if not path.exists():
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(
            f"{path}: credentials must be readable by their user only (mode 0600), found "
            f"{oct(mode)}; fix with: chmod 600 {path}"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(**data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: unreadable credentials file ({exc})") from exc


def _write_new_0600(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def ensure_auth_secret(path: Path) -> str:
    """The key the server signs login sessions with, generated once and kept 0600.

    Without it argilla-server draws a new key at each start, so `review down`/`up` logged every
    reviewer out.
    """
    if not path.exists():
        _write_new_0600(path, secrets.token_hex(32))
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path}: the auth secret must be readable by its user only (mode "
                          f"0600), found {oct(mode)}; fix with: chmod 600 {path}")
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < 32:
        raise ConfigError(f"{path}: auth secret too short; delete the file to make a new one "
                          "(everyone logs in again)")
    return secret


def ensure_credentials(path: Path, workspace: str) -> tuple[Credentials, bool]:
    """Load the credentials or create them (0600 from the first byte). Returns (creds, created)."""
    found = load_credentials(path)
    if found is not None:
        return found, False
    creds = generate_credentials(workspace)
    _write_new_0600(path, creds.to_json())
    return creds, True
