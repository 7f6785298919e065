"""The bio and code views: every row reads back into the entities it came from."""

from __future__ import annotations

import ast

import pytest

from parallelner.codestyle import answers_to_spans, code_to_answers, spans_to_answers
from parallelner.errors import ConfigError, InputError
from parallelner.export.build import build_dataset
from parallelner.export.views import (
    Tokenizers,
    ViewReport,
    bio_to_spans,
    bio_view,
    code_view,
    tokenize_with_spans,
)
from parallelner.ontology import classes_for
from parallelner.schema import EntitySpan


@pytest.fixture(scope="module")
def dsd(uner_pairs):
    return build_dataset(uner_pairs.records)[0]


def _entities(dsd) -> dict[tuple[str, str], list[tuple[int, int, str]]]:
    """(sample id, side) -> sorted spans, from the main dataset."""
    return {
        (row["id"], side): sorted(
            (e["start"], e["end"], e["label"]) for e in row[f"{side}_entities"]
        )
        for ds in dsd.values() for row in ds for side in ("source", "target")
    }


@pytest.mark.parametrize("segmenter", ["char", "jieba"])
def test_bio_rows_decode_to_the_original_spans(dsd, segmenter) -> None:
    report = ViewReport()
    bio = bio_view(dsd, Tokenizers(segmenter), report)
    spans = _entities(dsd)
    assert set(bio) == set(dsd)
    n = 0
    for split, ds in bio.items():
        names = ds.features["ner_tags"].feature.names
        assert names[0] == "O" and {"B-PER", "I-PER", "B-LOC", "B-ORG"} <= set(names)
        sample_ids = set(dsd[split]["id"])
        for row in ds:
            assert row["sample_id"] in sample_ids  # a sentence stays in its sample's split
            tags = [names[t] for t in row["ner_tags"]]
            assert len(row["tokens"]) == len(row["token_starts"]) == len(tags)
            for tok, start in zip(row["tokens"], row["token_starts"], strict=True):
                assert row["text"][start : start + len(tok)] == tok
            assert bio_to_spans(row["tokens"], row["token_starts"], tags) == spans[
                (row["sample_id"], row["side"])]
            if row["lang"] == "zh" and segmenter == "char":
                assert all(len(t) == 1 for t in row["tokens"])
            n += 1
    assert report.changed_spans == 0
    # Reverse-direction samples repeat sentences of forward ones: each sentence is kept once.
    assert report.duplicates == 2 * 30 and n == 2 * sum(len(d) for d in dsd.values()) - 60


def test_entities_are_whole_tokens_even_inside_a_word() -> None:
    nlp = Tokenizers()("en")
    text = "The US-based firm, Acme Corp., sued."
    spans = [(4, 6, "LOC"), (19, 29, "ORG")]
    tokens, starts, tags = tokenize_with_spans(nlp, text, spans)
    assert tokens[:3] == ["The", "US", "-based"] and tags[1] == "B-LOC"
    assert bio_to_spans(tokens, starts, tags) == spans


def test_bio_decoding_conventions() -> None:
    toks, starts = ["a", "b", "c", "d"], [0, 2, 4, 6]
    assert bio_to_spans(toks, starts, ["B-X", "B-X", "I-X", "O"]) == [(0, 1, "X"), (2, 5, "X")]
    assert bio_to_spans(toks, starts, ["I-X", "I-Y", "O", "I-X"]) == [
        (0, 1, "X"), (2, 3, "Y"), (6, 7, "X")]


def test_unknown_language_falls_back_and_is_reported() -> None:
    report = ViewReport()
    nlp = Tokenizers(report=report)("qq")
    assert [t.text for t in nlp.make_doc("two words")] == ["two", "words"]
    assert report.fallback_langs == {"qq"}
    with pytest.raises(ConfigError, match="zh_segmenter"):
        Tokenizers("pkuseg")


def test_code_rows_parse_back_into_the_same_entities(dsd) -> None:
    report = ViewReport()
    code = code_view(dsd, report)
    spans = _entities(dsd)
    allowed = classes_for("conll")
    tasks = {"ner": 0, "translated_ner": 0}
    for split, ds in code.items():
        assert set(ds["sample_id"]) <= set(dsd[split]["id"])
        for row in ds:
            side = "source" if row["id"].endswith(":ner:source") else "target"
            expected = [EntitySpan(start=s, end=e, label=lab)
                        for s, e, lab in spans[(row["sample_id"], side)]]
            answers = code_to_answers(row["completion"], allowed=allowed)
            assert answers == spans_to_answers(row["text"], expected, "conll")
            assert answers_to_spans(row["text"], answers, "conll") == expected
            tree = ast.parse(row["prompt"])  # the prompt is code too
            assigned = {ast.unparse(n.targets[0]): n.value for n in tree.body
                        if isinstance(n, ast.Assign)}
            sentence = "sentence" if row["task"] == "ner" else "target_sentence"
            assert ast.literal_eval(assigned[sentence]) == row["text"]
            if row["task"] == "translated_ner":
                src = [EntitySpan(start=s, end=e, label=lab)
                       for s, e, lab in spans[(row["sample_id"], "source")]]
                source_text = ast.literal_eval(assigned["source_sentence"])
                assert code_to_answers(row["prompt"], var="source_results") == spans_to_answers(
                    source_text, src, "conll")
            tasks[row["task"]] += 1
    n = sum(len(d) for d in dsd.values())
    # A zh->en sample asks the same two NER questions as its en->zh twin: kept once.
    assert report.duplicates == 2 * 30
    assert tasks == {"ner": 2 * n - 60, "translated_ner": n}


def test_code_prompt_shows_the_scheme_classes_with_examples_of_both_languages(dsd) -> None:
    row = code_view(dsd)["train"][0]
    assert "class Person(Entity):" in row["prompt"] and "class Company" not in row["prompt"]
    assert "Barack Obama" in row["prompt"] and "奥巴马" in row["prompt"]


def test_overlapping_entities_are_an_error_naming_the_sample(uner_pairs) -> None:
    rec = uner_pairs.forward[0]
    bad = rec.model_copy(update={"source_entities": [
        EntitySpan(start=0, end=4, label="PER"), EntitySpan(start=2, end=6, label="LOC")],
        "target_entities": []})
    dsd = build_dataset([bad])[0]
    with pytest.raises(InputError, match=f"sample '{rec.id}', source side: overlapping"):
        bio_view(dsd, Tokenizers())
