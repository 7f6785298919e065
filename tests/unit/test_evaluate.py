"""Scoring of predicted target entities against gold, on small hand-made cases."""

from __future__ import annotations

import json

import pytest
from span_helpers import spans
from typer.testing import CliRunner

from parallelner.cli import app
from parallelner.errors import InputError
from parallelner.evaluation.files import evaluate_files, load_samples
from parallelner.evaluation.scores import evaluate, max_matching, score_offsets, score_surfaces
from parallelner.io import write_jsonl
from parallelner.schema import ParallelSample, Status, TargetSpan

SRC = "Obama met Merkel in Paris ."


def sample(
    sid: str,
    target_text: str | None,
    target: list[tuple[str, str, int | None]] = (),
    status: Status | None = None,
    source: list[tuple[str, str]] = (("Obama", "PER"), ("Merkel", "PER"), ("Paris", "LOC")),
    pair: tuple[str, str] = ("en", "de"),
) -> ParallelSample:
    tspans = spans(target_text or "", *[(s, lab) for s, lab, _ in target])
    return ParallelSample(
        id=sid,
        source_lang=pair[0],
        target_lang=pair[1],
        source_text=SRC,
        source_entities=spans(SRC, *source),
        target_text=target_text,
        target_entities=[
            TargetSpan(start=s.start, end=s.end, label=s.label, source_index=idx)
            for s, (_, _, idx) in zip(tspans, target, strict=True)
        ],
        status=status,
    )


DE = "Obama traf Angela Merkel in Paris ."
GOLD = sample("s1", DE, [("Obama", "PER", 0), ("Angela Merkel", "PER", 1), ("Paris", "LOC", 2)])


def test_exact_needs_same_offsets_overlap_needs_only_intersection():
    pred = sample("s1", DE, [("Obama", "PER", 0), ("Merkel", "PER", 1), ("Paris", "LOC", 2)])
    s = evaluate([GOLD], [pred]).views["all"].offset
    assert (s.overall.exact.correct, s.overall.overlap.correct) == (2, 3)
    assert s.per_label["PER"].exact.correct == 1 and s.per_label["PER"].overlap.correct == 2
    assert s.per_label["LOC"].exact.f1 == 1.0
    assert s.overall.exact.precision == pytest.approx(2 / 3)
    assert s.overall.exact.recall == pytest.approx(2 / 3)


def test_a_wrong_label_is_no_hit_even_on_the_same_span():
    pred = sample("s1", DE, [("Obama", "ORG", 0), ("Angela Merkel", "PER", 1), ("Paris", "LOC", 2)])
    s = evaluate([GOLD], [pred]).views["all"].offset
    assert s.overall.exact.correct == 2 and s.overall.overlap.correct == 2
    assert s.per_label["ORG"].exact.predicted == 1 and s.per_label["ORG"].exact.gold == 0
    assert s.per_label["PER"].exact.recall == 0.5


def test_overlap_hits_are_one_to_one():
    # one predicted span over both gold PER spans can hit only one of them
    gold = sample("s1", "Angela Merkel Obama", [("Angela Merkel", "PER", 1), ("Obama", "PER", 0)])
    pred = sample("s1", "Angela Merkel Obama", [("Merkel Obama", "PER", 0)])
    s = evaluate([gold], [pred]).views["all"].offset.overall.overlap
    assert (s.gold, s.predicted, s.correct) == (2, 1, 1)


def test_max_matching_finds_what_greedy_misses():
    # gold 0 overlaps preds 0 and 1, gold 1 only pred 0: greedy 0->0 would leave gold 1 alone
    edges = {(0, 0), (0, 1), (1, 0)}
    assert max_matching(2, 2, lambda g, p: (g, p) in edges) == 2
    assert max_matching(2, 0, lambda g, p: True) == 0


def test_offset_helpers_per_label_counts():
    g = spans("ab cd ef", ("ab", "PER"), ("ef", "LOC"))
    p = spans("ab cd ef", ("ab cd", "PER"))
    assert score_offsets(g, p) == {"PER": (1, 1, 0, 1), "LOC": (1, 0, 0, 0)}


def test_surface_matching_for_translations():
    pred = sample("s1", "Obama traf Frau Merkel in  Paris .",
                  [("Obama", "PER", 0), ("Merkel", "PER", 1), ("Paris", "LOC", 2)])
    ev = evaluate([GOLD], [pred])
    assert ev.views["all"].offset is None  # no text equals its gold: offsets mean nothing
    assert ev.primary == "surface" and ev.different_text == 1
    s = ev.views["all"].surface.overall
    assert s.exact.correct == 2  # Obama, Paris; "Merkel" is contained in "Angela Merkel"
    assert s.overlap.correct == 3


def test_surface_normalizes_whitespace_and_overlap_ignores_case():
    g = spans("Die  Europäische Union", ("Die  Europäische Union", "ORG"))
    p = spans("die Europäische Union", ("die Europäische Union", "ORG"))
    assert score_surfaces("Die  Europäische Union", g, "die Europäische Union", p) == {
        "ORG": (1, 1, 0, 1)
    }


def test_rewritten_text_scores_nothing_by_offset_but_by_surface():
    same = sample("s1", DE, [("Obama", "PER", 0), ("Angela Merkel", "PER", 1), ("Paris", "LOC", 2)])
    changed = sample("s2", "Obama traf Angela Merkel in Paris!",
                     [("Obama", "PER", 0), ("Angela Merkel", "PER", 1), ("Paris", "LOC", 2)])
    gold2 = GOLD.model_copy(update={"id": "s2"})
    ev = evaluate([GOLD, gold2], [same, changed])
    assert (ev.same_text, ev.different_text, ev.primary) == (1, 1, "surface")
    off = ev.views["all"].offset.overall.exact
    assert (off.gold, off.predicted, off.correct) == (6, 6, 3)
    assert ev.views["all"].surface.overall.exact.correct == 6


