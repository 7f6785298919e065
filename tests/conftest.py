"""Test-session settings: offline hubs, a private Prefect home, paths to the gold corpora."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="parallelner-prefect-"))

import pytest  # noqa: E402

# Fixtures of the LLM layer (our OpenAI-protocol test server); tests/ is on sys.path.
pytest_plugins = ("llm_fixtures",)

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "data" / "gold"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return GOLD


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
