"""The whole pipeline as a Prefect flow: end to end, Dask, bad input, budget, projection.

Kill -9 and resume, the budget at concurrency 8 and the exit codes are in test_run_cli.py
(`parallelner run` as a subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.start import run_settings, start_run
from parallelner.errors import ParallelNERError
from parallelner.io import read_jsonl
from parallelner.run.folder import RunPaths, load_manifest
from parallelner.schema import ParallelSample

pytestmark = pytest.mark.integration

SECRET = "sk-test-SECRET-do-not-leak-4242"


def _start(source: Path, url: str, tmp_path: Path, *, run_id: str, config: Path | None = None,
           budget: float | None = None, **run) -> RunPaths:
    """``parallelner run`` without the display: the settings from options, then the run."""
    options = {"source": str(source), "source_format": "jsonl", "source_lang": "en",
               "target_lang": "de", "review": False, "chunk_size": 4, **run}
    overrides = {"run": options, "outputs_dir": tmp_path / "outputs",
                 "llm": {"base_url": url, "model": "test-model", "budget": budget}}
    return start_run(run_settings(config, overrides, run_id), run_id).paths


def _files(root: Path):
    return [p for p in root.rglob("*") if p.is_file()]


def test_end_to_end_run_writes_every_stage_and_no_secret(gold_translator, source_file, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    src = source_file(10)
    paths = _start(src, gold_translator.url, tmp_path, run_id="e2e")
    final = read_jsonl(paths.final, ParallelSample)
    assert [r.id for r in final] == [s["id"] for s in map(json.loads, src.read_text().splitlines())]
    # The gold German answers are right, so all are accepted but one: in europarl-ner-en-test-17
    # the aligner reads a surface conflict in the gold spans and asks a person.
    statuses = {r.id: r.status.value for r in final}
    assert [i for i, st in statuses.items() if st != "accepted"] == ["europarl-ner-en-test-17"]
    assert statuses["europarl-ner-en-test-17"] == "review"
    accepted = [r for r in final if r.status.value == "accepted"]
    assert len(accepted) == 9
    for r in accepted:
        # the round trip ran: the gold answer's back-translation is the source itself
        assert r.back_translation == r.source_text
        assert not [i for i in r.issues if i.code.startswith("roundtrip_")]
        assert len(r.target_entities) == len(r.source_entities)
        assert r.provenance.attempts and r.provenance.attempts[0].stage == "translate"
    for i in range(3):  # a finished run keeps each chunk's align and refine files only
        for stage in ("source", "translate", "align", "verify", "refine"):
            assert paths.chunk(i, stage).exists() == (stage in ("align", "refine")), stage
    assert paths.report_json.exists() and paths.plot("confidence_hist").exists()
    assert paths.plot("yield_per_stage").exists() and paths.ledger.exists()
    assert (paths.root / "dataset" / "README.md").exists()
    assert any("export:" in n for n in load_manifest(paths.root)[1].notes)
    assert all(SECRET.encode() not in p.read_bytes() for p in _files(paths.root))
    # The key did reach the endpoint, so the test would see a leak if it were written anywhere.
    assert any(SECRET in r.headers.get("authorization", "") for r in gold_translator.requests)

    # Resuming a finished run repeats no LLM call and rewrites the same records.
    calls = gold_translator.chat_calls
    _start(src, gold_translator.url, tmp_path, run_id="e2e")
    assert gold_translator.chat_calls == calls
    assert read_jsonl(paths.final, ParallelSample) == final


def test_flow_runs_unchanged_on_a_local_dask_cluster(gold_translator, source_file, tmp_path):
    src = source_file(8)
    paths = _start(src, gold_translator.url, tmp_path, run_id="dask", dask_workers=2)
    final = read_jsonl(paths.final, ParallelSample)
    assert len(final) == 8 and len({r.id for r in final}) == 8
    assert sum(r.status.value == "accepted" for r in final) >= 6


def test_chunk_stages_on_worker_processes_give_the_records_threads_give(gold_translator,
                                                                         source_file, tmp_path):
    """Both cores: the chunk stages run in a subflow on a pool of two worker processes."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.server import prefect_api

    src = source_file(8)
    threads = _start(src, gold_translator.url, tmp_path, run_id="threads", processes=0)
    procs = _start(src, gold_translator.url, tmp_path, run_id="procs", processes=2)

    def view(paths: RunPaths) -> list[tuple]:
        return [(r.id, r.status.value, r.target_text, [(t.start, t.end) for t in r.target_entities])
                for r in read_jsonl(paths.final, ParallelSample)]

    assert view(procs) == view(threads) and len(view(procs)) == 8

    async def chunk_subflows() -> int:
        async with get_client() as client:
            runs = await client.read_flow_runs(flow_filter=FlowFilter(
                name=FlowFilterName(any_=["parallelner-chunks"])))
            return sum(r.state is not None and r.state.is_completed() for r in runs)

    with prefect_api() as url, temporary_settings(updates={PREFECT_API_URL: url}):
        # the API both runs reported to (this process's private server)
        assert asyncio.run(chunk_subflows()) == 1  # the process run only: threads need none


def test_unreachable_endpoint_fails_clearly_and_the_run_resumes(gold_translator, source_file,
                                                               tmp_path):
    src = source_file(4)
    with pytest.raises(ParallelNERError, match=r"127\.0\.0\.1:9"):
        _start(src, "http://127.0.0.1:9/v1", tmp_path, run_id="down")
    paths = RunPaths(tmp_path / "outputs" / "down")
    assert paths.manifest.exists() and paths.source.exists() and not paths.final.exists()
    _start(src, gold_translator.url, tmp_path, run_id="down")
    assert len(read_jsonl(paths.final, ParallelSample)) == 4


