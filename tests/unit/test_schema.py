import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from parallelner.schema import (
    Attempt,
    EntitySpan,
    Issue,
    ParallelSample,
    Provenance,
    SourceProvenance,
    SourceSample,
    Status,
    TargetSpan,
)


def test_source_sample_rejects_span_outside_text():
    with pytest.raises(ValidationError, match="outside the text"):
        SourceSample(id="a", lang="en", text="Paris",
                     entities=[EntitySpan(start=0, end=6, label="LOC")])


def test_empty_span_and_bad_language_are_errors():
    with pytest.raises(ValidationError, match="empty or inverted"):
        EntitySpan(start=3, end=3, label="PER")
    with pytest.raises(ValidationError, match="ISO 639-1"):
        SourceSample(id="a", lang="english", text="x")


def test_unknown_field_is_an_error_not_a_silent_drop():
    with pytest.raises(ValidationError):
        SourceSample.model_validate({"id": "a", "lang": "en", "text": "x", "entites": []})


def test_target_source_index_must_exist():
    with pytest.raises(ValidationError, match="source_index"):
        ParallelSample(
            id="a", source_lang="en", target_lang="zh", source_text="Paris",
            source_entities=[EntitySpan(start=0, end=5, label="LOC")],
            target_text="巴黎",
            target_entities=[TargetSpan(start=0, end=2, label="LOC", source_index=1)],
        )


def _full_sample() -> ParallelSample:
    return ParallelSample(
        id="uner-en-1", source_lang="en", target_lang="zh",
        source_text="Barack Obama visited Paris.",
        source_entities=[EntitySpan(start=0, end=12, label="PER"),
                         EntitySpan(start=21, end=26, label="LOC")],
        response='<PER id="1">巴拉克·奥巴马</PER>访问了<LOC id="2">巴黎</LOC>。',
        target_text="巴拉克·奥巴马访问了巴黎。",
        target_entities=[
            TargetSpan(start=0, end=7, label="PER", source_index=0, confidence=0.97),
            TargetSpan(start=10, end=12, label="LOC", source_index=1, confidence=1.0),
        ],
        confidence=0.97, status=Status.accepted,
        issues=[Issue(code="markup.quotes_in_tag", message="single quotes in a tag",
                      entity_index=0)],
        source=SourceProvenance(dataset="uner-pud", split="test", index=0, document="n01001"),
        provenance=Provenance(
            model="m", prompt_version="translate.v1",
            attempts=[Attempt(stage="translate", model="m", prompt_version="translate.v1",
                              prompt_tokens=170, completion_tokens=30, cost=0.0001)],
        ),
    )


def test_parallel_sample_round_trips_through_json():
    s = _full_sample()
    line = s.model_dump_json()
    back = ParallelSample.model_validate_json(line)
    assert back == s
    assert back.model_dump_json() == line
    assert json.loads(line)["status"] == "accepted"
    assert back.provenance.prompt_tokens == 170


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                max_size=40)


@given(_text, st.data())
def test_round_trip_any_text_and_spans(text, data):
    n = len(text)
    spans = []
    for _ in range(data.draw(st.integers(0, 3))):
        a = data.draw(st.integers(0, n - 1))
        b = data.draw(st.integers(a + 1, n))
        label = data.draw(st.sampled_from(["PER", "LOC", "name"]))
        if all(b <= sp.start or a >= sp.end for sp in spans):  # NER spans are flat
            spans.append(EntitySpan(start=a, end=b, label=label))
    s = SourceSample(id="x", lang="zh", text=text, entities=spans)
    assert SourceSample.model_validate_json(s.model_dump_json()) == s
