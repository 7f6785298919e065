"""Start argilla-server 2.8.0 against osmem-server: run INSIDE the server's own virtual environment.

osmem (the in-memory OpenSearch stand-in) does not run "painless" scripts. argilla-server 2.8.0
uses exactly three of them (``search_engine/commons.py``: ``update_record_response``,
``delete_record_response``, ``delete_record_suggestion``), all through
``OpenSearchEngine._update_document_request``. Without a fix the UI's Submit / Save draft /
Discard return HTTP 500 and the database and the index drift apart. This launcher replaces that
one method with read document -> same change in Python -> re-index, and fails loudly on any
script it does not know. It is guarded to the exact server version it was written against.

Imports only the standard library and argilla_server (it never sees the parallelner package).

    python launcher.py serve --port 6900          # what ``argilla_server start`` does, patched
    python launcher.py prepare [--reindex] < creds.json  # migrate, owner from stdin JSON, re-index
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from importlib.metadata import version

SUPPORTED_SERVER_VERSION = "2.8.0"
HOST = "127.0.0.1"

# The scripts of argilla-server 2.8.0, whitespace-normalised, as they appear in commons.py.
_UPSERT_RESPONSE = (
    "if (ctx._source.responses == null) { ctx._source.responses = [] } "
    "for (int i=ctx._source.responses.length-1; i>=0; i--) { "
    "if (ctx._source.responses[i].id == params.response.id) { ctx._source.responses.remove(i); } } "
    "ctx._source.responses.add(params.response)"
)
_DELETE_RESPONSE = (
    "if (ctx._source.responses != null) { "
    "for (int i=ctx._source.responses.length-1; i>=0; i--) { "
    "if (ctx._source.responses[i].id == params.response.id) { "
    "ctx._source.responses.remove(i); } } }"
)
_DELETE_SUGGESTION = re.compile(r'^ctx\._source\["suggestions"\]\.remove\("([^"\\]+)"\)$')


class UnknownScriptError(RuntimeError):
    """A painless script this launcher cannot translate: never guess, fail loudly."""


def _normalise(source: str) -> str:
    return " ".join(source.split())


def apply_script(document: dict, script: object) -> dict:
    """Apply one of the three known painless scripts to a document source, in Python."""
    if isinstance(script, str):
        source, params = script, {}
    elif isinstance(script, dict):
        source, params = script.get("source", ""), script.get("params", {}) or {}
    else:
        raise UnknownScriptError(f"script of unexpected type {type(script).__name__}")
    text = _normalise(source)
    if text in (_UPSERT_RESPONSE, _DELETE_RESPONSE):
        # params hold Python objects (a UUID id) not yet serialised; the stored document holds
        # strings: compare as strings, as painless compares the serialised values.
        wanted = str(params["response"].get("id"))
        responses = document.get("responses")
        if responses is None and text == _DELETE_RESPONSE:
            return document
        kept = [r for r in responses or [] if str(r.get("id")) != wanted]
        document["responses"] = kept if text == _DELETE_RESPONSE else [*kept, params["response"]]
        return document
    match = _DELETE_SUGGESTION.match(text)
    if match:
        suggestions = document.get("suggestions")
        if isinstance(suggestions, dict):
            suggestions.pop(match.group(1), None)
        return document
    raise UnknownScriptError(
        f"argilla-server sent a painless script this launcher does not know: {text[:200]!r}"
    )


def check_version() -> None:
    found = version("argilla-server")
    if found != SUPPORTED_SERVER_VERSION:
        raise SystemExit(
            f"launcher.py patches argilla-server {SUPPORTED_SERVER_VERSION} only; found {found}. "
            "Re-check the painless scripts in argilla_server/search_engine/commons.py first."
        )


def patch_search_engine() -> None:
    """Replace OpenSearchEngine._update_document_request by a script-free equivalent."""
    from argilla_server.search_engine import opensearch

    engine = opensearch.OpenSearchEngine
    original = engine._update_document_request

    async def _update_document_request(self, index_name: str, id: str, body: dict):  # noqa: A002
        if "script" not in body:
            return await original(self, index_name=index_name, id=id, body=body)
        if set(body) != {"script"}:
            raise UnknownScriptError(f"update body with unexpected keys {sorted(body)}")
        found = await self.client.get(index=index_name, id=id)
        document = apply_script(found["_source"], body["script"])
        await self.client.index(index=index_name, id=id, body=document, refresh=True)

    engine._update_document_request = _update_document_request


def serve(port: int) -> None:
    check_version()
    patch_search_engine()
    import uvicorn

    # As ``argilla_server start`` does, but bound to the loopback interface only.
    uvicorn.run("argilla_server:app", host=HOST, port=port, access_log=False)


def create_owner(credentials: dict) -> None:
    """Create the owner user (idempotent: an existing username is kept, nothing printed)."""
    check_version()
    from argilla_server.cli.database.users import create as users_create
    from argilla_server.contexts import accounts
    from argilla_server.database import AsyncSessionLocal
    from argilla_server.models import User, UserRole

    async def run() -> None:
        async with AsyncSessionLocal() as session:
            if await accounts.get_user_by_username(session, credentials["username"]):
                return
            await User.create(
                session,
                first_name=credentials["username"],
                username=credentials["username"],
                role=UserRole.owner,
                password_hash=accounts.hash_password(credentials["password"]),
                api_key=credentials["api_key"],
                workspaces=[
                    await users_create.get_or_new_workspace(session, credentials["workspace"])
                ],
            )

    asyncio.run(run())


def prepare(credentials: dict, reindex: bool) -> None:
    """Migrate the database, create the owner, re-index: one process instead of three (saves
    ~6 s)."""
    check_version()
    from argilla_server.cli import app

    app(["database", "migrate"], standalone_mode=False)
    create_owner(credentials)
    if reindex:  # osmem keeps its index in memory: rebuild it from the database after a restart
        app(["search-engine", "reindex"], standalone_mode=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve")
    p_serve.add_argument("--port", type=int, default=6900)
    p_prepare = sub.add_parser("prepare", help="migrate + owner (JSON on stdin) [+ reindex]")
    p_prepare.add_argument("--reindex", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.port)
    else:
        prepare(json.load(sys.stdin), args.reindex)


if __name__ == "__main__":
    main()
