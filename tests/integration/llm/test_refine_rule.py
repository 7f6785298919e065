"""The rule of refine rounds, with the real aligner as validator and our OpenAI-protocol server:
a span-level problem gets a span round first; a sentence-level one (here: left untranslated)
goes straight to a sentence round, so ``refine_rounds = 1`` spends its one round on it."""

from __future__ import annotations

import pytest

from parallelner.align import align_sample
from parallelner.config import AlignConfig
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import Attempt, EntitySpan, ParallelSample, Provenance, Status
from parallelner.stages.refine import refine_file, round_mode, span_level

pytestmark = pytest.mark.integration

SRC = "Angela Merkel visited Paris on Monday with her advisers."
ENTS = [EntitySpan(start=0, end=13, label="PER"), EntitySpan(start=22, end=27, label="LOC")]
GOOD = '<PER id="1">安格拉·默克尔</PER>周一与她的顾问们一起访问了<LOC id="2">巴黎</LOC>。'
UNTRANSLATED = '<PER id="1">Angela Merkel</PER> visited <LOC id="2">Paris</LOC> on Monday with ' \
    "her advisers."
UNTAGGED = '<PER id="1">安格拉·默克尔</PER>周一与她的顾问们一起访问了伦敦。'  # Paris lost


def aligned(id_: str, response: str) -> ParallelSample:
    s = ParallelSample(
        id=id_, source_lang="en", target_lang="zh", source_text=SRC, source_entities=ENTS,
        response=response,
        provenance=Provenance(attempts=[Attempt(stage="translate", model="m", response=response)]),
    )
    return align_sample(s, AlignConfig())


def is_span_round(body) -> bool:
    return body["messages"][0]["content"].startswith("You translate named entities")


def test_the_aligner_sorts_the_two_kinds_of_problem():
    untranslated, untagged = aligned("u", UNTRANSLATED), aligned("t", UNTAGGED)
    assert untranslated.status == untagged.status == Status.refine
    assert "untranslated" in {i.code for i in untranslated.issues}
    assert not span_level(untranslated) and span_level(untagged)
    assert round_mode(untranslated, 0) == "sentence" and round_mode(untagged, 0) == "spans"
    assert round_mode(untagged, 1) == "sentence"


def refine_one_round(server, settings, tmp_path, sample: ParallelSample,
                     span_answer: str) -> ParallelSample:
    """Refine one sample with ``refine_rounds = 1``: span rounds get ``span_answer``, sentence
    rounds the good translation."""
    src = tmp_path / "aligned.jsonl"
    write_jsonl(src, [sample])
    server.responder = lambda body: span_answer if is_span_round(body) else GOOD
    one = settings.model_copy(update={"llm": settings.llm.model_copy(update={"refine_rounds": 1})})
    refine_file(src, tmp_path / "refined.jsonl", one)
    (out,) = read_jsonl(tmp_path / "refined.jsonl", ParallelSample)
    return out


def test_one_round_rewrites_an_untranslated_sentence(llm_server, llm_settings, tmp_path):
    """Before the rule, round 1 was always a span round: an untranslated sample got 0 calls."""
    out = refine_one_round(llm_server, llm_settings, tmp_path, aligned("u", UNTRANSLATED),
                           "[1] 巴黎")
    assert llm_server.chat_calls == 1
    assert not is_span_round(llm_server.requests[0].body)
    assert out.status == Status.accepted and out.response == GOOD
    assert out.provenance.attempts[-1].prompt_version == "refine.v1"


def test_a_span_problem_gets_a_span_round_first(llm_server, llm_settings, tmp_path):
    # The span answer names the entity as the translation wrote it; the code tags it there.
    out = refine_one_round(llm_server, llm_settings, tmp_path, aligned("t", UNTAGGED), "[1] 伦敦")
    assert llm_server.chat_calls == 1 and is_span_round(llm_server.requests[0].body)
    assert out.provenance.attempts[-1].prompt_version == "refine_spans.v1"
