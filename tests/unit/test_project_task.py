"""The projection task: requests in both answer styles, and parsing of list answers."""

from __future__ import annotations

from parallelner.config import load_settings
from parallelner.schema import EntitySpan, ParallelSample
from parallelner.stages.project import ProjectTask, parse_list_answer, projection_language

SRC = "Mr Evans met the European Parliament in Strasbourg."
GIVEN = "Herr Evans traf das Europäische Parlament in Straßburg."


def _record() -> ParallelSample:
    ents = []
    for surface, label in (("Evans", "PER"), ("European Parliament", "ORG"), ("Strasbourg", "LOC")):
        start = SRC.index(surface)
        ents.append(EntitySpan(start=start, end=start + len(surface), label=label))
    return ParallelSample(id="p1", source_lang="en", target_lang="de", source_text=SRC,
                          source_entities=ents, target_text=GIVEN, mode="project")


def _last_user(task: ProjectTask) -> str:
    return [c for role, c in task.request(_record()).messages if role == "user"][-1]


def test_list_request_names_each_entity_and_the_given_text():
    task = ProjectTask.from_settings(load_settings(environ={}))
    assert task.prompt.name == "project_list.v1"
    user = _last_user(task)
    assert '1. PER "Evans"' in user and '2. ORG "European Parliament"' in user
    assert f"German: {GIVEN}" in user and "<PER" not in user


def test_inline_request_carries_the_marked_source_and_the_plain_target():
    task = ProjectTask.from_settings(load_settings(overrides={"project": {"style": "inline"}},
                                                   environ={}))
    user = _last_user(task)
    assert '<ORG id="2">European Parliament</ORG>' in user and \
        f"German without tags: {GIVEN}" in user


def test_parse_list_answer_reads_lines_and_skips_none_and_chatter():
    answer = ('Here you go:\n1. PER "Evans" -> Evans\n2. ORG "European Parliament" -> '
              '"Europäische Parlament"\n3. LOC "Strasbourg" -> (none)\n2. ORG -> again\n')
    assert parse_list_answer(answer) == {1: "Evans", 2: "Europäische Parlament"}
    assert parse_list_answer("no idea") == {}


def test_chinese_is_not_called_simplified():
    assert projection_language("zh") == "Chinese" and projection_language("de") == "German"


def test_estimate_grows_with_the_entities():
    task = ProjectTask.from_settings(load_settings(environ={}))
    rec = _record()
    fewer = rec.model_copy(update={"source_entities": rec.source_entities[:1]})
    assert task.expected_output_tokens(rec) > task.expected_output_tokens(fewer) > 0
