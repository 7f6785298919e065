"""The round trip inside a run: a wrong name that the aligner accepts is caught by verify, goes to
refine with the difference as its message, and when refine answers the same wrong name again it
ends with people (review), not accepted."""

from __future__ import annotations

import re

import pytest

from flows.start import run_settings, start_run
from parallelner.io import read_jsonl, write_jsonl
from parallelner.markup.render import render_markup
from parallelner.schema import EntitySpan, ParallelSample

pytestmark = pytest.mark.integration

WRONG = "Schmidt"


def _with_name(text: str, entities, index: int, name: str):
    """``text`` with entity ``index`` replaced by ``name`` (the other spans moved along)."""
    e = entities[index]
    shift = len(name) - (e.end - e.start)
    new_text = text[: e.start] + name + text[e.end:]
    spans = [EntitySpan(start=x.start + (shift if x.start > e.start else 0),
                        end=x.end + (shift if x.start >= e.start else 0), label=x.label)
             for x in entities]
    return new_text, spans


def test_a_wrong_name_refine_cannot_fix_ends_in_review(llm_server, europarl_pairs, tmp_path):
    s, t = next((s, t) for s, t in europarl_pairs
                if any(e.label == "PER" for e in s.entities))
    k = next(i for i, e in enumerate(s.entities) if e.label == "PER")
    de_text, de_spans = _with_name(t.text, t.entities, k, WRONG)
    en_text, en_spans = _with_name(s.text, s.entities, k, WRONG)
    wrong_answer = render_markup(de_text, de_spans)
    back = render_markup(en_text, en_spans)
    calls: list[str] = []

    def respond(body):
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        if system.startswith("You translate named entities"):  # refine's span round
            calls.append("refine-spans")
            asked = re.findall(r"^\[(\d+)\] ", user.split("\nEntities:\n", 1)[1], re.M)
            return "\n".join(f"[{n}] {WRONG}" for n in asked)
        if "Source: " in user:  # refine's sentence round: the same answer again
            calls.append("refine-sentence")
            return wrong_answer
        if user.strip() == wrong_answer:  # the round trip
            calls.append("verify")
            return back
        calls.append("translate")
        return wrong_answer

    llm_server.responder = respond
    src = tmp_path / "one.jsonl"
    write_jsonl(src, [s])
    overrides = {"outputs_dir": tmp_path / "out",
                 "run": {"source": str(src), "source_format": "jsonl", "source_lang": "en",
                         "target_lang": "de", "review": False},
                 "llm": {"base_url": llm_server.url, "model": "test-model"}}
    outcome = start_run(run_settings(None, overrides, "wrong-name"), "wrong-name")
    (final,) = read_jsonl(outcome.paths.final, ParallelSample)
    assert calls[0] == "translate" and calls[1] == "verify" and "refine-spans" in calls
    assert final.status.value == "review", (final.status, final.issues)
    changed = [i for i in final.issues if i.code == "roundtrip_name_changed"]
    assert changed and WRONG in changed[0].message, final.issues
    assert final.back_translation and WRONG in final.back_translation
