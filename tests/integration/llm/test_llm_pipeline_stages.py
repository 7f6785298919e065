"""The LLM stages as the pipeline runs them: one chunk of a run folder, its cache and ledger, the
run-wide budget (a stopped chunk is not written, the resumed run redoes it from the cache)."""

from __future__ import annotations

import pytest
from test_refine_stage import GOOD, HALF, ZH, aligned, model

from parallelner.config import ModelPrice
from parallelner.errors import BudgetExceeded
from parallelner.io import read_jsonl, write_jsonl
from parallelner.llm.ledger import ledger_cost
from parallelner.run.chunks import run_chunk_stage
from parallelner.run.folder import RunParams, RunPaths
from parallelner.run.progress import ProgressReader
from parallelner.schema import ParallelSample, SourceSample, Status

pytestmark = pytest.mark.integration


@pytest.fixture()
def run(tmp_path, fixtures_dir):
    paths = RunPaths(tmp_path / "run")
    sources = read_jsonl(fixtures_dir / "llm" / "pud_en.jsonl", SourceSample)
    write_jsonl(paths.chunk(0, "source"), sources[:2])
    write_jsonl(paths.chunk(1, "source"), sources[2:])
    return paths


def with_llm(settings, **llm):
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=llm)})


def test_translate_chunks_use_the_run_cache_and_ledger(llm_server, llm_settings, run):
    params = RunParams(target_lang="de")
    for chunk in (0, 1):
        run_chunk_stage(run, chunk, "translate", llm_settings, params)
    recs = read_jsonl(run.chunk(0, "translate"), ParallelSample)
    assert [r.target_lang for r in recs] == ["de", "de"] and all(r.response for r in recs)
    assert run.cache.exists() and llm_server.chat_calls == 4
    progress = ProgressReader(run).read()
    assert progress.calls == 4 and progress.tokens > 0 and progress.done["translate"] == 4


def test_budget_covers_the_whole_run_and_a_stopped_chunk_is_not_written(llm_server,
                                                                        llm_settings, run):
    priced = {"test-model": ModelPrice(input_per_mtok=1000.0, output_per_mtok=1000.0)}
    s = with_llm(llm_settings, concurrency=1, max_tokens=100, prices=priced, budget=1.2)
    params = RunParams(target_lang="de")
    run_chunk_stage(run, 0, "translate", s, params)  # two calls, ~0.6 spent
    before = llm_server.chat_calls
    with pytest.raises(BudgetExceeded, match="this chunk is not written"):
        run_chunk_stage(run, 1, "translate", s, params)  # the run's earlier spend counts
    assert not run.chunk(1, "translate").exists()
    assert ledger_cost(run.ledger) <= 1.2
    run_chunk_stage(run, 1, "translate", with_llm(s, budget=100.0), params)  # resume
    # each of the chunk's two samples was asked exactly once over the stop and the resume
    assert llm_server.chat_calls - before == 2
    assert len(read_jsonl(run.chunk(1, "translate"), ParallelSample)) == 2


def test_refine_chunk_with_injected_rounds(llm_server, llm_settings, run, monkeypatch):
    from test_refine_stage import tag_validator

    from parallelner.stages import refine

    monkeypatch.setattr(refine, "default_validator", lambda settings: tag_validator)
    write_jsonl(run.chunk(0, "verify"), [aligned("a", HALF), aligned("b", GOOD)])
    llm_server.responder = model(ZH, GOOD)
    no_round_trip = llm_settings.model_copy(update={"verify": llm_settings.verify.model_copy(
        update={"mode": "off"})})
    run_chunk_stage(run, 0, "refine", no_round_trip, RunParams(target_lang="zh", refine_rounds=1))
    a, b = read_jsonl(run.chunk(0, "refine"), ParallelSample)
    assert a.status == b.status == Status.accepted and llm_server.chat_calls == 1