def test_missing_predictions_are_misses_and_extra_ones_are_not_scored():
    other = GOLD.model_copy(update={"id": "s2"})
    extra = GOLD.model_copy(update={"id": "zz"})
    ev = evaluate([GOLD, other], [GOLD, extra])
    assert (ev.missing, ev.extra, ev.predicted_samples) == (1, 1, 1)
    s = ev.views["all"].offset.overall.exact
    assert (s.gold, s.predicted, s.correct) == (6, 3, 3)
    assert s.precision == 1.0 and s.recall == 0.5
    assert ev.status == {"none": 1, "missing": 1}


def test_rejected_predicts_nothing_and_accepted_view_keeps_only_accepted():
    acc = GOLD.model_copy(update={"status": Status.accepted})
    rej = GOLD.model_copy(update={"id": "s2", "status": Status.rejected})
    gold2 = GOLD.model_copy(update={"id": "s2"})
    ev = evaluate([GOLD, gold2], [acc, rej])
    all_, accepted = ev.views["all"], ev.views["accepted"]
    assert all_.offset.overall.exact.recall == 0.5 and all_.offset.overall.exact.precision == 1.0
    assert accepted.samples == 1 and accepted.offset.overall.exact.f1 == 1.0
    assert ev.status == {"accepted": 1, "rejected": 1}
    # the rejected sample drops its spans, so it is not faithful either
    assert (all_.faithfulness.faithful, all_.faithfulness.samples) == (1, 2)
    assert accepted.faithfulness.share == 1.0


def test_faithfulness_needs_every_source_entity():
    full = sample("a", DE, [("Obama", "PER", 0), ("Angela Merkel", "PER", 1), ("Paris", "LOC", 2)])
    part = sample("b", DE, [("Obama", "PER", 0), ("Paris", "LOC", 2)])
    twice = sample("c", DE, [("Obama", "PER", 0), ("Angela Merkel", "PER", 0), ("Paris", "LOC", 2)])
    none = sample("d", "Hallo .", [], source=[])
    gold = [x.model_copy() for x in (full, part, twice, none)]
    f = evaluate(gold, [full, part, twice, none]).views["all"].faithfulness
    assert (f.faithful, f.samples) == (2, 4)


def test_per_pair_breakdown():
    zh = sample("z", "奧巴馬在巴黎", [("奧巴馬", "PER", 0), ("巴黎", "LOC", 2)], pair=("en", "zh"))
    pred_zh = sample("z", "奧巴馬在巴黎", [("奧巴馬", "PER", 0)], pair=("en", "zh"))
    ev = evaluate([GOLD, zh], [GOLD, pred_zh])
    pp = ev.views["all"].offset.per_pair
    assert list(pp) == ["en-de", "en-zh"]
    assert pp["en-de"].exact.f1 == 1.0 and pp["en-zh"].exact.recall == 0.5


def test_gold_against_itself_is_perfect_and_empty_predictions_recall_nothing():
    ev = evaluate([GOLD], [GOLD])
    assert ev.primary == "offset"
    for bd in (ev.views["all"].offset, ev.views["all"].surface):
        assert bd.overall.exact.f1 == 1.0 and bd.overall.overlap.f1 == 1.0
    empty = GOLD.model_copy(update={"target_entities": []})
    s = evaluate([GOLD], [empty]).views["all"].offset.overall
    assert s.exact.recall == 0.0 and s.overlap.recall == 0.0 and s.exact.predicted == 0


def test_language_pair_mismatch_names_the_sample():
    with pytest.raises(InputError, match="'s1'.*en->zh"):
        evaluate([GOLD], [GOLD.model_copy(update={"target_lang": "zh"})])


def test_files_duplicate_ids_and_bad_lines_name_file_and_line(tmp_path):
    path = tmp_path / "p.jsonl"
    write_jsonl(path, [GOLD, GOLD])
    with pytest.raises(InputError, match=r"p\.jsonl:2: sample id 's1' already appeared on line 1"):
        load_samples(path)
    path.write_text(GOLD.model_dump_json() + "\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"p\.jsonl:2: invalid JSON"):
        evaluate_files(path, path)


def test_cli_evaluate_prints_tables_and_writes_metrics(tmp_path):
    gold, pred, out = tmp_path / "g.jsonl", tmp_path / "p.jsonl", tmp_path / "m" / "metrics.json"
    write_jsonl(gold, [GOLD])
    write_jsonl(pred, [sample("s1", DE, [("Obama", "PER", 0), ("Merkel", "PER", 1)])])
    result = CliRunner().invoke(app, ["evaluate", str(pred), "--gold", str(gold), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "offset matching (primary)" in result.output and "faithful" in result.output
    data = json.loads(out.read_text())
    exact = data["views"]["all"]["offset"]["overall"]["exact"]
    assert (exact["gold"], exact["predicted"], exact["correct"]) == (3, 2, 1)
    assert exact["f1"] == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_cli_evaluate_bad_input_is_one_clear_error(tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text('{"id": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(gold), "--gold", str(gold)])
    assert result.exit_code == 1
    assert "g.jsonl:1" in result.output and "Traceback" not in result.output
