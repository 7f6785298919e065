"""Code-style answers: rendered as literals, parsed back with ast only, located in the text."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallelner.codestyle import (
    answers_to_code,
    answers_to_spans,
    code_to_answers,
    py_literal,
    render_ner_task,
    render_translated_task,
    spans_to_answers,
)
from parallelner.errors import CodeAnswerError, UnknownLabelError
from parallelner.ontology import (
    CLASSES,
    Company,
    GeopoliticalEntity,
    Location,
    Person,
    classes_for,
    labels,
    render_scheme,
)
from parallelner.schema import EntitySpan

# Any text a UTF-8 JSONL line can hold: everything but lone surrogates.
texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
entities = st.builds(lambda c, n: c(n), st.sampled_from(CLASSES[1:]), texts)

TRICKY = [
    'say "hi"', "it's", '"""', "back\\slash", "ends with \\", "\\n is not a newline",
    "line\nbreak", "tab\there", "\r\n", "\x00nul", "\u2028sep", "科瑞·舒爾曼", "「引号」",
    "emoji 😀", "f'{x}'", "), Person(\"evil\")", "results = []",
]


@given(st.lists(entities, max_size=6))
def test_answers_round_trip_through_code(answers) -> None:
    code = answers_to_code(answers)
    assert len(code.splitlines()) == 1
    assert code_to_answers(code) == answers


@pytest.mark.parametrize("surface", TRICKY)
def test_tricky_surfaces_round_trip(surface: str) -> None:
    assert ast.literal_eval(py_literal(surface)) == surface
    answers = [Person(surface), Location("Paris")]
    assert code_to_answers(answers_to_code(answers)) == answers


def test_code_form_is_knowcoder_style() -> None:
    code = answers_to_code([Person("Barack Obama"), GeopoliticalEntity("北京")])
    assert code == 'results = [Person("Barack Obama"), GeopoliticalEntity("北京")]'
    assert answers_to_code([]) == "results = []"
    assert code_to_answers("results = []") == []


def test_chatty_model_output_is_read() -> None:
    fenced = (
        'Sure!\n```python\nresults = [\n    Person("Obama"),\n    Company(name="Apple"),\n]\n'
        "```\nDone."
    )
    assert code_to_answers(fenced) == [Person("Obama"), Company("Apple")]
    trailing = 'results = [Person("Obama")]\nThese are all the entities.'
    assert code_to_answers(trailing) == [Person("Obama")]


@pytest.mark.parametrize(
    "code",
    [
        'results = [__import__("os").system("touch /tmp/pwned")]',
        "results = [Person(x)]",
        'results = [Person(f"{x}")]',
        'results = [Person("a", "b")]',
        'results = [Person("a" + "b")]',
        'results = Person("a")',
        "no code at all",
        'results = [Person("unclosed)]',
    ],
)
def test_anything_but_literal_calls_is_refused(code: str) -> None:
    with pytest.raises(CodeAnswerError):
        code_to_answers(code)


def test_unknown_and_disallowed_classes() -> None:
    with pytest.raises(UnknownLabelError, match="Human"):
        code_to_answers('results = [Human("Obama")]')
    with pytest.raises(CodeAnswerError, match="not in the schema"):
        code_to_answers('results = [Company("Apple")]', allowed=classes_for("conll"))


def test_spans_round_trip_on_a_real_sentence() -> None:
    text = "“While much of the digital transition is unprecedented in the United States, the " \
        "peaceful transition of power is not,” Obama special assistant Kori Schulman wrote."
    spans = [
        EntitySpan(start=text.index("Kori"), end=text.index(" wrote"), label="PER"),
        EntitySpan(start=text.index("United"), end=text.index(", the peaceful"), label="LOC"),
        EntitySpan(start=text.index("Obama"), end=text.index("Obama") + 5, label="ORG"),
    ]
    answers = spans_to_answers(text, spans, "conll")
    assert [type(a).__name__ for a in answers] == ["Location", "Organization", "Person"]
    back = answers_to_spans(text, code_to_answers(answers_to_code(answers)), "conll")
    assert back == sorted(spans, key=lambda s: s.start)


def test_repeated_surfaces_land_on_their_own_occurrence() -> None:
    text = "Paris Hilton flew from Paris to Paris, Texas."
    spans = [
        EntitySpan(start=0, end=12, label="PER"),
        EntitySpan(start=23, end=28, label="LOC"),
        EntitySpan(start=32, end=37, label="LOC"),
    ]
    assert answers_to_spans(text, spans_to_answers(text, spans, "conll"), "conll") == spans


@st.composite
def annotated(draw):
    """A text built from fragments, some annotated; each annotated one is the first occurrence
    of its surface after the previous entity, which is what a surface-only answer can encode."""
    parts = draw(st.lists(st.tuples(texts, st.booleans()), min_size=1, max_size=6))
    label = draw(st.sampled_from(labels("cluener")))
    text, spans, pos_after_prev = "", [], 0
    for frag, is_entity in parts:
        start = len(text)
        text += frag + " "
        if is_entity and text.find(frag, pos_after_prev) == start:
            spans.append(EntitySpan(start=start, end=start + len(frag), label=label))
            pos_after_prev = start + len(frag)
    return text, spans


@given(annotated())
def test_spans_round_trip_through_code(sample) -> None:
    text, spans = sample
    code = answers_to_code(spans_to_answers(text, spans, "cluener"))
    assert answers_to_spans(text, code_to_answers(code), "cluener") == spans


def test_missing_surface_is_an_error_naming_it() -> None:
    with pytest.raises(CodeAnswerError, match='answer 2 Person\\("Bob"\\) does not occur after'):
        answers_to_spans("Bob met Alice.", [Person("Bob"), Person("Bob")], "conll")


def test_class_outside_the_scheme_has_no_label() -> None:
    with pytest.raises(UnknownLabelError, match="no label in scheme 'conll'"):
        answers_to_spans("Apple", [Company("Apple")], "conll")


def test_prompts_are_code_that_parses() -> None:
    schema = render_scheme("conll")
    task = render_ner_task(schema, 'He said "hi" in 北京.')
    last = ast.parse(task).body[-1]
    assert isinstance(last, ast.Assign)
    assert ast.unparse(last.targets[0]) == "sentence"
    assert ast.literal_eval(last.value) == 'He said "hi" in 北京.'
    cross = render_translated_task(schema, "Obama spoke.", [Person("Obama")], "奥巴马讲话了。")
    assigns = [n for n in ast.parse(cross).body if isinstance(n, ast.Assign)]
    names = [ast.unparse(n.targets[0]) for n in assigns]
    assert names == ["source_sentence", "source_results", "target_sentence"]
    assert code_to_answers(cross, var="source_results") == [Person("Obama")]
