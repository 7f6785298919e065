import pytest

from parallelner.align import align_sample
from parallelner.align.confidence import BASE, route
from parallelner.align.issues import CODES, Action
from parallelner.config import AlignConfig
from parallelner.schema import Status

from .conftest import OBAMA, OBAMA_DE, OBAMA_ENTS, sample


def test_code_table_is_well_formed():
    for code in CODES.values():
        assert 0.0 <= code.penalty <= 1.0 and isinstance(code.action, Action)


@pytest.mark.parametrize("codes, confidence, status", [
    (set(), 1.0, Status.accepted),
    (set(), 0.8, Status.review),
    (set(), 0.3, Status.refine),
    ({"markup_chatter"}, 0.98, Status.accepted),
    ({"span_surface_conflict"}, 0.99, Status.review),
    ({"entity_missing", "span_surface_conflict"}, 0.99, Status.refine),
    ({"empty_response", "entity_missing"}, 0.0, Status.rejected),
])
def test_routing(codes, confidence, status):
    assert route(codes, confidence, AlignConfig()) is status


def test_thresholds_come_from_config():
    assert route(set(), 0.9, AlignConfig(accept_threshold=0.95)) is Status.review
    assert route(set(), 0.4, AlignConfig(review_threshold=0.3)) is Status.review


def test_each_tolerance_costs_its_penalty_once(config):
    answer = "Here is the translation:\n" + OBAMA_DE.replace("<PER id=\"1\">", "<PER id=1>")
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    expected = (1 - CODES["markup_chatter"].penalty) * (1 - CODES["markup_tag_format"].penalty)
    assert out.confidence == pytest.approx(expected, abs=1e-3)
    assert out.status is Status.accepted


def test_span_confidence_reflects_how_the_span_was_found(config):
    answer = OBAMA_DE.replace('<LOC id="2">Paris</LOC>', "Paris")
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    by_index = {t.source_index: t.confidence for t in out.target_entities}
    assert by_index[0] == 1.0 and by_index[1] == BASE["exact"]
    assert out.confidence == pytest.approx(BASE["exact"])


def test_many_small_tolerances_add_up_to_review(config):
    answer = ('```\n"**＜person id=1＞Barack Obama＜/person＞** besuchte am Montag '
              '<ort>Paris</> mit <PER id="3">Angela Merkel</PER>."\n```')
    out = align_sample(sample(OBAMA, OBAMA_ENTS, answer), config)
    assert [(t.source_index) for t in out.target_entities] == [0, 1, 2]
    assert out.confidence < config.accept_threshold and out.status is Status.review


def test_config_refuses_inverted_thresholds():
    from parallelner.config import load_settings
    from parallelner.errors import ConfigError

    with pytest.raises(ConfigError):
        load_settings(overrides={"align": {"accept_threshold": 0.4, "review_threshold": 0.6}})
