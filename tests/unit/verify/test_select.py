"""Which samples make the round trip: the modes and the cheap signals, on gold sentences."""

from __future__ import annotations

from verify_gold import evans, sample, seagal, segni

from parallelner.schema import Status
from parallelner.verify import VerifyConfig, name_score, selected, signals


def test_a_complete_gold_translation_has_quiet_signals():
    s = signals(segni())
    assert s.comma_loss == 0 and s.tail_ratio >= 0.5 and s.name_sound == 100.0
    assert not selected(segni(), VerifyConfig(mode="suspicious"))


def test_an_early_stop_after_the_last_entity_is_suspicious():
    stopped = segni().model_copy(update={"target_text": "Vielen Dank, Herr Segni."})
    s = signals(stopped)
    assert s.tail_ratio < 0.5 and s.length_z < -1.0
    assert selected(stopped, VerifyConfig(mode="suspicious"))


def test_a_name_that_sounds_like_nothing_of_the_source_is_suspicious():
    # Belgrade written as 波士頓 (Boston): zh <-> Latin names are compared by pinyin. The
    # signal is weak one name at a time (西格爾 for Seagal sounds 17 alike, and is selected too).
    s = sample("en", "zh", "He flew to Belgrade.", [(11, 19, "LOC")], "他飞往貝爾格萊德。",
               [(3, 8, 0)])
    wrong = sample("en", "zh", "He flew to Belgrade.", [(11, 19, "LOC")], "他飞往波士頓。",
                   [(3, 6, 0)])
    cfg = VerifyConfig(mode="suspicious")
    assert signals(s).name_sound == 60.0 and signals(wrong).name_sound == 25.0
    assert not selected(s, cfg) and selected(wrong, cfg)
    assert signals(seagal()).name_sound < cfg.suspicious_name_sound


def test_within_one_script_the_name_signal_is_the_round_trip_name_score():
    s = evans()
    assert signals(s).name_sound == 100.0
    s.target_text = s.target_text.replace("Evans", "Plooij-van Gorsel")
    s.target_entities[0] = s.target_entities[0].model_copy(update={"end": 9 + 17})
    assert signals(s).name_sound == name_score("Evans", "Plooij-van Gorsel", "en") < 62


def test_modes():
    s = segni()
    assert selected(s, VerifyConfig(mode="all"))
    assert not selected(s, VerifyConfig(mode="off"))
    assert not selected(s.model_copy(update={"status": Status.rejected}), VerifyConfig())
    no_target = sample("en", "de", "Thank you.", [], "", [])
    assert not selected(no_target, VerifyConfig())


def test_dry_run_estimate_counts_the_calls_of_each_mode():
    from parallelner.config import Settings
    from parallelner.schema import ParallelSample, SourceSample
    from parallelner.verify import estimate_requests

    right = segni()
    stopped = right.model_copy(update={"id": "s2", "target_text": "Vielen Dank, Herr Segni."})
    settings = Settings()
    assert len(list(estimate_requests([right, stopped], settings, VerifyConfig()))) == 2
    assert len(list(estimate_requests([right, stopped], settings,
                                      VerifyConfig(mode="suspicious")))) == 1
    assert list(estimate_requests([right], settings, VerifyConfig(mode="off"))) == []
    # Before translation every sample counts, its source standing in for the target.
    fresh = ParallelSample.from_source(SourceSample(id="n", lang="en", text=right.source_text,
                                                    entities=right.source_entities), "de")
    ((request, tokens),) = estimate_requests([fresh], settings, VerifyConfig(mode="suspicious"))
    assert 'Mr <PER id="1">Segni</PER>' in request.messages[-1][1] and tokens > 0
