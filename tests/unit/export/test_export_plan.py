"""The streamed split plan makes the decisions of the in-memory build, sample for sample."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallelner.errors import ConfigError
from parallelner.export.build import (
    SPLITS,
    BuildReport,
    assign_splits,
    drop_duplicates,
    group_keys,
    select_accepted,
)
from parallelner.export.plan import SplitPlanner
from parallelner.schema import EntitySpan, ParallelSample, SourceProvenance, Status


def _in_memory(records, fractions=(0.8, 0.1, 0.1), seed=0, by_document=True):
    report = BuildReport()
    kept = drop_duplicates(select_accepted(records, report), report)
    split = assign_splits(kept, fractions, seed, report, by_document)
    return {s: [r.id for r in recs] for s, recs in split.items()}, report


def _planned(records, fractions=(0.8, 0.1, 0.1), seed=0, by_document=True):
    """The plan over records numbered by position (the position stands for the byte offset)."""
    planner = SplitPlanner(seed, by_document)
    for i, rec in enumerate(records):
        planner.add(i, rec)
    reads: list[int] = []

    def first_key(i: int) -> str:
        reads.append(i)
        return min(group_keys(records[i], by_document))

    offsets = planner.plan(fractions, first_key)
    return {s: [records[i].id for i in offsets[s].tolist()] for s in SPLITS}, planner.report, reads


def _same(records, **kw) -> list[int]:
    expected, report = _in_memory(records, **kw)
    got, planned, reads = _planned(records, **kw)
    assert got == expected
    assert planned == report
    return reads


def test_the_fixture_plans_as_the_in_memory_build(uner_pairs) -> None:
    assert _same(uner_pairs.records) == []  # smallest keys differ in their first bytes: no reads
    _same(uner_pairs.records, seed=3, fractions=(0.6, 0.2, 0.2))
    _same(uner_pairs.records, by_document=False)
    shuffled = uner_pairs.records[:]
    random.Random(1).shuffle(shuffled)
    _same(shuffled)


def _sample(i: int, src: str, tgt: str, doc: str | None, status=Status.accepted) -> ParallelSample:
    return ParallelSample(
        id=f"s{i}", source_lang="en", target_lang="de", source_text=src, target_text=tgt,
        source_entities=[EntitySpan(start=0, end=1, label="PER")], status=status,
        source=SourceProvenance(dataset="europarl-ner", label_scheme="conll", document=doc),
    )


def test_documents_tied_by_a_sentence_read_their_keys_again_only_when_prefixes_tie() -> None:
    def recs(d1: str, d2: str) -> list[ParallelSample]:  # one group: two documents, a sentence
        return [_sample(0, "X a", "Y a", d1), _sample(1, "X b", "Y b", d2),
                _sample(2, "X a", "Y c", d2), _sample(3, "X d", "Y d", "other")]

    assert _same(recs("d1", "d2")) == []
    assert sorted(_same(recs("a-long-document-name-1", "a-long-document-name-2"))) == [0, 1, 2]


def test_bad_fractions_are_refused() -> None:
    with pytest.raises(ConfigError, match="split fractions"):
        _planned([], fractions=(1, 1))


def test_nothing_accepted_plans_empty_splits() -> None:
    got, report, _ = _planned([_sample(0, "a", "b", None, Status.review)])
    assert got == {s: [] for s in SPLITS} and report.read == 1 and report.groups == 0


words = st.sampled_from(["Anna", "anna", "Berlin", "Paris", " paris ", "Obama", "Rom"])
sentences = st.lists(words, min_size=1, max_size=2).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(sentences, sentences, st.sampled_from([None, "d1", "d2", "d3"]),
                          st.sampled_from([Status.accepted] * 4 + [Status.review])),
                min_size=1, max_size=25),
       st.integers(0, 3), st.booleans())
def test_property_plan_equals_in_memory_build(rows, seed, by_document) -> None:
    recs = [_sample(i, "X " + s, "Y " + t, d, st_) for i, (s, t, d, st_) in enumerate(rows)]
    recs += [_sample(100 + i, "Y " + t, "X " + s, None) for i, (s, t, _, _) in enumerate(rows[:3])]
    recs += [r.model_copy(update={"id": r.id + "-again"}) for r in recs[:2]]
    _same(recs, seed=seed, by_document=by_document)
