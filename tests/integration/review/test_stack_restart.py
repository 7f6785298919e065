"""The real stack goes down in the middle of a review and comes back: nothing is lost.

osmem keeps its index in memory only, so `up` must rebuild it from the database; a submitted
answer must still be found by a search after the restart, and pull must merge it.
"""

from __future__ import annotations

import warnings

import argilla as rg
import httpx
import pytest

from annotation.client import ReviewUnavailableError, connect
from annotation.review import pull_run, push_run
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample, Status


def test_down_then_up_keeps_queue_answers_and_index(run_dir, stack_settings, local_stack, owner,
                                                     annotator, submit):
    settings = stack_settings.model_copy(update={"review": stack_settings.review.model_copy(
        update={"audit_fraction": 0.0})})
    report = push_run(run_dir, settings)
    zh = next(d.name for d in report.datasets if d.name.endswith("en-zh"))
    submit(owner, settings, zh, "pud-en-0003", annotator.user, usable="fixed", spans=[
        {"start": 0, "end": 2, "label": "ORG"}, {"start": 5, "end": 7, "label": "LOC"}])
    queue = (run_dir / "review_queue.jsonl").read_bytes()
    # A reviewer logged in to the UI (a session token, as the browser holds it).
    login = httpx.post(f"{local_stack.url}/api/v1/token",
                       data={"username": annotator.username, "password": annotator.password})
    login.raise_for_status()
    session = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert httpx.get(f"{local_stack.url}/api/v1/me", headers=session).status_code == 200

    assert "argilla" in local_stack.down()
    try:
        with pytest.raises(ReviewUnavailableError, match="not reachable"):
            push_run(run_dir, settings)
        with pytest.raises(ReviewUnavailableError, match="not reachable"):
            pull_run(run_dir, settings)
        assert (run_dir / "review_queue.jsonl").read_bytes() == queue
        assert not (run_dir / "reviewed.jsonl").exists()
    finally:
        status = local_stack.up()
    print(f"\nrestart (`up` after `down`, index rebuilt): {status.seconds:.1f} s")
    # Still logged in: the server signs sessions with the stack's persistent secret.
    assert httpx.get(f"{local_stack.url}/api/v1/me", headers=session).status_code == 200

    client = connect(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = client.datasets(zh, workspace=client.workspaces(settings.review.workspace))
    query = rg.Query(filter=rg.Filter(("response.status", "==", "submitted")))
    assert [r.id for r in ds.records(query=query)] == ["pud-en-0003"]

    result = pull_run(run_dir, settings)
    assert result.outcomes == {"changed": 1, "pending": 2}
    merged = {s.id: s for s in read_jsonl(run_dir / "reviewed.jsonl", ParallelSample)}
    assert merged["pud-en-0003"].status == Status.accepted
