"""Stage 3 against our OpenAI-protocol server, with a small real validator standing in for
``parallelner.align.align_sample`` (same signature): converging, escalating, giving up,
passing other samples through, cache on rerun, budget stop."""

from __future__ import annotations

import re

import pytest

from parallelner.config import ModelPrice
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import (
    Attempt,
    EntitySpan,
    Issue,
    ParallelSample,
    Provenance,
    Status,
    TargetSpan,
)
from parallelner.stages.refine import GAVE_UP, NOT_PLACED, refine_file

pytestmark = pytest.mark.integration

TAG = re.compile(r'<([A-Z]+) id="(\d+)">(.*?)</\1>')


def tag_validator(sample: ParallelSample) -> ParallelSample:
    """Accept when every source entity appears once as a tag with its label; else refine with
    one issue per missing entity. Fills target_text/target_entities like alignment does."""
    text, spans, pos, found = [], [], 0, {}
    response = sample.response or ""
    for m in TAG.finditer(response):
        text.append(response[pos:m.start()])
        start = sum(len(t) for t in text)
        text.append(m.group(3))
        idx = int(m.group(2)) - 1
        found.setdefault(idx, []).append(m.group(1))
        if 0 <= idx < len(sample.source_entities) and m.group(3):
            spans.append(TargetSpan(start=start, end=start + len(m.group(3)), label=m.group(1),
                                    source_index=idx))
        pos = m.end()
    text.append(response[pos:])
    issues = [
        Issue(code="missing_entity", message="missing from the translation", entity_index=i)
        for i, ent in enumerate(sample.source_entities) if found.get(i) != [ent.label]
    ]
    n = max(1, len(sample.source_entities))
    return sample.model_copy(update={
        "target_text": "".join(text), "target_entities": spans,
        "confidence": 1.0 - len(issues) / n, "issues": issues,
        "status": Status.accepted if not issues else Status.refine,
    })


SRC = "Angela Merkel visited Paris."
ENTS = [EntitySpan(start=0, end=13, label="PER"), EntitySpan(start=22, end=27, label="LOC")]
GOOD = '<PER id="1">安格拉·默克尔</PER>访问了<LOC id="2">巴黎</LOC>。'
HALF = '<PER id="1">安格拉·默克尔</PER>访问了巴黎。'
BAD = "安格拉·默克尔访问了巴黎。"


def aligned(id_: str, response: str) -> ParallelSample:
    s = ParallelSample(
        id=id_, source_lang="en", target_lang="zh", source_text=SRC, source_entities=ENTS,
        response=response,
        provenance=Provenance(attempts=[Attempt(stage="translate", model="m", response=response)]),
    )
    return tag_validator(s)


@pytest.fixture()
def aligned_file(tmp_path):
    path = tmp_path / "aligned.jsonl"
    write_jsonl(path, [aligned("a", HALF), aligned("b", GOOD), aligned("c", BAD)])
    return path


def with_llm(settings, **llm):
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=llm)})


ZH = {"Angela Merkel": "安格拉·默克尔", "Paris": "巴黎"}
WRONG = {"Angela Merkel": "默克尔总理", "Paris": "伦敦"}  # not what the translations say


def span_round(body) -> bool:
    return body["messages"][0]["content"].startswith("You translate named entities")


def model(spans: dict[str, str], sentence) -> object:
    """A scripted model: span rounds answer each listed entity from ``spans``; sentence rounds
    answer ``sentence`` (a string, or a function of the request body)."""
    def respond(body):
        if span_round(body):
            block = body["messages"][-1]["content"].split("Entities:\n", 1)[1]
            names = [line.split("] ", 1)[1] for line in block.splitlines()]
            return "\n".join(f"[{i}] {spans[n]}" for i, n in enumerate(names, start=1))
        return sentence(body) if callable(sentence) else sentence
    return respond


