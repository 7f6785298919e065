"""Issue 15 items 6 and 7 (pure part): what the plan checks before any LLM call."""

from __future__ import annotations

import pytest

from parallelner.align.precheck import check_language_pair, check_source_language, precheck
from parallelner.config import AlignConfig, SampleBounds
from parallelner.errors import ConfigError
from parallelner.schema import EntitySpan, ParallelSample, SourceSample


def _src(text: str, lang: str = "en", labels: tuple[str, ...] = ()) -> SourceSample:
    ents = [EntitySpan(start=k, end=k + 1, label=lab) for k, lab in enumerate(labels)]
    return SourceSample(id="s-1", lang=lang, text=text, entities=ents)


def test_short_chinese_declared_english_is_caught():
    issue = check_source_language(_src("今天天气很好。"))
    assert issue is not None and issue.code == "source_wrong_language"
    assert issue.message == ("sample 's-1' is declared 'en', but its text is not: mostly han "
                             "script ('今天天气很好。')")


def test_a_long_german_sentence_declared_english_is_caught_by_fasttext():
    text = "Die Kommission hat gestern in Brüssel einen neuen Vorschlag zur Fischerei vorgelegt."
    issue = check_source_language(_src(text))
    assert issue is not None and "fastText" in issue.message and "says de" in issue.message


@pytest.mark.parametrize("text, lang", [
    ("The Commission presented a new proposal on fisheries in Brussels yesterday.", "en"),
    ("Paris.", "en"),  # too short for fastText to be sure: passes
    ("巴黎是法国的首都。", "zh"),
    ("Die Kommission hat gestern einen Vorschlag vorgelegt.", "de"),
])
def test_text_in_its_language_passes(text, lang):
    assert check_source_language(_src(text, lang)) is None


def test_parallel_samples_are_checked_on_their_source_side():
    s = ParallelSample(id="p-1", source_lang="en", target_lang="de", source_text="今天天气很好。")
    assert check_source_language(s).code == "source_wrong_language"


def test_source_equal_to_target_is_refused():
    with pytest.raises(ConfigError, match="the target language 'en' is the source language: "
                                          "there is nothing to translate"):
        check_language_pair("en", "en")
    with pytest.raises(ConfigError, match="target language must be an ISO 639-1 code like 'en' "
                                          "or 'zh', got 'english'"):
        check_language_pair("en", "english")
    check_language_pair("en", "zh")


def test_precheck_gives_the_first_issue_cheapest_first():
    cfg = AlignConfig(bounds=SampleBounds(max_entities=1, max_chars=100))
    assert precheck(_src("Ann met Bob.", labels=("PER",)), cfg) is None
    assert precheck(_src("今天天气很好。", labels=("PER", "PER")), cfg).code == \
        "sample_too_many_entities"
    assert precheck(_src("今天天气很好。", labels=("WIZARD",)), cfg).code == "unknown_label"
    assert precheck(_src("今天天气很好。"), cfg).code == "source_wrong_language"
