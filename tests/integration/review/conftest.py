"""The real local Argilla stack for the review tests: started once per session (reused if up).

Each session works in its own workspace and dataset prefix and deletes its datasets, its
annotators and the workspace at the end, so a developer's own review data is never touched.
Every test in this folder is marked ``integration`` (by the hook below: a ``pytestmark`` in a
conftest marks nothing), so ``-m "not integration"`` starts no Argilla.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import argilla as rg
import httpx
import pytest

from annotation import rawapi
from annotation.client import connect
from annotation.stack import LocalStack
from annotation.users import add_user
from parallelner.config import Settings, load_settings
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack_settings() -> Settings:
    """Settings of the local stack this session uses (PARALLELNER_DATA_DIR or the default)."""
    tag = uuid.uuid4().hex[:8]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ARGILLA_")}
    return load_settings(overrides={"review": {"workspace": f"pn-tests-{tag}",
                                               "dataset_prefix": f"pn-test-{tag}"}},
                         environ=environ)


@pytest.fixture(scope="session")
def local_stack(stack_settings: Settings):
    stack = LocalStack(stack_settings)
    was_up = stack.status().up
    status = stack.up()
    print(f"\nlocal Argilla stack: {status.url} (up in {status.seconds:.1f} s, reused={was_up})")
    yield stack
    client = connect(stack_settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workspace = client.workspaces(stack_settings.review.workspace)
    if workspace is not None:
        for ds in workspace.datasets:
            ds.delete()
        for user in list(workspace.users):
            workspace.remove_user(user)
        workspace.delete()
    if not was_up:
        stack.down()


@pytest.fixture(scope="session")
def owner(local_stack: LocalStack, stack_settings: Settings) -> rg.Argilla:
    return connect(stack_settings)


@dataclass
class Annotator:
    username: str
    password: str
    user: rg.User
    api_key: str


def _annotator(owner: rg.Argilla, settings: Settings, stack: LocalStack):
    """An annotator made by `review users add` (the project's code), with their API key."""
    account = add_user(settings, f"annotator-{uuid.uuid4().hex[:6]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        user = owner.users(account.username)
    resp = httpx.get(f"{stack.url}/api/v1/users/{user.id}",
                     headers={"X-Argilla-Api-Key": stack.credentials().api_key})
    resp.raise_for_status()
    yield Annotator(account.username, account.password, user, resp.json()["api_key"])
    user.delete()


@pytest.fixture(scope="session")
def annotator(owner: rg.Argilla, stack_settings: Settings, local_stack: LocalStack) -> Annotator:
    """A user, role annotator, in the test workspace."""
    yield from _annotator(owner, stack_settings, local_stack)


@pytest.fixture(scope="session")
def second_annotator(owner: rg.Argilla, stack_settings: Settings, local_stack: LocalStack,
                     annotator: Annotator) -> Annotator:
    """Another annotator: with two in the workspace, audited records need two answers each."""
    yield from _annotator(owner, stack_settings, local_stack)


@pytest.fixture
def review_samples(fixtures_dir: Path) -> list[ParallelSample]:
    return read_jsonl(fixtures_dir / "review" / "samples.jsonl", ParallelSample)


@pytest.fixture
def run_dir(tmp_path: Path, fixtures_dir: Path) -> Path:
    """A run folder outputs/<run-id>/ holding aligned.jsonl, as the flow writes it."""
    run = tmp_path / "outputs" / f"run-{uuid.uuid4().hex[:6]}"
    run.mkdir(parents=True)
    shutil.copy(fixtures_dir / "review" / "samples.jsonl", run / "aligned.jsonl")
    return run


@pytest.fixture(scope="session")
def submit():
    return submit_answer


def submit_answer(owner: rg.Argilla, settings: Settings, dataset: str, sample_id: str,
                  user: rg.User, status: str = "submitted", **values: object) -> None:
    """Write one user's answer to a record through the API, as that user (user_id); an answer
    they gave before is replaced, as when they change it in the browser."""
    workspace = owner.workspaces(settings.review.workspace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = owner.datasets(dataset, workspace=workspace)
    raw = next(r for r in rawapi.iter_records(owner, ds.id) if r["external_id"] == sample_id)
    mine = [r for r in raw.get("responses") or [] if r["user_id"] == str(user.id)]
    if mine:
        body = {"values": {q: {"value": v} for q, v in values.items()}, "status": status}
        owner.api.http_client.put(f"/api/v1/responses/{mine[0]['id']}",
                                  json=body).raise_for_status()
        return
    record = next(r for r in ds.records(with_suggestions=True, with_responses=True)
                  if r.id == sample_id)
    for question, value in values.items():
        record.responses.add(rg.Response(question, value, user_id=user.id, status=status))
    ds.records.log([record])
