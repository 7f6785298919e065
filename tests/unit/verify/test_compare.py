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


def test_a_lost_tag_is_nothing_when_the_name_is_in_the_text():
    s = segni()
    kept = parse_back("Thank you, Mr Segni, I shall do so gladly.", s)
    assert compare(s, kept, CFG)[0] == []


def test_a_lost_tag_with_the_name_spelled_otherwise_is_a_note_quoting_what_was_found():
    s = segni()
    lost = parse_back("Thank you, Mr Senyi, I shall do so gladly.", s)
    (f,) = compare(s, lost, CFG)[0]
    assert (f.code, f.entity_index) == ("roundtrip_tag_lost", 0)
    assert "'Senyi'" in f.message


def test_a_lost_tag_whose_name_is_nowhere_goes_to_refine_with_the_closest_stretch():
    # make run, UNER en->zh: "Georgetown BID" was translated 乔治·布什大学 and came back untagged
    # as "George Bush University": a wrong name that only the whole text shows.
    s = sample("en", "zh", "The Georgetown BID said the plan will help.", [(4, 18, "ORG")],
               "乔治·布什大学表示该计划会有帮助。", [(0, 7, 0)])
    back = parse_back("George Bush University said the plan will help.", s)
    (f,) = compare(s, back, CFG)[0]
    assert (f.code, f.entity_index) == ("roundtrip_name_missing", 0)
    assert f.message.startswith("entity 1 'Georgetown BID' came back without its tag and "
                                "nothing in the back-translation reads like it (closest: ")
    gone = parse_back("It said the plan will help.", s)
    assert [f.code for f in compare(s, gone, CFG)[0]] == ["roundtrip_name_missing"]


@pytest.mark.parametrize(("source", "back"), [
    ("Texas", "They said this would help."),           # a sound-alike lower-case word
    ("Tauern Tunnel", "The tunnel was closed."),        # a shared generic word, not the name
])
def test_a_searched_name_is_not_found_in_ordinary_words(source, back):
    from parallelner.verify.compare import find_name
    assert find_name(source, back, "en")[1] < CFG.search_threshold


def test_a_number_that_comes_back_with_another_size_is_reported():
    # make run, UNER en->zh: "$103.7 million" became 103.7亿 (10.37 billion).
    s = segni().model_copy(update={"source_text": "Thank you, Mr Segni, it cost $103.7 million."})
    wrong = BackTranslation("Thank you, Mr Segni, it cost 103.7 billion dollars.", {0: "Segni"})
    codes = {f.code: f.message for f in compare(s, wrong, CFG)[0]}
    assert codes == {"roundtrip_number_changed": "103.7 million of the source did not come "
                     "back; 103.7 billion came back but is not in the source"}
    same = BackTranslation("Thank you, Mr Segni, it cost 103,700,000 dollars.", {0: "Segni"})
    assert compare(s, same, CFG)[0] == []


@pytest.mark.parametrize(("source", "back", "lang", "lost", "added"), [
    ("Es kostet 1,4 Milliarden Euro.", "Es kostet 1,4 Millionen Euro.", "de",
     ["1,4 milliarden"], ["1,4 millionen"]),
    ("Es kostet 1,4 Milliarden Euro.", "Es kostet 1.400.000.000 Euro.", "de", [], []),
    ("花了5万元", "花了5亿元", "zh", ["5万"], ["5亿"]),
    ("花了5万元", "花了50000元", "zh", [], []),
    ("On 21.10.2011 we met.", "On 21.10.2012 we met.", "en", ["21.10.2011"], ["21.10.2012"]),
    ("It grew 1,4 percent.", "It grew 1.4 percent.", "en", [], []),
])
def test_numbers_are_compared_by_value(source, back, lang, lost, added):
    from parallelner.verify.compare import number_changes
    assert number_changes(source, back, lang) == (lost, added)


def test_a_lost_negation_is_reported():
    # UNER en->zh n01033-0003, read by hand: "which are not directly exposed" became 直接暴露的
    # ("directly exposed"); the back-translation says so, and every content word came back.
    s = sample("en", "zh", "However, they could not find this same pattern in tissues such as "
               "the bladder, which are not directly exposed.", [], "然而，他们无法在膀胱等直接暴露"
               "的组织中找到这种相同的模式。", [])
    back = BackTranslation("However, they could not find the same pattern in the direct exposed "
                           "tissues such as the bladder.")
    (f,) = compare(s, back, CFG)[0]
    assert f.code == "roundtrip_negation_lost"
    assert f.message.startswith("the source negates 2 time(s), the back-translation 1")
    kept = BackTranslation("However, they could not find the same pattern in tissues like the "
                           "bladder that are not exposed directly.")
    assert compare(s, kept, CFG)[0] == []


@pytest.mark.parametrize(("text", "lang", "count"), [
    ("I don't know, nobody does.", "en", 2),
    ("Notably, nowhere near the knot.", "en", 0),      # words that only start or end alike
    ("Das ist nicht ohne keine Folgen.", "de", 3),
    ("No lo sé.", "es", 1),
    ("他们不同意。", "zh", None),                        # Chinese is not counted
])
def test_negations_are_whole_words(text, lang, count):
    from parallelner.verify.compare import negations
    assert negations(text, lang) == count
