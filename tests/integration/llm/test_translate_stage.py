"""Stage 1 end to end against our OpenAI-protocol server: records out, failures kept, cache on
rerun, batching and its fallback, budget cap and resume, the endpoint down."""

from __future__ import annotations

import json
import re
import socket

import pytest
from llm_server import Answer, Status

from parallelner.config import ModelPrice
from parallelner.errors import EndpointError, InputError
from parallelner.io import read_jsonl
from parallelner.markup.render import render_markup
from parallelner.schema import ParallelSample, SourceSample
from parallelner.stages.translate import NOT_ATTEMPTED, translate_file

pytestmark = pytest.mark.integration


@pytest.fixture()
def sources(fixtures_dir):
    return fixtures_dir / "llm" / "pud_en.jsonl"


def marked(path) -> list[str]:
    return [render_markup(s.text, s.entities) for s in read_jsonl(path, SourceSample)]


def with_llm(settings, **llm):
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=llm)})


def numbered_echo(body) -> str:
    """A good batched answer: each numbered input line echoed (an identity 'translation')."""
    user = body["messages"][-1]["content"]
    return "\n".join(re.findall(r"^\[\d+\] .*$", user, re.MULTILINE))


def test_one_record_per_sample_in_order_with_raw_response(llm_server, llm_settings, sources,
                                                          tmp_path):
    llm_server.delay = 0.01
    out = tmp_path / "out.jsonl"
    rep = translate_file(sources, out, "zh", llm_settings)
    recs = read_jsonl(out, ParallelSample)
    srcs = read_jsonl(sources, SourceSample)
    assert [r.id for r in recs] == [s.id for s in srcs]
    assert [r.response for r in recs] == marked(sources)  # the server echoes the marked source
    for r, s in zip(recs, srcs, strict=True):
        assert (r.source_lang, r.target_lang, r.source_text) == ("en", "zh", s.text)
        assert r.source_entities == s.entities and r.source == s.provenance
        (a,) = r.provenance.attempts
        assert a.stage == "translate" and a.prompt_version == "translate.v1" and not a.cached
        assert a.prompt_tokens > 0 and a.error is None
    # the exact keys `parallelner align` reads are all there
    first = json.loads(out.read_text().splitlines()[0])
    assert {"id", "source_lang", "target_lang", "source_text", "source_entities",
            "response"} <= set(first)
    assert rep.counts["answered"] == 4 and rep.totals.calls == 4
    # the prompt holds instructions, few-shot pairs for en->zh and the marked-up sentence last
    msgs = llm_server.requests[0].body["messages"]
    assert msgs[0]["role"] == "system" and "Simplified Chinese" in msgs[0]["content"]
    assert [m["role"] for m in msgs[1:]] == ["user", "assistant", "user", "assistant", "user"]
    assert "慕尼黑" in msgs[2]["content"]


