import pytest

from parallelner.align.boundaries import edge_function_word, trim_span


def trim(text, surface_in_tag, source_surface, lang="de", source_lang="en"):
    start = text.index(surface_in_tag)
    t = trim_span(text, start, start + len(surface_in_tag), source_surface, lang, source_lang)
    return text[t.start:t.end], t.codes


@pytest.mark.parametrize("text, tagged, src, lang, expected, code", [
    ("Er sprach mit dem Europäischen Parlament.", "dem Europäischen Parlament",
     "European Parliament", "de", "Europäischen Parlament", "span_article_trimmed"),
    ("Habló con el Parlamento.", "el Parlamento", "Parliament", "es", "Parlamento",
     "span_article_trimmed"),
    ("Parlò dell'Unione europea.", "dell'Unione europea", "European Union", "it", "Unione europea",
     "span_article_trimmed"),
    ("Sie besuchte Paris, dann Rom.", "Paris,", "Paris", "de", "Paris", "span_punct_trimmed"),
    ("Sie besuchte «Paris».", "«Paris»", "Paris", "de", "Paris", "span_punct_trimmed"),
    ("Sie besuchte  Paris .", " Paris ", "Paris", "de", "Paris", "span_whitespace_trimmed"),
])
def test_trims_articles_punctuation_and_spaces(text, tagged, src, lang, expected, code):
    got, codes = trim(text, tagged, src, lang)
    assert got == expected and code in codes


def test_article_kept_when_the_source_entity_starts_with_one():
    assert trim("Er reiste nach Den Haag.", "Den Haag", "The Hague")[0] == "Den Haag"


def test_abbreviation_period_kept():
    assert trim("Sie kamen aus den EE.UU. hierher.", "EE.UU.", "United States", "es")[0] == "EE.UU."


def test_untouched_span_has_no_code():
    assert trim("Sie besuchte Paris.", "Paris", "Paris") == ("Paris", ())


@pytest.mark.parametrize("text, span, lang, expected", [
    ("Obama besuchte Paris für zwei Tage.", "Paris für", "de", "für"),
    ("Visitó Madrid y luego Roma.", "Madrid y", "es", "y"),
    ("在北京的会议", "北京的", "zh", "的"),
    ("Sie sprach mit dem Bank für Zahlungsausgleich.", "Bank für Zahlungsausgleich", "de", None),
])
def test_edge_function_words(text, span, lang, expected):
    s = text.index(span)
    assert edge_function_word(text, s, s + len(span), lang, "X") == expected


def test_ordinal_period_of_a_regnal_name_is_kept():
    assert trim("König Amyntas I. regierte.", "Amyntas I.", "Amyntas I")[0] == "Amyntas I."


def test_chinese_name_ending_in_a_common_character_is_not_an_edge_word():
    text = "返回埃及。"
    assert edge_function_word(text, 2, 4, "zh", "Egypt") is None
