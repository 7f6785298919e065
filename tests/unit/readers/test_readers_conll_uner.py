"""CoNLL and UNER readers on small files: structure, repairs, and every kind of bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from parallelner.errors import InputError
from parallelner.readers import read_source


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


CONLL03 = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


def test_conll2003_four_columns_and_documents(tmp_path):
    path = _write(tmp_path / "en-conll03.train.txt", CONLL03)
    stream = read_source(path)
    samples = list(stream)
    assert stream.format == "conll" and stream.lang == "en"
    assert [s.text for s in samples] == [
        "EU rejects German call.",
        "Peter Blackburn",
        "BRUSSELS 1996-08-22",
    ]
    assert [s.surfaces() for s in samples] == [["EU", "German"], ["Peter Blackburn"], ["BRUSSELS"]]
    assert [s.provenance.document for s in samples] == ["doc1", "doc1", "doc2"]
    assert [s.id for s in samples] == [
        f"{tmp_path.name.lower().replace('_', '-')}-en-train-{i}" for i in range(3)
    ]
    assert stream.repairs == []


def test_orphan_inside_is_a_recorded_repair_or_a_strict_error(tmp_path, caplog):
    path = _write(tmp_path / "de-x.conll", "Der\tO\nBundestag\tI-ORG\ntagt\tO\n")
    stream = read_source(path)
    with caplog.at_level(logging.WARNING, logger="parallelner.readers"):
        (sample,) = list(stream)
    assert sample.surfaces() == ["Bundestag"]
    (repair,) = stream.repairs
    assert repair.code == "orphan-inside"
    assert repair.line == 2 and repair.sample_id == sample.id
    assert "x.conll:2: [orphan-inside] I-ORG follows O" in str(repair)
    assert "1 repair(s)" in caplog.text and "orphan-inside x1" in caplog.text
    with pytest.raises(InputError, match=r"de-x.conll:2: \[orphan-inside\] .*strict"):
        list(read_source(path, strict=True))
    # the same file in IOB1 is valid: no repair
    iob1 = read_source(path, tag_scheme="iob1")
    assert [s.surfaces() for s in iob1] == [["Bundestag"]] and iob1.repairs == []


def test_escaped_brackets_are_unescaped_and_recorded(tmp_path):
    path = _write(
        tmp_path / "en-x.conll", "see\tO\n\\[\tO\nCOM\tB-MISC\n\\]\tO\n-LRB-\tO\nx\tO\n-RRB-\tO\n"
    )
    stream = read_source(path)
    (sample,) = list(stream)
    assert sample.text == "see [COM] (x)"
    assert sample.surfaces() == ["COM"]
    assert [r.line for r in stream.repairs] == [2, 4, 5, 7]
    assert {r.code for r in stream.repairs} == {"unescaped-token"}
    assert list(read_source(path, strict=True))  # a documented normalisation, not a data error


def test_chinese_conll_joins_without_spaces(tmp_path):
    path = _write(tmp_path / "zh-x.bio", "我\tO\n住\tO\n在\tO\n北\tB-LOC\n京\tI-LOC\n。\tO\n")
    (sample,) = list(read_source(path))
    assert sample.text == "我住在北京。"
    assert sample.surfaces() == ["北京"]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope.conll: file not found"):
        read_source(tmp_path / "nope.conll", lang="en")
    with pytest.raises(InputError, match=r"nope.conll: file not found"):
        read_source(tmp_path / "nope.conll", format="conll", lang="en")


def test_language_is_required_when_the_name_does_not_say(tmp_path):
    path = _write(tmp_path / "data.conll", "EU\tB-ORG\n")
    with pytest.raises(InputError, match=r"data.conll: cannot tell the language .* --lang"):
        list(read_source(path))
    assert [s.lang for s in read_source(path, lang="en")] == ["en"]
    with pytest.raises(InputError, match="not an ISO 639-1 code"):
        read_source(path, lang="english")


def test_limit(tmp_path):
    path = _write(tmp_path / "en-x.conll", "".join(f"w{i}\tO\n\n" for i in range(10)))
    stream = read_source(path, limit=3)
    assert [s.text for s in stream] == ["w0", "w1", "w2"]
    assert stream.count == 3
    assert list(read_source(path, limit=0)) == []


UNER = """# newdoc id = d1
# sent_id = d1-0001
# text = ”Hello,” said Ann Lee in New York.
1\t"\tO\t-\t-
2\tHello\tO\t-\t-
3\t,\tO\t-\t-
4\t”\tO\t-\t-
5\tsaid\tO\t-\t-
6\tAnn\tB-PER\t-\tx
7\tLee\tI-PER\t-\tx
8\tin\tO\t-\t-
9\tNew\tB-LOC\t-\tx
10\tYork\tI-LOC\t-\tx
11\t.\tO\t-\t-

