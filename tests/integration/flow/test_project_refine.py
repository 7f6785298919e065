"""Projection mode through a real refine round: a first answer that drops a tag goes to refine,
the span round answers, and the run finishes (it used to end with "projection needs a
target_text", and so did its resume)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.start import run_settings, start_run
from parallelner.io import read_jsonl, write_jsonl
from parallelner.markup.render import render_markup
from parallelner.schema import ParallelSample

pytestmark = pytest.mark.integration


def test_projection_refine_round_finishes_with_the_given_text(llm_server, europarl_pairs,
                                                             tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLELNER_PROJECT__STYLE", "inline")
    pairs = europarl_pairs[:4]
    # the first sentence's first answer leaves its first entity untagged
    first = pairs[0][1]
    tagged = {t.text: render_markup(t.text, t.entities) for _, t in pairs}
    tagged[first.text] = render_markup(first.text, first.entities[1:])
    tagged[first.text] = re.sub(r'id="(\d+)"', lambda m: f'id="{int(m.group(1)) + 1}"',
                                tagged[first.text])
    target_of = {s.text[e.start:e.end]: t.text[f.start:f.end]
                 for s, t in pairs for e, f in zip(s.entities, t.entities, strict=True)}
    span_rounds = []

    def respond(body):
        user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        if "\nEntities:\n" in user:  # the refine span round: name the entities at fault
            span_rounds.append(user)
            asked = re.findall(r"^\[(\d+)\] (.+)$", user.split("\nEntities:\n", 1)[1], re.M)
            return "\n".join(f"[{n}] {target_of.get(name.strip(), name)}" for n, name in asked)
        given = user.split("without tags:", 1)[1].split("\n", 1)[0].strip()
        return tagged.get(given, given)

    llm_server.responder = respond
    src = tmp_path / "project.jsonl"
    write_jsonl(src, [ParallelSample(id=s.id, source_lang="en", target_lang="de",
                                     source_text=s.text, source_entities=s.entities,
                                     target_text=t.text, mode="project") for s, t in pairs])
    overrides = {"outputs_dir": tmp_path / "out",
                 "run": {"source": str(src), "mode": "project", "source_lang": "en",
                         "target_lang": "de", "review": False, "chunk_size": 2},
                 "llm": {"base_url": llm_server.url, "model": "test-model"}}
    outcome = start_run(run_settings(None, overrides, "proj-refine"), "proj-refine")
    final = {r.id: r for r in read_jsonl(outcome.paths.final, ParallelSample)}
    assert span_rounds, "no refine round was asked: the test did not reach refine"
    assert [final[s.id].target_text for s, _ in pairs] == [t.text for _, t in pairs]
    fixed = final[pairs[0][0].id]
    assert any(a.stage.startswith("refine") for a in fixed.provenance.attempts)
    assert fixed.status.value == "accepted", fixed.issues
    assert sorted((e.start, e.end) for e in fixed.target_entities) == \
        sorted((e.start, e.end) for e in first.entities)
    # resuming the finished run is a no-op that succeeds
    calls = llm_server.chat_calls
    start_run(run_settings(None, {"outputs_dir": tmp_path / "out"}, "proj-refine"),
              "proj-refine")
    assert llm_server.chat_calls == calls
    assert Path(outcome.paths.final).exists()
