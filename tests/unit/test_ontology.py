"""The entity schema as classes: label mappings, docstrings, rendering as code."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from parallelner import ontology as onto
from parallelner.errors import UnknownLabelError
from parallelner.ontology import (
    CLASSES,
    Address,
    Book,
    Company,
    Entity,
    GeopoliticalEntity,
    Location,
    Organization,
    Person,
    class_by_name,
    class_for,
    classes_for,
    describe,
    label_for,
    labels,
    nearest_label,
    render_schema,
    render_scheme,
)

# Published label sets of the source datasets (CLUENER2020 paper; OntoNotes 5.0 guidelines).
CLUENER_LABELS = {
    "name", "company", "government", "organization", "address",
    "position", "book", "game", "movie", "scene",
}
ONTONOTES_LABELS = {
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
}


def _bio_labels(path: Path) -> set[str]:
    """Entity labels of a BIO file: the last column of token lines, prefix stripped."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tag = line.split("\t")[2] if path.suffix == ".iob2" else line.split()[-1]
        if tag != "O":
            out.add(tag.split("-", 1)[1])
    return out


def test_every_label_of_the_gold_corpora_is_mapped(gold_dir: Path) -> None:
    files = sorted(gold_dir.glob("*/*.iob2")) + sorted(gold_dir.glob("*/*.conll02"))
    assert len(files) == 7
    seen: set[str] = set()
    for f in files:
        for label in _bio_labels(f):
            assert issubclass(class_for("conll", label), Entity), (f, label)
            seen.add(label)
    assert seen == {"PER", "LOC", "ORG", "MISC"}


def test_label_sets_of_each_scheme() -> None:
    assert set(labels("conll")) == {"PER", "LOC", "ORG", "MISC"}
    assert set(labels("cluener")) == CLUENER_LABELS
    assert set(labels("ontonotes")) == ONTONOTES_LABELS


@pytest.mark.parametrize("scheme_name", ["conll", "cluener", "ontonotes"])
def test_mapping_is_one_to_one_and_label_for_inverts_it(scheme_name: str) -> None:
    classes = [class_for(scheme_name, lab) for lab in labels(scheme_name)]
    assert len(set(classes)) == len(classes)
    for lab in labels(scheme_name):
        assert label_for(scheme_name, class_for(scheme_name, lab)) == lab
        assert label_for(scheme_name, class_for(scheme_name, lab).__name__) == lab
    assert set(classes_for(scheme_name)) == set(classes)


def test_specific_mappings() -> None:
    assert class_for("conll", "PER") is Person
    assert class_for("cluener", "name") is Person
    assert class_for("ontonotes", "PERSON") is Person
    assert class_for("cluener", "company") is Company and issubclass(Company, Organization)
    assert class_for("cluener", "address") is Address and issubclass(Address, Location)
    assert class_for("ontonotes", "GPE") is GeopoliticalEntity
    assert issubclass(class_for("cluener", "book"), onto.WorkOfArt)
    assert issubclass(onto.WorkOfArt, onto.CreativeWork)


@pytest.mark.parametrize(
    ("scheme_name", "label", "listed"),
    [
        ("conll", "per", "PER, LOC, ORG, MISC"),
        ("conll", "B-PER", "PER, LOC, ORG, MISC"),
        ("cluener", "Company", "company"),
        ("ontonotes", "WORK OF ART", "WORK_OF_ART"),
    ],
)
def test_unknown_label_is_an_error_listing_the_known_ones(scheme_name, label, listed) -> None:
    with pytest.raises(UnknownLabelError) as exc:
        class_for(scheme_name, label)
    assert repr(label) in str(exc.value) and listed in str(exc.value)


def test_unknown_scheme_and_class_are_errors() -> None:
    with pytest.raises(UnknownLabelError, match="known schemes: conll, cluener, ontonotes"):
        class_for("wnut", "person")
    with pytest.raises(UnknownLabelError, match="known classes: Entity, Person"):
        class_by_name("Human")
    with pytest.raises(UnknownLabelError, match="no label in scheme 'conll'"):
        label_for("conll", Company)


def test_nearest_label_walks_up_the_parents_never_guesses() -> None:
    assert nearest_label("conll", Company) == "ORG"
    assert nearest_label("conll", "ScenicSpot") == "LOC"
    assert nearest_label("ontonotes", onto.Movie) == "WORK_OF_ART"
    assert nearest_label("ontonotes", Address) == "LOC"
    with pytest.raises(UnknownLabelError):
        nearest_label("conll", Book)  # CoNLL would say MISC, but that is a guideline, not a parent
    with pytest.raises(UnknownLabelError):
        nearest_label("cluener", onto.Date)


