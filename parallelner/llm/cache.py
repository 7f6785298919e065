"""A content-addressed response cache in SQLite: a rerun or resumed run repeats no good call.

The key is the sha256 of the model, the prompt version, the exact messages and the sampling
parameters, so any change to what is asked is a different key. Only answers the task judged
usable are stored: a failed call, an empty answer, or a batched answer that could not be split
is asked again next time.

It also refuses a prompt version whose template changed since answers were cached under that
name (spacy-llm's ``BatchCache`` habit): provenance records the version, so a version must always
mean the same text. Edit a template => give it a new version.

No API key ever reaches this file: requests hold messages and parameters only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path

from ..errors import ConfigError
from .client import Completion, Request

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS prompts (
    version TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    created REAL NOT NULL
);
"""


def request_key(request: Request) -> str:
    """sha256 over everything that decides the answer, in a canonical JSON form."""
    payload = {
        "model": request.model,
        "prompt_version": request.prompt_version,
        "messages": [list(m) for m in request.messages],
        "params": request.params(),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """SQLite file; every put is committed at once so an interrupted run keeps its answers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self.hits = 0
        self.misses = 0

    def check_prompt(self, version: str, sha256: str) -> None:
        """Remember which template text a version means; refuse a changed one."""
        row = self._db.execute(
            "SELECT sha256 FROM prompts WHERE version = ?", (version,)
        ).fetchone()
        if row is None:
            with self._db:
                self._db.execute(
                    "INSERT INTO prompts VALUES (?, ?, ?)", (version, sha256, time.time())
                )
        elif row[0] != sha256:
            raise ConfigError(
                f"prompt {version!r} has changed since answers were cached with it in {self.path}. "
                "Give the edited template a new version (e.g. translate.v2) so provenance stays "
                "true, or delete the cache file to start over."
            )

    def contains(self, request: Request) -> bool:
        """A probe for estimates: does not count as a hit or a miss."""
        row = self._db.execute(
            "SELECT 1 FROM responses WHERE key = ?", (request_key(request),)
        ).fetchone()
        return row is not None

    def get(self, request: Request) -> Completion | None:
        row = self._db.execute(
            "SELECT text, prompt_tokens, completion_tokens, finish_reason FROM responses "
            "WHERE key = ?",
            (request_key(request),),
        ).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return Completion(
            text=row[0], model=request.model, prompt_tokens=row[1], completion_tokens=row[2],
            finish_reason=row[3], cached=True,
        )

    def put(self, request: Request, completion: Completion) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request_key(request), request.model, request.prompt_version, completion.text,
                    completion.prompt_tokens, completion.completion_tokens,
                    completion.finish_reason, time.time(),
                ),
            )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        self._db.close()