def test_span_round_tags_the_entity_where_it_stands(llm_server, llm_settings, aligned_file,
                                                    tmp_path):
    llm_server.responder = model(ZH, BAD)
    out = tmp_path / "refined.jsonl"
    rep = refine_file(aligned_file, out, llm_settings, validate=tag_validator)
    a, b, c = read_jsonl(out, ParallelSample)
    assert llm_server.chat_calls == 2  # a and c; b was accepted already
    assert (a.status, c.status, b.status) == (Status.accepted,) * 3
    assert a.response == c.response == GOOD and a.target_text == "安格拉·默克尔访问了巴黎。"
    assert [x.stage for x in a.provenance.attempts] == ["translate", "refine"]
    assert a.provenance.attempts[1].response == "[1] 巴黎"  # the raw answer is kept
    assert a.provenance.prompt_version == "refine_spans.v1"
    assert b == aligned("b", GOOD)  # passed through untouched
    req = next(r for r in llm_server.requests if HALF in r.user)
    assert req.user.splitlines() == [
        'Source: <PER id="1">Angela Merkel</PER> visited <LOC id="2">Paris</LOC>.',
        f"Translation: {HALF}",
        "Entities:",
        "[1] Paris",
    ]
    assert "into Simplified Chinese" in req.body["messages"][0]["content"]
    # one worked example for the same language pair comes before the question
    assert [m["role"] for m in req.body["messages"]] == ["system", "user", "assistant", "user"]
    assert rep.counts["accepted after refine"] == 2


def test_second_round_rewrites_the_sentence_with_hints(llm_server, llm_settings, aligned_file,
                                                       tmp_path):
    llm_server.responder = model(WRONG, GOOD)
    refine_file(aligned_file, tmp_path / "r.jsonl", llm_settings, validate=tag_validator)
    a = read_jsonl(tmp_path / "r.jsonl", ParallelSample)[0]
    assert a.status == Status.accepted and a.response == GOOD
    spans, sentence = a.provenance.attempts[1:]
    assert spans.error == NOT_PLACED and spans.response == "[1] 伦敦"
    assert sentence.error is None and sentence.prompt_version == "refine.v1"
    rewrite = next(r for r in llm_server.requests if not span_round(r.body) and HALF in r.user)
    assert rewrite.user.splitlines() == [
        'Source: <PER id="1">Angela Merkel</PER> visited <LOC id="2">Paris</LOC>.',
        f"Translation: {HALF}",
        "Problems:",
        '- <LOC id="2">Paris</LOC>: missing from the translation',
        "Entity translations to use:",
        "- Paris -> 伦敦",
    ]


def test_escalates_to_the_refine_model(llm_server, llm_settings, aligned_file, tmp_path):
    small, big = model(WRONG, BAD), model(ZH, GOOD)
    llm_server.responder = lambda body: (big if body["model"] == "big-model" else small)(body)
    s = with_llm(llm_settings, refine_model="big-model", refine_rounds=2)
    refine_file(aligned_file, tmp_path / "r.jsonl", s, validate=tag_validator)
    a = read_jsonl(tmp_path / "r.jsonl", ParallelSample)[0]
    assert a.status == Status.accepted
    assert [x.model for x in a.provenance.attempts[1:]] == ["test-model", "test-model",
                                                            "big-model"]
    assert a.provenance.model == "big-model"


def test_gives_up_keeps_the_best_round_and_asks_a_person(llm_server, llm_settings,
                                                         aligned_file, tmp_path):
    n = iter(range(100))
    llm_server.responder = model(WRONG, lambda body: BAD + "!" * next(n))  # new wrong answers
    rep = refine_file(aligned_file, tmp_path / "r.jsonl", with_llm(llm_settings, refine_rounds=3),
                      validate=tag_validator)
    a, _, c = read_jsonl(tmp_path / "r.jsonl", ParallelSample)
    assert llm_server.chat_calls == 6
    assert a.status == Status.review and a.response == HALF  # the original was the best
    assert a.issues[-1].code == GAVE_UP and "3 refine round(s)" in a.issues[-1].message
    assert len(a.provenance.attempts) == 4 and c.issues[-1].code == GAVE_UP
    assert rep.counts["gave up"] == 2


def test_a_model_repeating_itself_stops_its_rounds(llm_server, llm_settings, aligned_file,
                                                   tmp_path):
    llm_server.responder = model(WRONG, BAD)
    rep = refine_file(aligned_file, tmp_path / "r.jsonl", with_llm(llm_settings, refine_rounds=5),
                      validate=tag_validator)
    # a: spans, rewrite of HALF, rewrite of BAD, then the same question again: stop.
    # c: spans, rewrite of BAD, then the same question again: stop.
    assert llm_server.chat_calls == 5 and rep.counts["stalled"] == 2
    a, _, c = read_jsonl(tmp_path / "r.jsonl", ParallelSample)
    assert a.status == Status.review and "3 refine round(s)" in a.issues[-1].message
    assert "2 refine round(s)" in c.issues[-1].message