def test_every_entity_class_of_the_module_is_registered_parents_first() -> None:
    defined = {
        obj for _, obj in inspect.getmembers(onto, inspect.isclass)
        if issubclass(obj, Entity) and obj.__module__ == onto.__name__
    }
    assert defined == set(CLASSES)
    for i, cls in enumerate(CLASSES[1:], start=1):
        assert len(cls.__bases__) == 1
        assert CLASSES.index(cls.__bases__[0]) < i


@pytest.mark.parametrize("cls", CLASSES[1:], ids=lambda c: c.__name__)
def test_docstrings_hold_a_description_and_english_and_chinese_examples(cls) -> None:
    info = describe(cls)
    assert info.parent == cls.__bases__[0].__name__
    assert len(info.description) > 20 and info.description.endswith(".")
    assert set(info.examples) == {"en", "zh"}
    assert len(info.examples["en"]) >= 2 and len(info.examples["zh"]) >= 2
    zh = info.examples["zh"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e) or e.isascii() for e in zh)


def test_entities_are_plain_values() -> None:
    assert Person("Obama") == Person("Obama")
    assert Person("Obama") != Location("Obama")
    assert len({Person("a"), Person("a"), Company("a")}) == 2
    assert Person("Obama").name == "Obama"


def _classes_in(code: str) -> dict[str, tuple[str | None, str | None]]:
    tree = ast.parse(code)
    out = {}
    for node in tree.body:
        assert isinstance(node, ast.ClassDef)
        base = node.bases[0].id if node.bases else None  # type: ignore[attr-defined]
        out[node.name] = (base, ast.get_docstring(node))
    return out


def test_whole_schema_renders_as_code_that_parses() -> None:
    code = render_schema()
    classes = _classes_in(code)
    assert list(classes) == [c.__name__ for c in CLASSES]
    for cls in CLASSES[1:]:
        base, doc = classes[cls.__name__]
        info = describe(cls)
        assert base == info.parent
        assert doc == (
            f"Description: {info.description}\n"
            f"Examples: {', '.join(info.examples['en'] + info.examples['zh'])}"
        )
    entity_init = [n for n in ast.parse(code).body[0].body if isinstance(n, ast.FunctionDef)]
    assert [a.arg for a in entity_init[0].args.args] == ["self", "name"]


def test_render_adds_bare_ancestors_and_is_deterministic() -> None:
    code = render_schema([Book, Company], languages=["zh"])
    assert code == render_schema([Company, Book, Company], languages=("zh",))
    classes = _classes_in(code)
    assert list(classes) == [
        "Entity", "Organization", "Company", "CreativeWork", "WorkOfArt", "Book",
    ]
    assert classes["Organization"] == ("Entity", None)  # ancestor: no description
    assert classes["Book"][1].endswith("Examples: 红楼梦, 三体, 经济学人")
    assert "Pride and Prejudice" not in code


@pytest.mark.parametrize("scheme_name", ["conll", "cluener", "ontonotes"])
def test_each_scheme_renders_its_classes(scheme_name: str) -> None:
    classes = _classes_in(render_scheme(scheme_name))
    described = {name for name, (_, doc) in classes.items() if doc}
    assert described == {c.__name__ for c in classes_for(scheme_name)}


def test_render_escapes_what_would_break_a_docstring() -> None:
    """Not in our own docstrings, but a class rendered for a prompt must still parse."""

    class Odd(Entity):
        '''
        Description: Ends with a backslash \\ and has """ quotes inside.
        Examples (en): a"""b, c\\
        '''

    code = onto.render_class(Odd)
    doc = ast.get_docstring(ast.parse(code).body[0])  # type: ignore[arg-type]
    assert doc == (
        'Description: Ends with a backslash \\ and has """ quotes inside.\nExamples: a"""b, c\\'
    )


def _labels_read(source, **kw) -> tuple[str, set[str]]:
    from parallelner.readers import read_source

    stream = read_source(source, **kw)
    labels = {e.label for sample in stream for e in sample.entities}
    return stream.context.label_scheme, labels


def test_every_label_the_readers_produce_from_shipped_samples_is_mapped(fixtures_dir) -> None:
    from parallelner.readers.shipped import default_sources

    sources = [(s.path, {"format": s.format, "lang": s.lang}) for s in default_sources()]
    sources.append((fixtures_dir / "cluener" / "dev.json", {"format": "cluener"}))
    seen: dict[str, set[str]] = {}
    for path, kw in sources:
        scheme_name, found = _labels_read(path, **kw)
        assert found, path
        seen.setdefault(scheme_name, set()).update(found)
        for label in found:
            assert issubclass(class_for(scheme_name, label), Entity), (path, label)
    assert seen == {"conll": {"PER", "LOC", "ORG", "MISC"}, "cluener": CLUENER_LABELS}
