"""The back-translation request: the tagged target under source ids, the reversed language pair,
the few-shot examples of that direction, numbered batches; the reply read by the markup parser."""

from __future__ import annotations

import pytest
from verify_gold import seagal, segni

from parallelner.config import LLMConfig
from parallelner.prompts import load_prompt
from parallelner.verify import BackTranslateTask, parse_back, tagged_target


def test_tagged_target_keeps_source_ids_in_target_order():
    # The Chinese target names Belgrade (source entity 2) after Seagal (1); ids stay the
    # source's whatever the order; here a swapped pair makes the point.
    s = seagal()
    s.target_entities = list(reversed(s.target_entities))
    assert tagged_target(s) == ('<PER id="1">西格爾</PER>提出在首都<LOC id="2">貝爾格萊德</LOC>'
                                "開辦一所武術學校後，於今年較早時候被授予塞爾維亞國籍。")


def test_tagged_target_refuses_a_sample_without_target():
    s = seagal().model_copy(update={"target_text": None, "target_entities": []})
    with pytest.raises(ValueError, match="uner-en-zh-n01029-0004"):
        tagged_target(s)


def test_request_translates_into_the_source_language_with_that_direction_s_examples():
    task = BackTranslateTask.from_config(LLMConfig(model="m"))
    req = task.request([seagal()])
    system, *_, user = req.message_dicts()
    assert "Translate Chinese text into English" in system["content"]
    assert user["content"] == tagged_target(seagal())
    shots = [text for role, text in req.messages if role == "assistant"]
    assert shots and all("<" in s and not any("\u4e00" <= c <= "\u9fff" for c in s)
                         for s in shots)  # zh -> en examples: English answers
    assert req.prompt_version == "back_translate.v1"


def test_batch_request_numbers_lines_and_refuses_mixed_pairs():
    task = BackTranslateTask.from_config(LLMConfig(model="m"))
    a, b = segni(), segni().model_copy(update={"id": "s2"})
    req = task.request([a, b])
    assert req.messages[-1][1].splitlines()[1].startswith("[2] Vielen Dank")
    with pytest.raises(ValueError, match="language pair"):
        task.request([a, seagal()])


def test_prompt_examples_are_the_translate_examples_reversed():
    fwd = load_prompt("translate.v1").examples
    back = load_prompt("back_translate.v1").examples
    assert [(e["target_lang"], e["source_lang"], e["target"], e["source"]) for e in fwd] == \
        [(e["source_lang"], e["target_lang"], e["source"], e["target"]) for e in back]


def test_parse_back_ties_tags_to_source_entities_by_id():
    got = parse_back('Here is the translation: <LOC id="2">Belgrade</LOC> welcomed '
                     '<PER id="1">Steven Seagal</PER>. <PER id="9">X</PER>', seagal())
    assert got.entities == {0: "Steven Seagal", 1: "Belgrade"}
    assert "markup_chatter" in got.parse_codes
