"""Fixtures for the LLM layer: our OpenAI-protocol server (one per session, reset per test) and
Settings that point at it with fast retries and a private cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import ChatServer

from parallelner.config import Settings, load_settings


@pytest.fixture(scope="session")
def _chat_server() -> Iterator[ChatServer]:
    server = ChatServer().start()
    yield server
    server.stop()


@pytest.fixture()
def llm_server(_chat_server: ChatServer) -> Iterator[ChatServer]:
    _chat_server.reset()
    yield _chat_server
    _chat_server.reset()


@pytest.fixture()
def llm_settings(llm_server: ChatServer, tmp_path: Path) -> Settings:
    """Settings for the test server: tiny backoff delays, cache in tmp_path. The timeout is long
    (30 s) so that exact call counts hold on a loaded machine: no test here waits for it."""
    return load_settings(
        overrides={
            "data_dir": str(tmp_path / "data"),
            "llm": {
                "base_url": llm_server.url,
                "model": "test-model",
                "timeout": 30.0,
                "retry_base_delay": 0.01,
                "retry_max_delay": 0.05,
                "max_retries": 3,
                "cache_path": str(tmp_path / "cache.sqlite"),
            },
        },
        environ={},
    )
