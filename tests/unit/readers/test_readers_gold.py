"""The readers on the real gold corpora: the measured facts of data/gold/*/SOURCE.md."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from parallelner.readers import read_source
from parallelner.schema import SourceSample


def _read(path: Path) -> tuple[list[SourceSample], list]:
    stream = read_source(path)
    samples = list(stream)
    return samples, stream.repairs


def _labels(samples: list[SourceSample]) -> Counter[str]:
    return Counter(e.label for s in samples for e in s.entities)


def _conll_sentences(path: Path) -> list[list[tuple[str, str]]]:
    """The file's sentences as (token, tag) pairs, read independently of the reader."""
    sentences, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            token, tag = line.split("\t")
            cur.append((token, tag))
        elif cur:
            sentences.append(cur)
            cur = []
    if cur:
        sentences.append(cur)
    return sentences


def test_europarl_english_facts(gold_dir):
    samples, repairs = _read(gold_dir / "europarl-ner" / "en-europarl.test.conll02")
    assert len(samples) == 799
    assert _labels(samples) == {"ORG": 338, "MISC": 180, "LOC": 100, "PER": 84}
    assert sum(1 for s in samples if s.entities) == 435
    # the only repairs are the six escaped brackets, each named by line and sample
    assert [r.code for r in repairs] == ["unescaped-token"] * 6
    assert all(r.line and r.sample_id for r in repairs)
    first = samples[1]
    assert first.text.startswith(
        "I declare resumed the session of the European Parliament adjourned"
    )
    assert first.surfaces() == ["European Parliament"]
    assert first.id == "europarl-ner-en-test-1"
    assert first.provenance.dataset == "europarl-ner"
    assert first.provenance.split == "test"
    assert first.provenance.index == 1
    assert first.provenance.label_scheme == "conll"


@pytest.mark.parametrize("lang", ["en", "de", "es", "it"])
def test_europarl_surfaces_are_the_joined_tokens(gold_dir, lang):
    path = gold_dir / "europarl-ner" / f"{lang}-europarl.test.conll02"
    samples, _ = _read(path)
    sentences = _conll_sentences(path)
    assert len(samples) == len(sentences) == 799
    for sample, sentence in zip(samples, sentences, strict=True):
        # entities in tag order; the surface is the entity's tokens with the text's own spacing
        expected, cur = [], None
        for token, tag in sentence:
            token = {"\\[": "[", "\\]": "]"}.get(token, token)
            if tag.startswith("B-") or (tag.startswith("I-") and cur is None):
                cur = [token]
                expected.append(cur)
            elif tag.startswith("I-"):
                cur.append(token)
            else:
                cur = None
        surfaces = sample.surfaces()
        assert len(surfaces) == len(expected), sample.id
        for surface, tokens in zip(surfaces, expected, strict=True):
            assert surface.replace(" ", "") == "".join(tokens), (sample.id, surface, tokens)
            assert surface.startswith(tokens[0]) and surface.endswith(tokens[-1])
        # every token of the sentence appears, in order, in the detokenized text
        assert sample.text.replace(" ", "") == "".join(
            {"\\[": "[", "\\]": "]"}.get(t, t) for t, _ in sentence
        )


def test_europarl_detokenization_reads_naturally(gold_dir):
    samples, _ = _read(gold_dir / "europarl-ner" / "en-europarl.test.conll02")
    texts = [s.text for s in samples]
    assert "(The House rose and observed a minute's silence)" in texts
    joined = "\n".join(texts)
    assert " ," not in joined and " ." not in joined.replace(" ...", "")
    assert "Parliament's" in joined
    it, _ = _read(gold_dir / "europarl-ner" / "it-europarl.test.conll02")
    assert "dell'Unione" in "\n".join(s.text for s in it)


def test_europarl_target_sides_read(gold_dir):
    counts = {}
    for lang in ("de", "es", "it"):
        samples, repairs = _read(gold_dir / "europarl-ner" / f"{lang}-europarl.test.conll02")
        assert len(samples) == 799
        assert {s.lang for s in samples} == {lang}
        assert repairs == []
        counts[lang] = sum(len(s.entities) for s in samples)
    assert counts["de"] == 693  # SOURCE.md


def test_uner_english_facts(gold_dir):
    samples, repairs = _read(gold_dir / "uner-pud" / "en_pud-ud-test.iob2")
    assert len(samples) == 1000
    assert _labels(samples) == {"LOC": 426, "PER": 414, "ORG": 235}
    assert repairs == []
    first = samples[0]
    assert first.id == "uner-pud-en-test-n01001-0001"
    assert first.provenance.document == "n01001"
    assert first.text.startswith("“While much of the digital transition")
    assert first.surfaces() == ["United States", "Obama", "Kori Schulman"]


def test_uner_chinese_facts(gold_dir):
    samples, repairs = _read(gold_dir / "uner-pud" / "zh_pud-ud-test.iob2")
    assert len(samples) == 1000
    assert sum(_labels(samples).values()) == 1139
    assert _labels(samples) == {"LOC": 512, "PER": 473, "ORG": 154}
    assert repairs == []
    first = samples[0]
    assert first.lang == "zh"
    assert first.provenance.document is None  # "batch-0000" is an annotation batch, not a document
    assert first.surfaces()[:2] == ["美國", "奧巴馬"]
    assert " " not in first.text


def test_uner_german_reads(gold_dir):
    samples, repairs = _read(gold_dir / "uner-pud" / "de_pud-ud-test.iob2")
    assert len(samples) == 1000
    assert sum(_labels(samples).values()) == 1039
    assert repairs == []


@pytest.mark.parametrize("lang", ["en", "de", "zh"])
def test_uner_spans_equal_the_token_characters(gold_dir, lang):
    """text[start:end] equals the entity's tokens as they stand in the '# text' line."""
    path = gold_dir / "uner-pud" / f"{lang}_pud-ud-test.iob2"
    samples, _ = _read(path)
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(blocks) == len(samples)
    for sample, block in zip(samples, blocks, strict=True):
        lines = block.splitlines()
        text = next(ln.split(" = ", 1)[1] for ln in lines if ln.startswith("# text = "))
        assert sample.text == text
        rows = [ln.split("\t") for ln in lines if not ln.startswith("#")]
        entities, cur = [], None
        for _, token, tag, *_ in rows:
            if tag.startswith("B-"):
                cur = [token]
                entities.append((tag[2:], cur))
            elif tag.startswith("I-"):
                cur.append(token)
            else:
                cur = None
        assert [e.label for e in sample.entities] == [label for label, _ in entities]
        for span, (_, tokens) in zip(sample.entities, entities, strict=True):
            surface = span.surface(sample.text)
            assert surface.replace(" ", "") == "".join(tokens), (sample.id, surface, tokens)
            assert surface.startswith(tokens[0]) and surface.endswith(tokens[-1])


def test_ids_are_unique_across_all_gold_files(gold_dir):
    ids = []
    for path in sorted(gold_dir.glob("*/*")):
        if path.suffix in (".conll02", ".iob2"):
            ids.extend(s.id for s in read_source(path))
    assert len(ids) == 4 * 799 + 3 * 1000
    assert len(set(ids)) == len(ids)


def test_reading_twice_gives_the_same_samples(gold_dir):
    path = gold_dir / "uner-pud" / "zh_pud-ud-test.iob2"
    assert list(read_source(path, limit=50)) == list(read_source(path, limit=50))