def test_bad_source_file_names_file_and_line(tmp_path, gold_translator):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "lang": "en", "text": "ok"}\n{oops\n')
    with pytest.raises(ParallelNERError, match=r"bad\.jsonl:2"):
        _start(bad, gold_translator.url, tmp_path, run_id="bad")


def test_argilla_down_keeps_the_queue_and_says_how_to_push(gold_translator, source_file, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv("ARGILLA_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ARGILLA_API_KEY", "argilla-test-key")
    monkeypatch.setenv("PARALLELNER_REVIEW__AUDIT_FRACTION", "1.0")  # every sample goes to people
    src = source_file(4)
    paths = _start(src, gold_translator.url, tmp_path, run_id="rev", review=True)
    notes = load_manifest(paths.root)[1].notes
    assert any(n.startswith("review: not pushed") and "review push" in n for n in notes), notes
    assert paths.review_queue.exists() and paths.final.exists()


def test_budget_stops_the_run_cleanly_and_a_higher_budget_resumes_it(gold_translator, source_file,
                                                                     tmp_path):
    cfg = tmp_path / "prices.toml"
    # 1 unit per thousand prompt tokens: a translate call here costs about 0.3
    cfg.write_text('[llm.prices."test-model"]\ninput_per_mtok = 1000.0\noutput_per_mtok = 1000.0\n')
    src = source_file(8)
    with pytest.raises(ParallelNERError, match="budget"):
        _start(src, gold_translator.url, tmp_path, run_id="budget", budget=1.0,
               config=cfg)
    paths = RunPaths(tmp_path / "outputs" / "budget")
    assert not paths.final.exists()
    calls = gold_translator.chat_calls
    assert 0 < calls < 8
    # The ledger's spend, summed here from its lines, stays within the budget: two chunks ran
    # at once here, each with calls in flight.
    spent = sum(e["cost"] for e in map(json.loads, paths.ledger.read_text().splitlines())
                if not e["cached"])
    assert 0 < spent <= 1.0, spent
    _start(src, gold_translator.url, tmp_path, run_id="budget", budget=100.0, config=cfg)
    final = read_jsonl(paths.final, ParallelSample)
    assert len(final) == 8
    # translate prompts answered before the stop were not asked again
    assert all(n == 1 for n in gold_translator.seen.values()), gold_translator.seen


def test_projection_mode_runs_through_the_same_flow(llm_server, europarl_pairs, tmp_path,
                                                    monkeypatch):
    """--mode project: given German sentences, the endpoint tags them; the flow aligns them onto
    the given text (unchanged) and routes them like translations."""
    from parallelner.io import write_jsonl
    from parallelner.markup.render import render_markup
    from parallelner.schema import ParallelSample as PS

    monkeypatch.setenv("PARALLELNER_PROJECT__STYLE", "inline")
    pairs = europarl_pairs[:6]
    tagged = {t.text: render_markup(t.text, t.entities) for _, t in pairs}

    def respond(body):
        user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        given = user.split("without tags:", 1)[1].split("\n", 1)[0].strip()
        return tagged.get(given, given)

    llm_server.responder = respond
    src = tmp_path / "project.jsonl"
    write_jsonl(src, [PS(id=s.id, source_lang="en", target_lang="de", source_text=s.text,
                         source_entities=s.entities, target_text=t.text, mode="project")
                      for s, t in pairs])
    paths = _start(src, llm_server.url, tmp_path, run_id="proj", mode="project",
                   source_format=None)
    final = read_jsonl(paths.final, ParallelSample)
    assert [r.target_text for r in final] == [t.text for _, t in pairs]  # the given text, unchanged
    accepted = [r for r in final if r.status.value == "accepted"]
    assert len(accepted) >= 5
    gold = {s.id: t for s, t in pairs}
    for r in accepted:
        assert r.mode == "project"
        assert [(e.start, e.end, e.label)
                for e in sorted(r.target_entities, key=lambda e: e.start)] \
            == [(e.start, e.end, e.label) for e in gold[r.id].entities]


def test_the_plan_rejects_a_sample_in_another_language_before_any_call(gold_translator,
                                                                       source_file, tmp_path):
    """A Chinese sentence declared English is rejected at plan time with its reason, keeps its
    place in final.jsonl, and is never sent to the LLM."""
    from parallelner.io import write_jsonl
    from parallelner.schema import SourceSample

    src = source_file(3)
    samples = read_jsonl(src, SourceSample)
    odd = SourceSample(id="zh-as-en", lang="en", entities=[],
                       text="这是一个用中文写成的句子，却被标成了英文。")
    write_jsonl(src, [samples[0], odd, *samples[1:]])
    paths = _start(src, gold_translator.url, tmp_path, run_id="plan-check")
    final = read_jsonl(paths.final, ParallelSample)
    assert [r.id for r in final] == [samples[0].id, "zh-as-en", *[s.id for s in samples[1:]]]
    rejected = final[1]
    assert rejected.status.value == "rejected"
    assert [i.code for i in rejected.issues] == ["source_wrong_language"]
    assert not any("中文" in json.dumps(r.body, ensure_ascii=False)
                   for r in gold_translator.requests)