def test_rerun_is_served_from_the_cache(llm_server, llm_settings, aligned_file, tmp_path):
    llm_server.responder = model(WRONG, GOOD)
    refine_file(aligned_file, tmp_path / "r1.jsonl", llm_settings, validate=tag_validator)
    calls = llm_server.chat_calls
    rep = refine_file(aligned_file, tmp_path / "r2.jsonl", llm_settings, validate=tag_validator)
    assert llm_server.chat_calls == calls == 4 and rep.totals.calls == 0
    assert rep.totals.cached == 4
    r1, r2 = (read_jsonl(tmp_path / n, ParallelSample) for n in ("r1.jsonl", "r2.jsonl"))
    assert [x.response for x in r1] == [x.response for x in r2]


def test_budget_stop_leaves_unreached_samples_resumable(llm_server, llm_settings,
                                                        aligned_file, tmp_path):
    llm_server.responder = model(ZH, GOOD)
    priced = {"test-model": ModelPrice(input_per_mtok=1000.0, output_per_mtok=1000.0)}
    # At 1000 per million tokens a span question here (≈180 prompt tokens sent, ≈230 estimated)
    # costs about 0.19, and its worst case (1.25 × the estimate + max_tokens 100) about 0.35-0.39:
    # a budget of 0.4 admits sample a's first call, and no second one (0.19 + 0.39 > 0.4).
    s = with_llm(llm_settings, concurrency=1, max_tokens=100, prices=priced, budget=0.4)
    rep = refine_file(aligned_file, tmp_path / "r.jsonl", s, validate=tag_validator)
    a, b, c = read_jsonl(tmp_path / "r.jsonl", ParallelSample)
    assert rep.budget_message and llm_server.chat_calls == 1
    assert a.status == Status.accepted and c == aligned("c", BAD)  # c untouched, still refine
    s2 = s.model_copy(update={"llm": s.llm.model_copy(update={"budget": 100.0})})
    rep2 = refine_file(tmp_path / "r.jsonl", tmp_path / "r2.jsonl", s2, validate=tag_validator)
    assert rep2.totals.calls == 1
    assert all(x.status == Status.accepted for x in read_jsonl(tmp_path / "r2.jsonl",
                                                                ParallelSample))


def test_nothing_to_refine_makes_no_call_and_starts_nothing(llm_settings, tmp_path):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, [aligned("b", GOOD)])
    s = with_llm(llm_settings, base_url="http://127.0.0.1:9/v1")  # nothing listens there
    rep = refine_file(path, tmp_path / "o.jsonl", s, validate=tag_validator)
    assert rep.totals.calls == 0
    assert read_jsonl(tmp_path / "o.jsonl", ParallelSample) == [aligned("b", GOOD)]


def test_a_cut_translation_is_refined_and_the_new_answer_judged_on_its_own(
        llm_server, llm_settings, tmp_path):
    """The real aligner flags an answer the API said was cut (finish_reason "length"); the refine
    round's answer is validated with that round's attempt last, so the old cut does not stick."""
    from parallelner.align import align_sample

    cut = '<PER id="1">安格拉·默克尔</PER>访问了'
    first = align_sample(ParallelSample(
        id="x", source_lang="en", target_lang="zh", source_text=SRC, source_entities=ENTS,
        response=cut, provenance=Provenance(attempts=[
            Attempt(stage="translate", model="m", response=cut, finish_reason="length")]),
    ), llm_settings.align)
    assert first.status == Status.refine
    assert "truncated_max_tokens" in {i.code for i in first.issues}
    write_jsonl(tmp_path / "a.jsonl", [first])
    llm_server.responder = model(ZH, GOOD)
    refine_file(tmp_path / "a.jsonl", tmp_path / "r.jsonl", llm_settings)
    done = read_jsonl(tmp_path / "r.jsonl", ParallelSample)[0]
    assert done.status == Status.accepted and done.response == GOOD, done.issues
    reasons = [a.finish_reason for a in done.provenance.attempts]
    assert reasons[0] == "length" and reasons[-1] == "stop" and len(reasons) >= 2
