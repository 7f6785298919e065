"""The three server calls that need painless scripts, through the patched launcher against osmem.

Response create/update (the UI's Submit and Save draft), response delete and suggestion delete go
over Argilla's REST API exactly as the web UI sends them; the search index must follow each.
"""

from __future__ import annotations

import warnings

import argilla as rg
import httpx

from annotation.review import push_run


def _submitted_ids(ds: rg.Dataset) -> set[str]:
    query = rg.Query(filter=rg.Filter(("response.status", "==", "submitted")))
    return {r.id for r in ds.records(query=query)}


def test_response_and_suggestion_updates_reach_the_index(run_dir, stack_settings, owner, annotator,
                                                         local_stack):
    settings = stack_settings.model_copy(update={"review": stack_settings.review.model_copy(
        update={"audit_fraction": 0.0, "dataset_per": "run"})})
    report = push_run(run_dir, settings)
    name = next(d.name for d in report.datasets if d.name.endswith("en-zh"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = owner.datasets(name, workspace=owner.workspaces(settings.review.workspace))
    record = next(r for r in ds.records() if r.id == "pud-en-0002")
    api = f"{local_stack.url}/api/v1"
    as_annotator = {"X-Argilla-Api-Key": annotator.api_key}
    as_owner = {"X-Argilla-Api-Key": local_stack.credentials().api_key}

    draft = httpx.post(f"{api}/records/{record._server_id}/responses", headers=as_annotator,
                       json={"values": {"usable": {"value": "yes"}}, "status": "draft"})
    assert draft.status_code == 201, draft.text
    assert _submitted_ids(ds) == set()
    submitted = httpx.put(f"{api}/responses/{draft.json()['id']}", headers=as_annotator,
                          json={"values": {"usable": {"value": "yes"}}, "status": "submitted"})
    assert submitted.status_code == 200, submitted.text
    assert _submitted_ids(ds) == {"pud-en-0002"}

    deleted = httpx.delete(f"{api}/responses/{draft.json()['id']}", headers=as_annotator)
    assert deleted.status_code == 200, deleted.text
    assert _submitted_ids(ds) == set()

    suggestions = httpx.get(f"{api}/records/{record._server_id}/suggestions", headers=as_owner)
    spans = next(s for s in suggestions.json()["items"]
                 if s["value"] and isinstance(s["value"], list))
    gone = httpx.delete(f"{api}/suggestions/{spans['id']}", headers=as_owner)
    assert gone.status_code == 200, gone.text
    left = httpx.get(f"{api}/records/{record._server_id}/suggestions", headers=as_owner).json()
    assert spans["id"] not in {s["id"] for s in left["items"]}
