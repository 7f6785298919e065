"""Building the dataset: selection, exact duplicates, splits without leaks, declared features."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallelner.errors import ConfigError, InputError, UnknownLabelError
from parallelner.export.build import (
    SPLITS,
    assign_splits,
    build_dataset,
    row_to_sample,
    sample_to_row,
    sentence_key,
)
from parallelner.export.features import FEATURES
from parallelner.schema import EntitySpan, ParallelSample, SourceProvenance, Status


def _split_of(dsd) -> dict[str, str]:
    return {row["id"]: split for split, ds in dsd.items() for row in ds}


def test_features_are_the_declared_ones(uner_pairs) -> None:
    dsd, _ = build_dataset(uner_pairs.records)
    assert set(dsd) == set(SPLITS)
    for ds in dsd.values():
        assert ds.features == FEATURES


def test_only_accepted_samples_and_no_exact_duplicates(uner_pairs) -> None:
    dsd, report = build_dataset(uner_pairs.records)
    ids = list(_split_of(dsd))
    assert len(ids) == len(uner_pairs.forward) + len(uner_pairs.reverse)
    assert report.read == len(uner_pairs.records)
    assert report.duplicates == uner_pairs.duplicates == 3
    assert dict(report.skipped_by_status) == {"review": 1, "rejected": 1}
    assert not any(i.endswith("-again") for i in ids)  # the first copy wins
    contents = [(r["source_text"], r["target_text"]) for ds in dsd.values() for r in ds]
    assert len(contents) == len(set(contents))


def test_no_sentence_and_no_document_in_two_splits(uner_pairs) -> None:
    dsd, report = build_dataset(uner_pairs.records)
    sentences: dict[str, set[str]] = defaultdict(set)
    documents: dict[str, set[str]] = defaultdict(set)
    for split, ds in dsd.items():
        for row in ds:
            sentences[sentence_key(row["source_text"])].add(split)
            sentences[sentence_key(row["target_text"])].add(split)
            documents[row["provenance"]["document"]].add(split)
    assert all(len(s) == 1 for s in sentences.values())
    assert all(len(s) == 1 for s in documents.values())
    assert report.groups < len(uner_pairs.forward)  # UNER documents hold several sentences


def test_both_directions_of_a_sentence_stay_in_one_split(uner_pairs) -> None:
    dsd, _ = build_dataset(uner_pairs.records)
    split = _split_of(dsd)
    by_text = {r.source_text: r.id for r in uner_pairs.forward}
    assert uner_pairs.reverse
    for rev in uner_pairs.reverse:
        assert split[rev.id] == split[by_text[rev.target_text]]


def test_split_shares_are_close_and_the_split_is_deterministic(uner_pairs) -> None:
    accepted = uner_pairs.forward + uner_pairs.reverse
    dsd, _ = build_dataset(accepted)
    n = len(accepted)
    sizes = {s: len(dsd[s]) for s in SPLITS}
    assert abs(sizes["train"] / n - 0.8) < 0.05, sizes
    assert sizes["validation"] > 0 and sizes["test"] > 0
    shuffled = accepted[:]
    random.Random(1).shuffle(shuffled)
    assert _split_of(build_dataset(shuffled)[0]) == _split_of(dsd)
    assert _split_of(build_dataset(accepted, seed=7)[0]) != _split_of(dsd)


def test_rows_read_back_as_the_same_samples(uner_pairs) -> None:
    dsd, _ = build_dataset(uner_pairs.records)
    originals = {r.id: r for r in uner_pairs.records}
    for ds in dsd.values():
        for row in ds:
            back, orig = row_to_sample(row), originals[row["id"]]
            for name in ("source_lang", "target_lang", "source_text", "target_text",
                         "source_entities", "target_entities", "confidence", "status", "mode",
                         "source"):
                assert getattr(back, name) == getattr(orig, name), name
            assert back.provenance.reviewed_by == orig.provenance.reviewed_by
            assert back.provenance.reviewer == orig.provenance.reviewer
            assert row["provenance"]["reviewer"] == orig.provenance.reviewer
            assert back.provenance.model == orig.provenance.model
            for side in ("source", "target"):
                text = row[f"{side}_text"]
                for e in row[f"{side}_entities"]:
                    assert text[e["start"] : e["end"]] == e["text"]


def test_entity_text_and_class_are_filled(uner_pairs) -> None:
    row = sample_to_row(uner_pairs.forward[0])
    types = {e["label"]: e["type"] for e in row["source_entities"] + row["target_entities"]}
    assert types and set(types.items()) <= {("PER", "Person"), ("LOC", "Location"),
                                            ("ORG", "Organization")}


def _sample(i: int, src: str, tgt: str, label: str = "PER", **kw) -> ParallelSample:
    return ParallelSample(
        id=f"s{i}", source_lang="en", target_lang="de", source_text=src, target_text=tgt,
        source_entities=[EntitySpan(start=0, end=1, label=label)], status=Status.accepted,
        source=SourceProvenance(dataset="europarl-ner", label_scheme=kw.get("scheme", "conll"),
                                document=kw.get("doc")),
    )


def test_unknown_label_names_the_sample() -> None:
    with pytest.raises(UnknownLabelError, match="sample 's1'.*'PERSON'.*known labels: PER"):
        build_dataset([_sample(1, "a b", "a c", label="PERSON")])
    with pytest.raises(UnknownLabelError, match="unknown label scheme 'bio'"):
        build_dataset([_sample(1, "a b", "a c", scheme="bio")])


def test_accepted_without_translation_is_an_error() -> None:
    bad = _sample(3, "a b", "a c").model_copy(update={"target_text": None})
    with pytest.raises(InputError, match="sample 's3' is accepted but has no target_text"):
        build_dataset([bad])


@pytest.mark.parametrize("fractions", [(0.8, 0.2), (1, -1, 1), (0, 0, 0)])
def test_bad_fractions_are_refused(fractions) -> None:
    with pytest.raises(ConfigError, match="split fractions"):
        assign_splits([], fractions)


# A tiny vocabulary makes sentences collide across samples (in either side, in case and spacing).
words = st.sampled_from(["Anna", "anna", "Berlin", "Paris", " paris ", "Obama", "Rom"])
sentences = st.lists(words, min_size=1, max_size=2).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(sentences, sentences, st.sampled_from([None, "d1", "d2"])),
                min_size=1, max_size=25), st.integers(0, 3))
def test_property_no_sentence_or_document_leaks(triples, seed) -> None:
    recs = [_sample(i, "X " + s, "Y " + t, doc=d) for i, (s, t, d) in enumerate(triples)]
    recs += [_sample(100 + i, "Y " + t, "X " + s) for i, (s, t, _) in enumerate(triples[:3])]
    split_of_key: dict[str, str] = {}
    for split, members in assign_splits(recs, seed=seed).items():
        for rec in members:
            keys = [sentence_key(rec.source_text), sentence_key(rec.target_text or "")]
            keys += [f"doc:{rec.source.document}"] if rec.source.document else []
            for key in keys:
                assert split_of_key.setdefault(key, split) == split


def test_document_grouping_can_be_turned_off(uner_pairs) -> None:
    accepted = uner_pairs.forward + uner_pairs.reverse
    _, with_docs = build_dataset(accepted)
    dsd, by_sentence = build_dataset(accepted, by_document=False)
    assert by_sentence.groups > with_docs.groups
    # Sentences still never cross splits, nor do the two directions of one pair.
    seen: dict[str, str] = {}
    for split, ds in dsd.items():
        for row in ds:
            for text in (row["source_text"], row["target_text"]):
                assert seen.setdefault(sentence_key(text), split) == split
