"""The few Argilla REST calls the SDK does not offer: records with their responses' ids and times,
a response's status, a record's metadata, deleting records by id.

Through the SDK's own HTTP client (same URL, key and timeouts); errors surface as httpx errors,
which :func:`annotation.client.argilla_errors` turns into one clear message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import argilla as rg

PAGE = 1000  # the server's largest page


def _http(client: rg.Argilla):
    return client.api.http_client


def iter_records(client: rg.Argilla, dataset_id: object) -> Iterator[dict[str, Any]]:
    """Every record of a dataset with all users' responses, oldest first."""
    offset = 0
    while True:
        resp = _http(client).get(f"/api/v1/datasets/{dataset_id}/records",
                                 params={"include": "responses", "offset": offset, "limit": PAGE})
        resp.raise_for_status()
        items = resp.json()["items"]
        yield from items
        if len(items) < PAGE:
            return
        offset += len(items)


def record_update(record: dict[str, Any], metadata: dict[str, Any], fields: dict[str, Any],
                  drafts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One item of :func:`update_records`: new metadata and fields, and responses to turn back
    into drafts (their values kept). Responses not named are left as they are."""
    item: dict[str, Any] = {"id": record["id"], "metadata": metadata, "fields": fields}
    if drafts:
        item["responses"] = [{"values": r.get("values"), "status": "draft",
                              "user_id": r["user_id"]} for r in drafts]
    return item


def update_records(client: rg.Argilla, dataset_id: object, items: list[dict[str, Any]]) -> None:
    """Apply record updates, 100 per call (the server's bulk upsert: one call, one re-index)."""
    for start in range(0, len(items), 100):
        body = {"items": items[start : start + 100]}
        _http(client).put(f"/api/v1/datasets/{dataset_id}/records/bulk",
                          json=body).raise_for_status()


def delete_records(client: rg.Argilla, dataset_id: object, record_ids: list[str]) -> None:
    """Delete records (and their responses) by their server ids, 100 at a time."""
    for start in range(0, len(record_ids), 100):
        ids = ",".join(record_ids[start : start + 100])
        _http(client).delete(f"/api/v1/datasets/{dataset_id}/records",
                             params={"ids": ids}).raise_for_status()
