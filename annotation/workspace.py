"""Find or create the project's workspace and datasets, quietly (the SDK warns on every lookup
that finds nothing and draws a tqdm bar per batch: we report ourselves)."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator

import argilla as rg


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore", UserWarning)
        yield


def find_workspace(client: rg.Argilla, name: str) -> rg.Workspace | None:
    with quiet():
        return client.workspaces(name)


def find_dataset(client: rg.Argilla, name: str, workspace: rg.Workspace) -> rg.Dataset | None:
    with quiet():
        return client.datasets(name, workspace=workspace)


def workspace(client: rg.Argilla, name: str) -> rg.Workspace:
    found = find_workspace(client, name)
    if found is None:
        found = rg.Workspace(name=name, client=client).create()
    return found
