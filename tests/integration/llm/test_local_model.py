"""The REAL embedded model (Qwen2.5-Coder-1.5B Q4_K_M, llama.cpp, 1 thread) on shipped gold
sentences. ``make test`` sets the model up first (``parallelner llm setup``, idempotent); the
fixture calls the same function, which only reads a stamp when the model is there."""

from __future__ import annotations

import re

import pytest

from parallelner.align import align_sample
from parallelner.config import load_settings
from parallelner.io import read_jsonl
from parallelner.llm.local_model import LocalServer, ensure_model, is_ready, running_server
from parallelner.schema import ParallelSample, SourceSample
from parallelner.stages.translate import translate_file

pytestmark = [pytest.mark.integration, pytest.mark.llm]
TAG = re.compile(r'<([A-Z]+) id="(\d+)">([^<]+)</\1>')


@pytest.fixture(scope="module")
def local_settings(tmp_path_factory):
    settings = load_settings(environ={})
    ensure_model(settings.data_dir)
    cache = tmp_path_factory.mktemp("cache") / "llm.sqlite"
    return settings.model_copy(update={"llm": settings.llm.model_copy(update={
        "cache_path": cache, "local_threads": 1})})


def test_setup_is_idempotent(local_settings):
    assert is_ready(local_settings.data_dir)
    models = local_settings.data_dir / "models"
    before = {p.name: p.stat().st_mtime_ns for p in models.iterdir()}
    ensure_model(local_settings.data_dir)
    assert {p.name: p.stat().st_mtime_ns for p in models.iterdir()} == before


def test_translates_shipped_sentences_with_the_real_model(local_settings, fixtures_dir,
                                                          tmp_path):
    src_path = fixtures_dir / "llm" / "pud_en.jsonl"
    sources = read_jsonl(src_path, SourceSample)[:3]
    few = tmp_path / "in.jsonl"
    few.write_text("".join(s.model_dump_json() + "\n" for s in sources))
    out = tmp_path / "zh.jsonl"
    rep = translate_file(few, out, "zh", local_settings)  # no base_url: starts the local server
    recs = read_jsonl(out, ParallelSample)
    assert [r.id for r in recs] == [s.id for s in sources]
    assert rep.totals.calls == 3 and rep.totals.failed == 0
    tags_kept = 0
    for rec, src in zip(recs, sources, strict=True):
        assert rec.response and re.search(r"[\u4e00-\u9fff]", rec.response), rec.response
        for label, n, _ in TAG.findall(rec.response):
            # every tag the model wrote names a real source entity with its own label
            assert 1 <= int(n) <= len(src.entities) and src.entities[int(n) - 1].label == label
            tags_kept += 1
        assert rec.provenance.attempts[0].prompt_tokens > 0
    assert tags_kept >= 1
    # ... and through alignment: every answer gets a status, and what is accepted is consistent
    aligned = [align_sample(r, local_settings.align) for r in recs]
    for rec, src in zip(aligned, sources, strict=True):
        assert rec.status is not None and rec.target_text
        assert not re.search(r"</?[A-Z]+", rec.target_text)  # markup removed from the text
        if rec.status.value == "accepted":
            assert sorted(t.source_index for t in rec.target_entities) == \
                list(range(len(src.entities)))
            for t in rec.target_entities:
                assert t.label == src.entities[t.source_index].label
                assert rec.target_text[t.start:t.end].strip() == rec.target_text[t.start:t.end]
    assert any(r.status.value in ("accepted", "refine", "review") for r in aligned)
    # the server was started for the run and stopped after it
    assert running_server(local_settings.data_dir) is None
    # a rerun is served entirely from the cache
    rep2 = translate_file(few, tmp_path / "again.jsonl", "zh", local_settings)
    assert rep2.totals.calls == 0 and rep2.totals.cached == 3


def test_server_lifecycle_and_health(local_settings):
    with LocalServer(local_settings.data_dir, local_settings.llm) as server:
        server.write_state()
        info = running_server(local_settings.data_dir)
        assert info is not None and info.base_url == server.base_url
        assert server.base_url.startswith("http://127.0.0.1:")
    assert running_server(local_settings.data_dir) is None
