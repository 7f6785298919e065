"""Push an exported dataset folder (parquet configs + card) to the Hugging Face Hub.

Everything that can be checked before the upload is checked first and fails at once with a
clear message: a malformed repo id, a folder that was not exported, offline mode
(``HF_HUB_OFFLINE``), no ``HF_TOKEN``, a Hub endpoint that does not answer. The token is read
from the environment only and never printed.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from ..errors import ConfigError, InputError, PublishError
from .write import CONFIG_DIRS

REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
UPLOAD_PATTERNS = ["README.md", *(f"{d}/*.parquet" for d in CONFIG_DIRS.values())]
_TRUE = {"1", "ON", "YES", "TRUE"}
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def dataset_dir_of(run: str | Path) -> Path:
    """A run folder's ``dataset/``, or the path itself if it already is a dataset folder."""
    run = Path(run)
    return run if (run / "README.md").is_file() and (run / "data").is_dir() else run / "dataset"


def check_ready(
    dataset_dir: Path, repo_id: str, environ: Mapping[str, str], endpoint: str, timeout: float = 5.0
) -> str:
    """Every check that needs no upload; returns the token."""
    if not REPO_ID_RE.match(repo_id):
        raise ConfigError(f"repo id must look like ORG/NAME, got {repo_id!r}")
    shards = list((dataset_dir / "data").glob("*.parquet"))
    if not (dataset_dir / "README.md").is_file() or not shards:
        raise InputError("no exported dataset here (README.md + data/*.parquet); run "
                         "`parallelner export RUN` first", str(dataset_dir))
    if environ.get("HF_HUB_OFFLINE", "").upper() in _TRUE:
        raise PublishError("offline mode is on (HF_HUB_OFFLINE): publishing needs the network; "
                           "unset HF_HUB_OFFLINE to publish")
    token = environ.get("HF_TOKEN", "").strip()
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN to a token with write access "
                           "(https://huggingface.co/settings/tokens)")
    if any(environ.get(k) for k in _PROXY_VARS):
        return token  # the Hub is reached through a proxy: the upload itself will tell
    url = urlparse(endpoint)
    host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise PublishError(f"cannot reach the Hub at {endpoint} ({exc}); publishing needs network "
                           "access") from None
    return token


def publish(
    run: str | Path,
    repo_id: str,
    private: bool = False,
    environ: Mapping[str, str] | None = None,
    endpoint: str | None = None,
) -> str:
    """Create (or reuse) the dataset repo, upload the card and parquet configs; return its URL."""
    from huggingface_hub import HfApi, constants

    environ = os.environ if environ is None else environ
    endpoint = endpoint or constants.ENDPOINT
    dataset_dir = dataset_dir_of(run)
    token = check_ready(dataset_dir, repo_id, environ, endpoint)
    api = HfApi(endpoint=endpoint, token=token)
    try:
        repo = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(
            repo_id=repo_id, repo_type="dataset", folder_path=str(dataset_dir),
            allow_patterns=UPLOAD_PATTERNS,
            delete_patterns=[f"{d}/*.parquet" for d in CONFIG_DIRS.values()],
            commit_message="parallelner publish",
        )
    except Exception as exc:  # HTTP, auth, quota: one clear line, the token never in it
        raise PublishError(f"upload to {repo_id} failed: {type(exc).__name__}: {exc}") from None
    return str(repo)
