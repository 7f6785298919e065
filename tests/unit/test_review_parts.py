"""Pure parts of the review package: audit selection, record mapping, names, launcher,
credentials."""

from __future__ import annotations

import json
import os
import uuid

import pytest

from annotation.credentials import ensure_credentials, load_credentials
from annotation.dataset import dataset_name
from annotation.launcher import UnknownScriptError, apply_script
from annotation.records import entities_markdown, source_markdown, to_record
from annotation.selection import audit_position, select_for_review
from parallelner.config import ReviewConfig
from parallelner.errors import ConfigError
from parallelner.io import read_jsonl
from parallelner.schema import ParallelSample, Status


@pytest.fixture(scope="module")
def samples(fixtures_dir) -> list[ParallelSample]:
    return read_jsonl(fixtures_dir / "review" / "samples.jsonl", ParallelSample)


def test_selection_is_stable_and_grows_with_the_fraction(samples):
    none = select_for_review(samples, 0.0)
    assert {s.id for s in none} == {"pud-en-0002", "pud-en-0003", "europarl-en-0006"}
    half = {s.id for s in select_for_review(samples, 0.5)}
    assert half - {s.id for s in none} == {"pud-en-0001", "europarl-en-0009"}
    every = select_for_review(samples, 1.0)
    assert {s.status for s in every} == {Status.review, Status.accepted}  # never rejected ones
    assert len(every) == 9
    assert half <= {s.id for s in every}
    assert audit_position("pud-en-0001") == audit_position("pud-en-0001")


def test_audit_share_is_close_to_the_fraction():
    ids = [f"sample-{i}" for i in range(20000)]
    share = sum(audit_position(i) < 0.02 for i in ids) / len(ids)
    assert 0.017 < share < 0.023


def test_record_carries_fields_suggestions_and_metadata(samples):
    s = next(x for x in samples if x.id == "europarl-en-0006")
    rec = to_record(s, "run-7", priority=3)
    assert rec.id == s.id
    assert to_record(s, "run-7", shared=True).id == "run-7/europarl-en-0006"
    assert rec.fields["target"] == s.target_text
    assert rec.fields["source"] == ("The **\\[1 ORG\\] United Nations** is based in "
                                    "**\\[2 LOC\\] New York**\\.")
    spans = rec.suggestions["spans"]
    assert spans.value == [{"start": 0, "end": 22, "label": "ORG"},
                           {"start": 43, "end": 51, "label": "LOC"}]
    assert spans.score == [0.62, 0.99]
    assert rec.suggestions["corrected_translation"].value == s.target_text
    assert rec.metadata == {"language_pair": "en-de", "source_dataset": "europarl-ner",
                            "entity_count": 2, "confidence": 0.61, "issues": ["article_in_span"],
                            "sample_id": "europarl-en-0006", "run": "run-7", "priority": 3}


def test_markdown_shows_missing_entities_and_issues(samples):
    s = next(x for x in samples if x.id == "pud-en-0003")
    table = entities_markdown(s)
    assert "| 2 &nbsp; | LOC &nbsp; | Shanghai &nbsp; | *(not found)* &nbsp; | – |" in table
    assert table.startswith("| # &nbsp; | label &nbsp; |")  # cells kept apart on screen
    assert "`entity_missing`" in table
    assert source_markdown(s).startswith("**\\[1 ORG\\] Microsoft**")


def test_dataset_names():
    pair = ReviewConfig(dataset_per="pair")
    assert dataset_name(pair, "en", "zh", "run 7") == "parallelner-en-zh"
    per_run = ReviewConfig()  # the default: runs never share records
    assert dataset_name(per_run, "en", "zh", "2026-11-25 run/7") == \
        "parallelner-2026-11-25-run-7-en-zh"
    assert dataset_name(per_run, "en", "zh", "r1", audit=True) == "parallelner-r1-audit-en-zh"


_DELETE = """
                            if (ctx._source.responses != null) {
                                for (int i=ctx._source.responses.length-1; i>=0; i--) {
                                    if (ctx._source.responses[i].id == params.response.id) {
                                        ctx._source.responses.remove(i);
                                    }
                                }
                            }
                        """


def test_launcher_applies_the_three_known_scripts():
    upsert = {"source": """
                            if (ctx._source.responses == null) {
                                ctx._source.responses = []
                            }

                            for (int i=ctx._source.responses.length-1; i>=0; i--) {
                                if (ctx._source.responses[i].id == params.response.id) {
                                    ctx._source.responses.remove(i);
                                }
                            }

                            ctx._source.responses.add(params.response)
                        """, "params": {"response": {"id": "r1", "status": "submitted"}}}
    doc = apply_script({"id": "x"}, upsert)
    assert doc["responses"] == [{"id": "r1", "status": "submitted"}]
    upsert["params"]["response"] = {"id": "r1", "status": "draft"}
    doc = apply_script(doc, upsert)
    assert doc["responses"] == [{"id": "r1", "status": "draft"}]
    # The server passes a UUID object; the stored document has its string form.
    rid = uuid.uuid4()
    doc = {"responses": [{"id": str(rid), "status": "draft"}]}
    upsert["params"]["response"] = {"id": rid, "status": "submitted"}
    assert apply_script(doc, upsert)["responses"] == [{"id": rid, "status": "submitted"}]
    doc = {"responses": [{"id": str(rid)}, {"id": "other"}]}
    delete_uuid = {"source": _DELETE, "params": {"response": {"id": rid}}}
    assert apply_script(doc, delete_uuid)["responses"] == [{"id": "other"}]
    doc = {"responses": [{"id": "r1", "status": "draft"}]}
    delete = {"source": _DELETE, "params": {"response": {"id": "r1"}}}
    assert apply_script(doc, delete)["responses"] == []
    doc = {"suggestions": {"spans": {"value": 1}, "usable": {}}}
    assert apply_script(doc, 'ctx._source["suggestions"].remove("spans")') == {
        "suggestions": {"usable": {}}}
    with pytest.raises(UnknownScriptError):
        apply_script(doc, {"source": "ctx._source.x = 1", "params": {}})


def test_credentials_are_generated_once_with_user_only_permissions(tmp_path):
    path = tmp_path / "argilla" / "credentials.json"
    creds, created = ensure_credentials(path, "ws")
    assert created and (path.stat().st_mode & 0o777) == 0o600
    again, created = ensure_credentials(path, "ws")
    assert not created and again == creds
    other, _ = ensure_credentials(tmp_path / "other.json", "ws")
    assert other.password != creds.password and other.api_key != creds.api_key
    assert creds.password not in repr(creds) and creds.api_key not in repr(creds)
    assert json.loads(path.read_text())["username"] == "parallelner"
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_credentials(path)


def test_labels_show_their_ontology_class_and_meaning():
    from annotation.dataset import guidelines_text, label_options

    assert label_options(["LOC", "ORG", "XYZ"], ["conll"]) == {
        "LOC": "LOC · Location", "ORG": "ORG · Organization", "XYZ": "XYZ"}
    text = guidelines_text(["PER", "XYZ"], ["conll"])
    assert "| PER | Person | A human being, real or fictional" in text
    assert "| XYZ | – | not in the entity schema |" in text
    assert text.startswith("# Reviewing parallel NER samples")


def test_record_shows_the_back_translation_when_the_round_trip_made_one(samples):
    s = next(x for x in samples if x.id == "europarl-en-0006")
    assert "back_translation" not in to_record(s, "run-7").fields
    back = s.model_copy(update={"back_translation": "The United Nations sits in New York."})
    assert to_record(back, "run-7").fields["back_translation"] == back.back_translation
