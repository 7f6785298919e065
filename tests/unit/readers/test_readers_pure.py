"""Pure logic under the readers: tag decoding, detokenization, token location, file-name facts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallelner.readers.detok import TokenNotFound, detokenize, locate_tokens
from parallelner.readers.naming import lang_from_name, sample_id, split_from_name
from parallelner.readers.tags import TagError, TokenSpan, decode_tags


def test_bio_decoding():
    spans, problems = decode_tags(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"])
    assert spans == [TokenSpan(0, 2, "PER"), TokenSpan(3, 4, "LOC"), TokenSpan(4, 6, "LOC")]
    assert problems == []


def test_bioes_and_bilou_tags_decode_in_bio_mode():
    spans, problems = decode_tags(["S-PER", "O", "B-ORG", "I-ORG", "E-ORG", "U-LOC", "B-X", "L-X"])
    assert spans == [
        TokenSpan(0, 1, "PER"),
        TokenSpan(2, 5, "ORG"),
        TokenSpan(5, 6, "LOC"),
        TokenSpan(6, 8, "X"),
    ]
    assert problems == []


def test_orphan_inside_is_a_reported_repair():
    spans, problems = decode_tags(["O", "I-PER", "I-PER", "B-LOC", "I-ORG"])
    assert spans == [TokenSpan(1, 3, "PER"), TokenSpan(3, 4, "LOC"), TokenSpan(4, 5, "ORG")]
    assert [(p.index, p.code) for p in problems] == [(1, "orphan-inside"), (4, "orphan-inside")]
    assert "I-PER follows O" in problems[0].message
    assert "I-ORG follows B-LOC" in problems[1].message


def test_iob1_opening_inside_is_valid():
    spans, problems = decode_tags(["I-PER", "I-PER", "B-PER", "O", "I-LOC"], scheme="iob1")
    assert spans == [TokenSpan(0, 2, "PER"), TokenSpan(2, 3, "PER"), TokenSpan(4, 5, "LOC")]
    assert problems == []


@pytest.mark.parametrize("tag", ["PER", "X-PER", "B-", "b-PER", "B_PER", ""])
def test_invalid_tags_raise(tag):
    with pytest.raises(TagError) as info:
        decode_tags(["O", tag])
    assert info.value.index == 1


def test_detokenize_english():
    tokens = [
        "“",
        "It",
        "is",
        "n’t",
        "Parliament",
        "'s",
        "job",
        ",",
        "”",
        "he",
        "said",
        "(",
        "1999",
        ")",
        ".",
    ]
    d = detokenize(tokens, "en")
    assert d.text == "“It isn’t Parliament's job,” he said (1999)."
    assert d.fallback_at is None
    assert [d.text[a:b] for a, b in d.offsets] == tokens


def test_detokenize_split_apostrophes():
    assert detokenize(["a", "minute", "'", "s", "silence"], "en").text == "a minute's silence"
    assert detokenize(["dell", "'", "Unione", "un", "po", "'", "confusa"], "it").text == (
        "dell'Unione un po' confusa"
    )
    assert detokenize(["l", "'", "Europe"], "fr").text == "l'Europe"


def test_detokenize_chinese_joins_without_spaces_except_latin_pairs():
    d = detokenize(["苹果", "公司", "发布", "了", "iPhone", "7", "。"], "zh")
    assert d.text == "苹果公司发布了iPhone 7。"
    assert [d.text[a:b] for a, b in d.offsets] == [
        "苹果",
        "公司",
        "发布",
        "了",
        "iPhone",
        "7",
        "。",
    ]


def test_detokenize_fallback_is_reported():
    d = detokenize(["well", "@-@", "known", "fact"], "en")
    assert d.fallback_at == 1
    assert d.text == "well @-@ known fact"
    assert [d.text[a:b] for a, b in d.offsets] == ["well", "@-@", "known", "fact"]


_token = st.text(
    alphabet=st.sampled_from(list("abcXYZ019.,;:!?'\"()[]-–—“”’„«»%$€/&") + ["中", "文", "é"]),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    tokens=st.lists(_token, min_size=1, max_size=12),
    lang=st.sampled_from(["en", "de", "it", "fr", "zh", "es"]),
)
def test_detokenized_offsets_always_hold(tokens, lang):
    d = detokenize(tokens, lang)
    assert [d.text[a:b] for a, b in d.offsets] == tokens
    assert all(b <= c for (_, b), (c, _) in zip(d.offsets, d.offsets[1:], strict=False))
    assert d.text.replace(" ", "") == "".join(tokens).replace(" ", "")


def test_locate_tokens_folds_quotes_and_reports_them():
    offsets, folded = locate_tokens("”Hi,” said Ann", ['"', "Hi", ",", "”", "said", "Ann"])
    assert offsets[0] == (0, 1) and offsets[-1] == (11, 14)
    assert folded == [0]


def test_locate_tokens_fails_on_a_missing_token():
    with pytest.raises(TokenNotFound) as info:
        locate_tokens("New York is big", ["New", "Jersey", "is", "big"])
    assert info.value.index == 1
    with pytest.raises(TokenNotFound) as info:
        locate_tokens("New York is big", ["New", "York"])
    assert info.value.index == 2  # text left over after the last token


@pytest.mark.parametrize(
    ("name", "lang", "split"),
    [
        ("en-europarl.test.conll02", "en", "test"),
        ("data/gold/uner-pud/zh_pud-ud-test.iob2", "zh", "test"),
        ("train_de.parquet", "de", "train"),
        ("dev.json", None, "dev"),
        ("wikineural_val_it.jsonl", "it", "validation"),
        ("mydata.conll", None, ""),
        ("europarl.conll", None, ""),
    ],
)
def test_names(name, lang, split):
    assert lang_from_name(name) == lang
    assert split_from_name(name) == split


def test_sample_ids():
    assert sample_id("UNER PUD", "en", "test", "n01001-0001") == "uner-pud-en-test-n01001-0001"
    assert sample_id("europarl-ner", "en", "", 3) == "europarl-ner-en-3"
