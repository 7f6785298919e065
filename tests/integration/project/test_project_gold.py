"""Projection end to end: gold inputs -> `parallelner project` over real HTTP (our OpenAI-protocol
server, answering from the gold) -> `parallelner evaluate` against the gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.evaluation.gold import build_gold
from parallelner.io import read_jsonl, write_jsonl
from parallelner.markup.render import render_markup
from parallelner.schema import EntitySpan, ParallelSample

pytestmark = pytest.mark.integration


def _gold_answers(gold: list[ParallelSample], style: str, slip: bool = False):
    """A responder that knows the gold: the paired gold spans are the model's answer."""
    by_text = {g.target_text: g for g in gold}

    def respond(body: dict) -> str:
        user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        lines = user.splitlines()
        key = "German without tags: " if style == "inline" else "German: "
        text = next(line[len(key):] for line in lines if line.startswith(key))
        g = by_text[text]
        paired = [t for t in g.target_entities if t.source_index is not None]
        if style == "list":
            words = {t.source_index + 1: t.surface(text) for t in paired}
            return "\n".join(f"{n}. X -> {words.get(n, '(none)')}"
                             for n in range(1, len(g.source_entities) + 1))
        # inline: ids follow the source entity order, as render_markup numbers them
        spans = sorted(paired, key=lambda t: t.source_index)
        marked = render_markup(text, [EntitySpan(start=t.start, end=t.end, label=t.label)
                                      for t in spans])
        for i, t in enumerate(spans):  # renumber i+1 -> source_index+1
            marked = marked.replace(f'id="{i + 1}">', f'id="#{t.source_index + 1}">', 1)
        marked = marked.replace('id="#', 'id="')
        return marked.replace("ß", "ss") if slip else marked

    return respond


def _run(args: list[str]):
    return CliRunner().invoke(app, args, catch_exceptions=False)


@pytest.mark.parametrize("style,slip", [("list", False), ("inline", False), ("inline", True)])
def test_project_then_evaluate(style, slip, llm_server, tmp_path: Path, monkeypatch, gold_dir):
    monkeypatch.setenv("PARALLELNER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARALLELNER_PROJECT__STYLE", style)
    gs = build_gold("europarl", "en", "de", gold_dir=gold_dir, limit=25, with_entities=True)
    inp, gold, out = tmp_path / "in.jsonl", tmp_path / "gold.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, gs.inputs)
    write_jsonl(gold, gs.gold)
    llm_server.responder = _gold_answers(gs.gold, style, slip)
    res = _run(["project", str(inp), "-o", str(out), "--base-url", llm_server.url,
                "--model", "test-model"])
    assert res.exit_code == 0, res.output
    asked = sum(1 for r in gs.inputs if r.source_entities)
    assert llm_server.chat_calls == asked  # no call for pairs without source entities
    projected = read_jsonl(out, ParallelSample)
    assert [r.target_text for r in projected] == [r.target_text for r in gs.inputs]
    codes = {i.code for r in projected for i in r.issues}
    assert ("projection_reanchored" in codes) == slip
    metrics = tmp_path / "m.json"
    assert _run(["evaluate", str(out), "--gold", str(gold), "-o", str(metrics)]).exit_code == 0
    exact = json.loads(metrics.read_text())["views"]["all"]["offset"]["overall"]["exact"]
    # every paired gold span was answered: those are found (the aligner may find more)
    assert exact["correct"] >= gs.paired_entities
    assert exact["precision"] >= 0.9
