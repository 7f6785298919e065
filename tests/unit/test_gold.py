"""The gold builder on the shipped corpora, and the scorer's sanity checks on real gold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from span_helpers import spans
from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.errors import InputError
from parallelner.evaluation.gold import build_gold, pair_entities, parse_pair
from parallelner.evaluation.scores import evaluate
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample


def test_pairing_in_order_when_label_counts_agree():
    src = "Obama met Merkel in Paris"
    tgt = "In Paris traf Obama Merkel"
    s = spans(src, ("Obama", "PER"), ("Merkel", "PER"), ("Paris", "LOC"))
    t = spans(tgt, ("Paris", "LOC"), ("Obama", "PER"), ("Merkel", "PER"))
    assert pair_entities(src, s, tgt, t) == [2, 0, 1]


def test_pairing_by_unique_identical_surface_when_counts_differ():
    src = "Sri Lankan MPs and Sri Lanka"
    tgt = "Sri Lanka , Ponnambalam und Sri Lanka , Colombo"
    s = spans(src, ("Sri Lankan", "MISC"), ("Sri Lanka", "LOC"))
    t = spans(tgt, ("Sri Lanka", "LOC"), ("Sri Lanka", "LOC"), ("Colombo", "LOC"))
    # "Sri Lanka" appears twice in the target: ambiguous, so unknown; Colombo has no partner
    assert pair_entities(src, s, tgt, t) == [None, None, None]
    t2 = spans("sri lanka und Colombo", ("sri lanka", "LOC"), ("Colombo", "LOC"))
    assert pair_entities(src, s, "sri lanka und Colombo", t2) == [1, None]


def test_europarl_en_de_gold_matches_the_corpus(gold_dir: Path):
    gs = build_gold("europarl", "en", "de", gold_dir=gold_dir)
    assert len(gs.gold) == len(gs.inputs) == gs.available == 799
    assert gs.source_entities == 702 and gs.gold_entities == 693  # the counts of SOURCE.md
    # every gold span is the entity the corpus marks: its text equals the file's tokens
    lines = (gold_dir / "europarl-ner" / "de-europarl.test.conll02").read_text("utf-8")
    blocks = [b for b in lines.split("\n\n") if b.strip()]
    assert len(blocks) == 799
    for rec, block in zip(gs.gold, blocks, strict=True):
        expected, current = [], None
        for row in block.splitlines():
            token, tag = row.split()[0], row.split()[-1]
            if tag.startswith("B-"):
                current = [tag[2:], token]
                expected.append(current)
            elif tag.startswith("I-") and current is not None:
                current[1] += token
            else:
                current = None
        got = [[t.label, t.surface(rec.target_text).replace(" ", "")] for t in rec.target_entities]
        assert got == expected, rec.id
    inp = gs.inputs[0]
    assert inp.mode == "project" and not inp.target_entities and inp.target_text
    assert [r.id for r in gs.inputs] == [r.id for r in gs.gold]
    assert gs.gold[0].id == "europarl-en-de-0000"
    assert gs.gold[0].source.path == "data/gold/europarl-ner/en-europarl.test.conll02"


def test_uner_pairs_follow_the_pairing_table(gold_dir: Path):
    en_zh = build_gold("uner-pud", "en", "zh", gold_dir=gold_dir)
    assert len(en_zh.gold) == 999  # one English sentence has no Chinese counterpart
    first = en_zh.gold[0]
    assert first.id == "uner-pud-en-zh-n01001-0001"
    assert "Kori Schulman" in first.source_text and "舒爾曼" in first.target_text
    assert [(t.surface(first.target_text), t.label) for t in first.target_entities][:2] == [
        ("美國", "LOC"), ("奧巴馬", "PER")]
    en_de = build_gold("uner-pud", "en", "de", gold_dir=gold_dir)
    assert len(en_de.gold) == 1000  # English and German share every sentence id
    zh_en = build_gold("uner-pud", "zh", "en", gold_dir=gold_dir, limit=5)
    assert [r.source_lang for r in zh_en.gold] == ["zh"] * 5
    assert zh_en.gold[0].target_text == first.source_text


def test_pairs_that_are_known_point_at_a_source_entity_of_the_same_label(gold_dir: Path):
    gs = build_gold("uner-pud", "en", "de", gold_dir=gold_dir)
    paired = [(r, t) for r in gs.gold for t in r.target_entities if t.source_index is not None]
    assert 0.6 * gs.gold_entities < len(paired) <= gs.gold_entities
    assert all(r.source_entities[t.source_index].label == t.label for r, t in paired)


def test_sample_is_seeded_and_kept_in_corpus_order(gold_dir: Path):
    a = build_gold("europarl", "en", "it", gold_dir=gold_dir, sample=20, seed=1, with_entities=True)
    b = build_gold("europarl", "en", "it", gold_dir=gold_dir, sample=20, seed=1, with_entities=True)
    c = build_gold("europarl", "en", "it", gold_dir=gold_dir, sample=20, seed=2, with_entities=True)
    ids = [r.id for r in a.gold]
    assert len(ids) == 20 and ids == [r.id for r in b.gold] and ids == sorted(ids)
    assert ids != [r.id for r in c.gold]
    assert all(r.source_entities or r.target_entities for r in a.gold)


def test_bad_requests_are_clear_errors(gold_dir: Path):
    with pytest.raises(InputError, match="unknown gold corpus 'wmt'"):
        build_gold("wmt", "en", "de", gold_dir=gold_dir)
    with pytest.raises(InputError, match="no 'zh' side"):
        build_gold("europarl", "en", "zh", gold_dir=gold_dir)
    with pytest.raises(InputError, match="looks like 'en-de'"):
        parse_pair("en_de")
    with pytest.raises(InputError, match="not found"):
        build_gold("europarl", "en", "de", gold_dir=gold_dir / "nowhere")


def test_scoring_real_gold_against_itself_is_perfect(gold_dir: Path):
    gs = build_gold("uner-pud", "en", "zh", gold_dir=gold_dir)
    ev = evaluate(gs.gold, gs.gold)
    assert ev.primary == "offset" and ev.same_text == 999
    for matching in ("offset", "surface"):
        overall = getattr(ev.views["all"], matching).overall
        assert overall.exact.f1 == 1.0 and overall.overlap.f1 == 1.0
        assert overall.exact.gold == 1137


def test_cli_gold_build_then_evaluate_inputs_scores_zero_recall(tmp_path: Path, gold_dir: Path):
    runner = CliRunner()
    result = runner.invoke(app, ["gold", "build", "--corpus", "europarl", "--pair", "en-de",
                                 "--pair", "en-es", "--out-dir", str(tmp_path),
                                 "--gold-dir", str(gold_dir), "--limit", "50"])
    assert result.exit_code == 0, result.output
    assert "en-es" in result.output
    gold = tmp_path / "europarl.en-de.gold.jsonl"
    inputs = tmp_path / "europarl.en-de.input.jsonl"
    assert len(read_jsonl(gold, ParallelSample)) == 50
    assert (tmp_path / "europarl.en-es.input.jsonl").exists()
    out = tmp_path / "m.json"
    # the projection inputs carry the target text but no entities: nothing is recalled
    result = runner.invoke(app, ["evaluate", str(inputs), "--gold", str(gold), "-o", str(out)])
    assert result.exit_code == 0, result.output
    overall = json.loads(out.read_text())["views"]["all"]["offset"]["overall"]
    assert overall["exact"]["gold"] > 0 and overall["exact"]["recall"] == 0.0
    assert overall["overlap"]["recall"] == 0.0


def test_cli_gold_build_bad_pair(tmp_path: Path):
    result = CliRunner().invoke(app, ["gold", "build", "--pair", "en-zh", "--out-dir",
                                      str(tmp_path)])
    assert result.exit_code == 1 and "no 'zh' side" in result.output
