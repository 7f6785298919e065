"""The round trip end to end against our OpenAI-protocol server, through the real openai client:
one back-translation call per selected sample, findings applied, the ledger and the cache used,
a batched answer that does not split asked again one by one."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from verify_gold import evans, seagal, segni

from parallelner.llm.cache import ResponseCache
from parallelner.llm.client import LLMClient
from parallelner.llm.endpoint import make_ledger
from parallelner.llm.service import LLMService
from parallelner.schema import Status
from parallelner.verify import VerifyConfig, tagged_target, verify_samples

pytestmark = pytest.mark.integration

# What a competent translator gives back for each tagged target (Evans's target names someone
# else: it comes back as that other name).
WRONG_EVANS = evans()
WRONG_EVANS.target_text = WRONG_EVANS.target_text.replace("Evans", "Plooij-van Gorsel")
WRONG_EVANS.target_entities[0] = WRONG_EVANS.target_entities[0].model_copy(
    update={"end": 9 + 17})
BACK = {
    tagged_target(segni()): 'Thank you, Mr <PER id="1">Segni</PER>, I will gladly do that.',
    tagged_target(WRONG_EVANS): 'Yes, Mr <PER id="1">Plooij-van Gorsel</PER>, I think such an '
                                "initiative would be entirely appropriate.",
    tagged_target(seagal()): '<PER id="1">Seagal</PER> was granted Serbian citizenship earlier '
                             "this year after offering to open a martial arts school in the "
                             'capital <LOC id="2">Belgrade</LOC>.',
}


def back_translator(body) -> str:
    user = body["messages"][-1]["content"]
    lines = re.findall(r"^\[(\d+)\] (.*)$", user, re.MULTILINE)
    if lines:
        return "\n".join(f"[{n}] {BACK[text]}" for n, text in lines)
    return BACK[user]


def run(settings, samples, tmp_path, cache=True, config=None):
    ledger_path = tmp_path / "ledger.jsonl"

    async def main():
        client = LLMClient.from_config(settings.llm, settings.llm.base_url)
        service = LLMService(client, make_ledger(settings, ledger_path, [settings.llm.model]),
                             ResponseCache(tmp_path / "cache.sqlite") if cache else None)
        try:
            return await verify_samples(samples, settings, service, config)
        finally:
            await client.aclose()
            if service.cache is not None:
                service.cache.close()

    out = asyncio.run(main())
    rows = [json.loads(x) for x in ledger_path.read_text().splitlines()] \
        if ledger_path.exists() else []
    return out, rows


def test_round_trip_flags_the_wrong_name_and_keeps_the_right_ones(llm_server, llm_settings,
                                                                  tmp_path):
    llm_server.responder = back_translator
    samples = [segni(), WRONG_EVANS, seagal()]
    out, ledger = run(llm_settings, samples, tmp_path)
    assert llm_server.chat_calls == 3
    first = llm_server.requests[0].body["messages"]
    assert "Translate German text into English" in first[0]["content"]
    assert [s.id for s in out] == [s.id for s in samples]
    right, wrong, zh = out
    assert right.status == Status.accepted and right.issues == []
    assert right.back_translation == "Thank you, Mr Segni, I will gladly do that."
    assert wrong.status == Status.refine
    assert wrong.issues[0].message.startswith(
        "entity 1 'Evans' came back as 'Plooij-van Gorsel'")
    assert zh.status == Status.accepted, zh.issues
    (attempt,) = wrong.provenance.attempts
    assert attempt.stage == "verify" and attempt.prompt_version == "back_translate.v1"
    assert attempt.prompt_tokens > 0 and attempt.response == BACK[tagged_target(WRONG_EVANS)]
    assert [r["stage"] for r in ledger] == ["verify"] * 3

    again, _ = run(llm_settings, samples, tmp_path)  # the cache answers a rerun
    assert llm_server.chat_calls == 3
    assert [s.status for s in again] == [s.status for s in out]
    assert all(s.provenance.attempts[-1].cached for s in again)


def test_batches_and_the_one_by_one_fallback(llm_server, llm_settings, tmp_path):
    settings = llm_settings.model_copy(update={"llm": llm_settings.llm.model_copy(
        update={"batch_size": 3})})
    llm_server.responder = back_translator
    samples = [segni(), WRONG_EVANS, segni().model_copy(update={"id": "s3"})]
    out, _ = run(settings, samples, tmp_path, cache=False)
    assert llm_server.chat_calls == 1
    assert [s.status for s in out] == [Status.accepted, Status.refine, Status.accepted]
    assert out[0].provenance.attempts[0].prompt_tokens > 0

    llm_server.reset()
    # The batched answer does not split into 3 lines; single requests are answered well.
    llm_server.responder = lambda body: (back_translator(body) if "[1]" not in
                                         body["messages"][-1]["content"] else "[1] one line")
    out, _ = run(settings, samples, tmp_path / "b", cache=False)
    assert llm_server.chat_calls == 4  # the batch, then one by one
    assert [s.status for s in out] == [Status.accepted, Status.refine, Status.accepted]
    assert "asked alone" in (out[0].provenance.attempts[-1].error or "")


def test_suspicious_mode_asks_only_for_selected_samples(llm_server, llm_settings, tmp_path):
    llm_server.responder = back_translator
    out, _ = run(llm_settings, [segni(), WRONG_EVANS, seagal()], tmp_path, cache=False,
                 config=VerifyConfig(mode="suspicious"))
    # seagal: 西格爾 sounds little like Seagal, so it is selected; Segni and the wrong Evans
    # (name score 50, above the band) are not: suspicious mode trades catches for calls.
    assert llm_server.chat_calls == 1
    assert [bool(s.provenance.attempts) for s in out] == [False, False, True]
