"""The round trip's comparison on real gold sentences: names, content, numbers."""

from __future__ import annotations

import pytest
from verify_gold import evans, sample, seagal, segni

from parallelner.verify import VerifyConfig, coverage, name_score
from parallelner.verify.backtranslate import BackTranslation, parse_back
from parallelner.verify.compare import compare, sound_key

CFG = VerifyConfig()


@pytest.mark.parametrize(("source", "back", "lang"), [
    ("Kaczyński", "Kaczynski", "en"),          # diacritics
    ("Kaczyński", "Kachinsky", "en"),          # a transliteration variant
    ("Schröder", "Schroeder", "en"),
    ("European Union", "EU", "en"),            # initials
    ("Barack Obama", "Obama", "en"),           # one name holds the other
    ("the Commission", "European Commission", "en"),
    ("奧巴馬", "奥巴马", "zh"),                   # traditional / simplified
    ("奧巴馬", "欧巴马", "zh"),                   # another character, same sound
])
def test_same_name_in_other_spellings_passes(source, back, lang):
    assert name_score(source, back, lang) >= CFG.name_threshold


@pytest.mark.parametrize(("source", "back", "lang"), [
    ("Potomac River", "Boston River", "en"),    # the shared generic word does not save it
    ("Evans", "Plooij-van Gorsel", "en"),      # a long other name must not pass on "van"
    ("Parliament", "Group of the Party of European Socialists", "en"),
    ("Obama", "Biden", "en"),
    ("奥巴马", "拜登", "zh"),
])
def test_another_name_fails(source, back, lang):
    assert name_score(source, back, lang) < CFG.name_threshold


def test_sound_key_folds_spelling_variants():
    assert sound_key("Kaczyński") == sound_key("Kachinsky")


def test_exact_back_translation_shows_nothing():
    s = seagal()
    back = parse_back('Earlier this year <PER id="1">Seagal</PER> was given Serbian nationality '
                      'after offering to set up a martial arts school in the capital '
                      '<LOC id="2">Belgrade</LOC>.', s)
    findings, scores = compare(s, back, CFG)
    assert findings == [] and scores == {0: 100.0, 1: 100.0}


def test_a_wrong_name_is_named_in_the_message():
    s = evans()
    back = parse_back('Yes, Mr <PER id="1">Plooij-van Gorsel</PER>, I feel an initiative of the '
                      'type you have just suggested would be entirely appropriate.', s)
    (f,) = compare(s, back, CFG)[0]
    assert f.code == "roundtrip_name_changed" and f.entity_index == 0
    assert f.message.startswith("entity 1 'Evans' came back as 'Plooij-van Gorsel'")


def test_a_dropped_final_clause_is_quoted():
    s = segni()  # the German target stopped after the name: "Vielen Dank, Herr Segni."
    back = parse_back('Thank you, Mr <PER id="1">Segni</PER>.', s)
    (f,) = compare(s, back, CFG)[0]
    assert f.code == "roundtrip_content_dropped"
    assert "'I shall do so gladly.'" in f.message


def test_a_reworded_back_translation_is_not_a_dropped_clause():
    # A competent back-translation rarely gives the source word for word.
    s = segni()
    back = parse_back('Thank you, Mr <PER id="1">Segni</PER>, I will gladly do that.', s)
    assert compare(s, back, CFG)[0] == []


def test_a_cut_early_stop_in_chinese_source_is_found():
    # UNER zh-en batch-0000-0006: the English target stopped after the first clause.
    cov = coverage("她的所言所行，簡直令人難以置信。", "她的所言所行，簡直令人。", "zh")
    assert cov.tail(CFG.tail_min_words, CFG.tail_max_recall, 0.0, CFG.tail_min_content) >= 4
    whole = coverage("她的所言所行，簡直令人難以置信。", "她的所作所为，真是令人难以置信。", "zh")
    assert whole.tail(CFG.tail_min_words, CFG.tail_max_recall, 0.0, CFG.tail_min_content) == 0


def test_a_changed_number_is_reported_both_ways():
    s = segni().model_copy(update={"source_text": "Thank you, Mr Segni, I shall do so in 2001."})
    back = BackTranslation("Thank you, Mr Segni, I shall do so in 2010.", {0: "Segni"})
    codes = {f.code: f.message for f in compare(s, back, CFG)[0]}
    assert codes["roundtrip_number_changed"] == ("2001 of the source did not come back; 2010 "
                                                 "came back but is not in the source")


def test_a_lost_tag_is_noted_only_when_the_name_is_not_in_the_text():
    s = segni()
    kept = parse_back("Thank you, Mr Segni, I shall do so gladly.", s)
    assert compare(s, kept, CFG)[0] == []
    lost = parse_back("Thank you, sir, I shall do so gladly.", s)
    assert [f.code for f in compare(s, lost, CFG)[0]] == ["roundtrip_tag_lost"]


def test_one_lost_content_word_counts_only_when_the_back_translation_is_far_shorter():
    # Europarl en-de 37: the German stopped before "since my accident"; the back-translation
    # has 7 of the source's 10 words. The default (0.7, measured) lets this one pass: below it
    # more reworded right back-translations would be flagged (benchmarks/README.md).
    s = sample("en", "de", "Why have the staircases not been improved since my accident?", [],
               "Warum wurde nach meinem Unfall nichts unternommen?", [])
    stopped = BackTranslation("Why have the staircases not been improved?")
    strict = CFG.model_copy(update={"short_ratio": 0.75})
    assert [f.code for f in compare(s, stopped, strict)[0]] == ["roundtrip_content_dropped"]
    reworded = BackTranslation("Why has nothing been done about the stairs since my mishap?")
    assert compare(s, reworded, strict)[0] == []
    assert compare(s, stopped, CFG)[0] == []


def test_latin_letters_glued_to_chinese_do_not_hide_the_characters():
    # UNER zh text writes Latin names without spaces ("機場Wi-Fi比能"): each Han character
    # still counts on its own.
    cov = coverage("他們來到片場後發生打鬥。", "他們和Lindsay來到片場後發生打鬥。", "zh")
    assert all(cov.found) and cov.recall == 1.0