# sent_id = d1-0002
1\tBye\tO\t-\t-
2\tBob\tB-PER\t-\t-
"""


def test_uner_maps_tokens_onto_the_text_and_records_folded_quotes(tmp_path):
    path = _write(tmp_path / "en_test-ud-test.iob2", UNER)
    stream = read_source(path)
    first, second = list(stream)
    assert stream.format == "uner"
    assert first.text == "”Hello,” said Ann Lee in New York."
    assert first.surfaces() == ["Ann Lee", "New York"]
    assert first.id.endswith("-en-test-d1-0001") and first.provenance.document == "d1"
    assert second.text == "Bye Bob" and second.surfaces() == ["Bob"]
    assert [(r.code, r.line) for r in stream.repairs] == [
        ("token-text-mismatch", 4),
        ("no-text", 17),
    ]
    with pytest.raises(InputError, match=r":17: \[no-text\]"):
        list(read_source(path, strict=True))


def test_uner_token_not_in_text_names_file_and_line(tmp_path):
    bad = UNER.replace("9\tNew\tB-LOC", "9\tOld\tB-LOC")
    path = _write(tmp_path / "en_test-ud-test.iob2", bad)
    with pytest.raises(
        InputError, match=r"en_test-ud-test.iob2:12: token 'Old' not found .*'# text' line is 3"
    ):
        list(read_source(path))


BAD_INPUTS = [
    # (file name, content, expected error: file and line first)
    ("en-a.conll", "EU\tB-ORG\nrejects\tVBZ\tO\n", r"en-a.conll:2: expected 2 columns .* got 3"),
    ("en-b.conll", "EU\n", r"en-b.conll:1: expected a token and a tag"),
    ("en-c.conll", "EU\tORG\n", r"en-c.conll:1: tag 'ORG' is neither"),
    (
        "de-d.conll",
        "Köln\tB-LOC\n\n".encode() + b"M\xfcnchen\tB-LOC\n",
        r"de-d.conll:3: byte 0xfc at column 2 is not valid UTF-8",
    ),
    (
        "en_e.iob2",
        "# text = New York!\n1\tNew\tB-LOC\n2\tYork\tI-LOC\n",
        r"en_e.iob2:1: the text goes on after",
    ),
    (
        "en_f.iob2",
        "# text = a b\n1\ta\tO\t-\t-\n3\tb\tO\t-\t-\n",
        r"en_f.iob2:3: token index '3' where 2",
    ),
    (
        "en_g.iob2",
        "# text = a b\n1\ta\tO\t-\t-\n2\tb\tO\n",
        r"en_g.iob2:3: expected 5 tab-separated",
    ),
    (
        "en_h.iob2",
        "# text = a\n1\ta\n",
        r"en_h.iob2:2: expected tab-separated index, token and tag",
    ),
    (
        "en_i.iob2",
        "# sent_id = s1\n# text = a\n1\ta\tO\n\n# sent_id = s1\n# text = b\n1\tb\tO\n",
        r"en_i.iob2:7: duplicate sample id 'i-en-s1'",
    ),
]


@pytest.mark.parametrize(("name", "content", "error"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_names_file_and_line(tmp_path, name, content, error):
    path = _write(tmp_path / name, content)
    with pytest.raises(InputError, match=error):
        list(read_source(path, dataset="i"))
