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
# Prefect's temporary API server gets 20 s to start by default; on a loaded 2-core machine it
# can take longer ("Timed out while attempting to connect to ephemeral Prefect API server").
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="parallelner-prefect-"))
# Under pytest-xdist each worker is its own test session with its own Prefect server: one home
# (and SQLite database) each, inside the one scripts/test.sh removes.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _home = Path(os.environ["PREFECT_HOME"]) / os.environ["PYTEST_XDIST_WORKER"]
    _home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(_home)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests run on a loaded 2-core machine: no per-example deadline (Hypothesis' default
# 200 ms fails a correct test when the machine is busy), and slow data generation is no error.
settings.register_profile("parallelner", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("parallelner")

# Fixtures of the LLM layer (our OpenAI-protocol test server); tests/ is on sys.path.
pytest_plugins = ("llm_fixtures",)

# Tests that share one service run on one xdist worker, one after another: the review tests share
# the local Argilla stack (one of them stops and starts it), the embedded-model tests the two
# cores that the model alone fills. The rest spread freely, one test at a time. (xdist's own
# ``--dist loadgroup`` groups nothing under pytest 9.2: it renames ``item._nodeid``, which pytest
# no longer reads, so the groups are made here, in the scheduler.)
_SHARED = {
    "tests/integration/review/": "argilla",
    "tests/integration/llm/test_local_model.py": "embedded-model",
    "tests/integration/llm/test_run_local_model.py": "embedded-model",
}


def pytest_xdist_make_scheduler(config, log):  # noqa: ANN001, ANN201 - xdist's hook
    from xdist.scheduler import LoadScopeScheduling

    class SharedServiceScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((group for prefix, group in _SHARED.items()
                         if nodeid.startswith(prefix)), nodeid)

    return SharedServiceScheduling(config, log)


REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "data" / "gold"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return GOLD


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
