"""Fixtures for flow tests: a source file from Europarl English, and a chat server that answers
with the gold German translation of each sentence, tagged with the gold German spans.

The server is a real OpenAI-protocol endpoint (tests/llm_server.py); the code under test only
sees an endpoint that translates well. Sentences it does not know are echoed back untranslated,
which the aligner must catch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from parallelner.io import write_jsonl
from parallelner.markup.render import render_markup
from parallelner.readers import read_source
from parallelner.schema import EntitySpan


def _gold_pairs(gold_dir: Path, n: int):
    en = list(read_source(gold_dir / "europarl-ner" / "en-europarl.test.conll02", lang="en"))
    de = list(read_source(gold_dir / "europarl-ner" / "de-europarl.test.conll02", lang="de"))
    pairs = []
    for s, t in zip(en, de, strict=True):
        if not s.entities or [e.label for e in s.entities] != [e.label for e in t.entities]:
            continue
        pairs.append((s, t))
        if len(pairs) == n:
            break
    return pairs


def tagged_target(target_text: str, entities: list[EntitySpan]) -> str:
    """Gold target entities are in the same order as the source's: id k tags the k-th."""
    return render_markup(target_text, entities)


@pytest.fixture(scope="session")
def europarl_pairs(gold_dir):
    return _gold_pairs(gold_dir, 40)


@pytest.fixture()
def gold_translator(llm_server, europarl_pairs):
    answers = {render_markup(s.text, s.entities): tagged_target(t.text, t.entities)
               for s, t in europarl_pairs}
    # A competent translator translates back too: the verify stage's round trip of a gold
    # German answer is the English source.
    answers.update({tagged_target(t.text, t.entities): render_markup(s.text, s.entities)
                    for s, t in europarl_pairs})
    seen: Counter[str] = Counter()

    def respond(body):
        user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        seen[user] += 1
        return answers.get(user.strip(), user)

    llm_server.responder = respond
    llm_server.seen = seen
    return llm_server


@pytest.fixture()
def source_file(tmp_path, europarl_pairs):
    def make(n: int) -> Path:
        path = tmp_path / f"europarl-en-{n}.jsonl"
        write_jsonl(path, [s for s, _ in europarl_pairs[:n]])
        return path

    return make


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """The API URL of the session's Prefect server (the one in-process flows use too), for runs
    started as subprocesses: each would otherwise start and migrate its own temporary server,
    about 15 s of CPU on this machine (the local-model test keeps that real path)."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # Prefect's shared temporary server of this process
    server.start(timeout=180)
    yield server.api_url
