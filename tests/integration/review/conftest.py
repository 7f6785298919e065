"""The real local Argilla stack for the review tests: started once per session (reused if up).

Each session works in its own workspace and dataset prefix and deletes its datasets at the end,
so a developer's own review datasets are never touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import argilla as rg
import httpx
import pytest

from annotation.client import connect
from annotation.stack import LocalStack
from parallelner.config import Settings, load_settings
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample

pytestmark = pytest.mark.integration


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
    workspace = client.workspaces(stack_settings.review.workspace)
    if workspace is not None:
        for ds in workspace.datasets:
            ds.delete()
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


@pytest.fixture(scope="session")
def annotator(owner: rg.Argilla, stack_settings: Settings, local_stack: LocalStack) -> Annotator:
    """A second user, role annotator, created through the SDK and added to the test workspace."""
    name = f"annotator-{uuid.uuid4().hex[:6]}"
    password = secrets.token_urlsafe(12)
    user = rg.User(username=name, password=password, role="annotator", client=owner).create()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workspace = owner.workspaces(stack_settings.review.workspace)
    if workspace is None:
        workspace = rg.Workspace(name=stack_settings.review.workspace, client=owner).create()
    workspace.add_user(user)
    creds = local_stack.credentials()
    resp = httpx.get(f"{local_stack.url}/api/v1/users/{user.id}",
                     headers={"X-Argilla-Api-Key": creds.api_key})
    resp.raise_for_status()
    yield Annotator(name, password, user, resp.json()["api_key"])
    user.delete()


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
    """Write one user's answer to a record through the SDK, as that user (user_id)."""
    workspace = owner.workspaces(settings.review.workspace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = owner.datasets(dataset, workspace=workspace)
    record = next(r for r in ds.records(with_suggestions=True, with_responses=True)
                  if r.id == sample_id)
    for question, value in values.items():
        record.responses.add(rg.Response(question, value, user_id=user.id, status=status))
    ds.records.log([record])
