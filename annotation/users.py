"""Annotator accounts in the project's workspace, so every answer is attributed to a person.

A new account gets a generated password (:mod:`secrets`); the caller shows it once or writes it
to a file only its user can read. Only annotator accounts are removed, never the owner.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import argilla as rg

from parallelner.config import Settings
from parallelner.errors import ConfigError

from .client import argilla_errors, connect, endpoint
from .workspace import find_workspace, quiet, workspace

ROLE = "annotator"


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    in_workspace: bool


@dataclass(frozen=True)
class NewAccount:
    """A created account. ``repr`` hides the password so it never reaches a log."""

    username: str
    password: str
    workspace: str

    def __repr__(self) -> str:
        return f"NewAccount(username={self.username!r}, workspace={self.workspace!r}, ...)"


def _find_user(client: rg.Argilla, username: str) -> rg.User | None:
    with quiet():
        return client.users(username)


def add_user(settings: Settings, username: str) -> NewAccount:
    """Create an annotator with a generated password and add them to the project's workspace."""
    client = connect(settings)
    with argilla_errors(endpoint(settings)[0]):
        if _find_user(client, username) is not None:
            raise ConfigError(f"Argilla user {username!r} exists already: pick another name, or "
                              f"`parallelner review users remove {username}` first")
        password = secrets.token_urlsafe(12)
        user = rg.User(username=username, password=password, role=ROLE, client=client).create()
        workspace(client, settings.review.workspace).add_user(user)
    return NewAccount(username, password, settings.review.workspace)


def list_users(settings: Settings) -> list[Account]:
    """Every account the server knows, and whether it can see the project's workspace."""
    client = connect(settings)
    with argilla_errors(endpoint(settings)[0]):
        ws = find_workspace(client, settings.review.workspace)
        members = {u.username for u in ws.users} if ws is not None else set()
        return sorted((Account(u.username, str(getattr(u.role, "value", u.role)),
                               u.username in members) for u in client.users),
                      key=lambda a: a.username)


def remove_user(settings: Settings, username: str) -> None:
    """Delete an annotator account (their submitted answers stay in Argilla)."""
    client = connect(settings)
    with argilla_errors(endpoint(settings)[0]):
        user = _find_user(client, username)
        if user is None:
            raise ConfigError(f"no Argilla user {username!r}: see `parallelner review users list`")
        role = str(getattr(user.role, "value", user.role))
        if role != ROLE:
            raise ConfigError(f"{username!r} is an {role}, not an annotator: not removed")
        user.delete()


def annotators(client: rg.Argilla, name: str) -> list[str]:
    """Usernames of the annotators of a workspace (who the audit is shared between)."""
    ws = find_workspace(client, name)
    if ws is None:
        return []
    return sorted(u.username for u in ws.users
                  if str(getattr(u.role, "value", u.role)) == ROLE)


def write_password_file(path: Path, account: NewAccount) -> None:
    """``username:password`` in a new file readable by its user only (0600 from the first byte)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{account.username}:{account.password}\n")