def test_rerun_makes_zero_new_calls(llm_server, llm_settings, sources, tmp_path):
    translate_file(sources, tmp_path / "a.jsonl", "de", llm_settings)
    calls = llm_server.chat_calls
    rep = translate_file(sources, tmp_path / "b.jsonl", "de", llm_settings,
                         ledger_path=tmp_path / "ledger.jsonl")
    assert llm_server.chat_calls == calls == 4
    assert rep.totals.calls == 0 and rep.totals.cached == 4 and rep.totals.cost == 0
    a, b = (read_jsonl(tmp_path / n, ParallelSample) for n in ("a.jsonl", "b.jsonl"))
    assert [x.response for x in a] == [x.response for x in b]
    assert all(x.provenance.attempts[0].cached for x in b)
    lines = [json.loads(x) for x in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and all(x["cached"] and x["cost"] == 0 for x in lines)


def test_failed_call_is_recorded_not_dropped_and_not_cached(llm_server, llm_settings, sources,
                                                            tmp_path):
    llm_server.script([Status(500, "overloaded")] * 4)  # first sample: 1 try + 3 retries
    rep = translate_file(sources, tmp_path / "o.jsonl", "de",
                         with_llm(llm_settings, concurrency=1))
    recs = read_jsonl(tmp_path / "o.jsonl", ParallelSample)
    assert len(recs) == 4 and rep.counts["failed"] == 1
    bad = recs[0]
    assert bad.response is None
    assert "HTTP 500: overloaded (gave up after 3 retries)" in bad.provenance.attempts[0].error
    # the rerun asks the failed one again (and only that one)
    before = llm_server.chat_calls
    translate_file(sources, tmp_path / "o2.jsonl", "de", llm_settings)
    assert llm_server.chat_calls == before + 1
    assert [r.response for r in read_jsonl(tmp_path / "o2.jsonl", ParallelSample)] == \
        marked(sources)  # the server echoes the marked source


def test_unusable_answers_are_kept_but_not_cached(llm_server, llm_settings, sources, tmp_path):
    llm_server.script([Answer(""), Answer("cut off", finish_reason="length")])
    translate_file(sources, tmp_path / "o.jsonl", "de", with_llm(llm_settings, concurrency=1))
    recs = read_jsonl(tmp_path / "o.jsonl", ParallelSample)
    assert recs[0].response == "" and recs[0].provenance.attempts[0].error == "empty answer"
    assert recs[1].response == "cut off"
    assert "max_tokens" in recs[1].provenance.attempts[0].error
    # how each call ended is recorded, for the aligner to read ("length": cut at max_tokens)
    assert [r.provenance.attempts[-1].finish_reason for r in recs] == ["stop", "length", "stop",
                                                                        "stop"][: len(recs)]
    before = llm_server.chat_calls
    translate_file(sources, tmp_path / "o2.jsonl", "de", llm_settings)
    assert llm_server.chat_calls == before + 2


def test_batched_requests_split_and_save_prompt_tokens(llm_server, llm_settings, sources,
                                                       tmp_path):
    llm_server.responder = numbered_echo
    single = translate_file(sources, tmp_path / "s.jsonl", "de", llm_settings, use_cache=False)
    calls = llm_server.chat_calls
    batched = translate_file(sources, tmp_path / "b.jsonl", "de",
                             with_llm(llm_settings, batch_size=4), use_cache=False)
    assert llm_server.chat_calls - calls == 1
    recs = read_jsonl(tmp_path / "b.jsonl", ParallelSample)
    assert [r.response for r in recs] == marked(sources)
    assert batched.counts["batches"] == 1 and batched.counts["batches not split"] == 0
    assert batched.prompt_tokens_per_sample < 0.6 * single.prompt_tokens_per_sample
    user = llm_server.requests[-1].body["messages"][-1]["content"]
    assert user.splitlines()[1].startswith("[2] ")


@pytest.mark.parametrize("answer", [
    "[1] eins\n[2] zwei",                                     # too few lines
    "Here you go:\n[1] a\n[2] b\n[3] c\nI hope this helps!\n[4] d",  # chatter in between
    "[1] a\n[3] c\n[2] b\n[4] d",                             # out of order
])
def test_batched_answer_that_does_not_split_falls_back_to_single(llm_server, llm_settings,
                                                                 sources, tmp_path, answer):
    llm_server.script([Answer(answer)])
    rep = translate_file(sources, tmp_path / "o.jsonl", "de",
                         with_llm(llm_settings, batch_size=4))
    assert llm_server.chat_calls == 1 + 4
    assert rep.counts["batches not split"] == 1
    recs = read_jsonl(tmp_path / "o.jsonl", ParallelSample)
    assert [r.response for r in recs] == marked(sources)
    for r in recs:
        first, second = r.provenance.attempts
        assert "did not split into 4 numbered lines; asked one by one" in first.error
        assert first.response == answer and second.error is None
    # the unsplittable answer was not cached: a rerun asks the batch again (same bad answer),
    # then gets the singles from the cache
    llm_server.script([Answer(answer)])
    rep2 = translate_file(sources, tmp_path / "o2.jsonl", "de",
                          with_llm(llm_settings, batch_size=4))
    assert llm_server.chat_calls == 1 + 4 + 1 and rep2.totals.cached == 4


def test_budget_stops_new_calls_cleanly_and_a_rerun_resumes(llm_server, llm_settings, sources,
                                                            tmp_path):
    # 1000 per million tokens: a call costs ~0.1-0.3 here, its worst case (prompt + 100) ~0.5
    priced = {"test-model": ModelPrice(input_per_mtok=1000.0, output_per_mtok=1000.0)}
    s = with_llm(llm_settings, concurrency=1, max_tokens=100, prices=priced, budget=0.9)
    rep = translate_file(sources, tmp_path / "o.jsonl", "de", s)
    recs = read_jsonl(tmp_path / "o.jsonl", ParallelSample)
    assert len(recs) == 4
    done = [r for r in recs if r.response is not None]
    skipped = [r for r in recs if r.response is None]
    assert done and skipped and rep.budget_message
    assert all(r.provenance.attempts[-1].error == NOT_ATTEMPTED for r in skipped)
    assert rep.totals.cost <= 0.9
    assert llm_server.chat_calls == len(done)
    # resume with a larger budget: the finished calls come from the cache
    s2 = s.model_copy(update={"llm": s.llm.model_copy(update={"budget": 100.0})})
    rep2 = translate_file(sources, tmp_path / "o2.jsonl", "de", s2)
    assert rep2.totals.cached == len(done) and rep2.totals.calls == len(skipped)
    assert [r.response for r in read_jsonl(tmp_path / "o2.jsonl", ParallelSample)] == \
        marked(sources)


def test_dry_run_estimates_without_calling(llm_server, llm_settings, sources, tmp_path):
    rep = translate_file(sources, tmp_path / "o.jsonl", "de", llm_settings, dry_run=True)
    assert llm_server.chat_calls == 0 and not (tmp_path / "o.jsonl").exists()
    assert rep.estimate.calls == 4 and rep.estimate.prompt_tokens > 4 * 100
    translate_file(sources, tmp_path / "o.jsonl", "de", llm_settings)
    assert translate_file(sources, tmp_path / "o.jsonl", "de", llm_settings,
                          dry_run=True).estimate.cached == 4


def test_endpoint_down_is_one_error_and_writes_nothing(llm_settings, sources, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = with_llm(llm_settings, base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(EndpointError, match="cannot connect"):
        translate_file(sources, tmp_path / "o.jsonl", "de", s)
    assert not (tmp_path / "o.jsonl").exists()


def test_bad_input_names_file_and_line(llm_settings, sources, tmp_path):
    bad = tmp_path / "in.jsonl"
    lines = sources.read_text().splitlines()
    bad.write_text(lines[0] + "\n" + lines[0] + "\n")
    with pytest.raises(InputError, match=r"in.jsonl:2: sample id .* repeats"):
        translate_file(bad, tmp_path / "o.jsonl", "de", llm_settings)
    with pytest.raises(InputError, match="already in the target language"):
        translate_file(sources, tmp_path / "o.jsonl", "en", llm_settings)
