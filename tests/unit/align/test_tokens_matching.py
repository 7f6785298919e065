from parallelner.align.matching import find_entity, normalize, snap
from parallelner.align.tokens import cuts_word, on_boundaries, tokenize


def test_chinese_is_per_character_but_latin_runs_stay_whole():
    t = tokenize("苹果的iPhone 15发布了", "zh")
    pieces = [t.text[s:e] for s, e in zip(t.starts, t.ends, strict=True)]
    assert pieces[:4] == ["苹", "果", "的", "iPhone"] and "15" in pieces


def test_cuts_word_only_between_word_characters():
    text = "Paris, EU-Kommission"
    assert cuts_word(text, 2) and not cuts_word(text, 5) and not cuts_word(text, 9)


def test_on_boundaries_consults_the_tokenizer_only_inside_words():
    assert on_boundaries(0, 5, "Paris besucht", "de")
    assert not on_boundaries(0, 3, "Paris besucht", "de")
    assert on_boundaries(0, 1, "巴黎很美", "zh")  # every character is a token in Chinese


def test_normalize_maps_back_to_the_original():
    norm, mapping = normalize("Ｍüller-Lüdenscheidt, Ａ.")
    assert norm == "muller ludenscheidt a"
    assert mapping[0] == 0 and mapping[-1] == len("Ｍüller-Lüdenscheidt, ")


def _find(surface, text, lang="de", taken=()):
    return find_entity(surface, text, tokenize(text, lang), list(taken), 88.0)


def test_exact_unique_match():
    m = _find("Paris", "Sie besuchte Paris gestern.")
    assert (m.method, m.occurrences) == ("exact", 1)


def test_exact_match_must_not_cut_a_word_nor_overlap_a_span():
    assert _find("Paris", "Die Parisienne kam.") is None
    text = "Paris und Paris."
    m = _find("Paris", text, taken=[(0, 5)])
    assert (m.start, m.occurrences) == (10, 1)


def test_repeated_surface_is_ambiguous():
    assert _find("Paris", "Paris und Paris.").occurrences == 2


def test_normalized_match_ignores_case_width_and_accents():
    m = _find("Jose Maria Aznar", "Später sprach JOSÉ MARÍA AZNAR dazu.")
    assert m.method == "normalized" and \
        "JOSÉ MARÍA AZNAR" == "Später sprach JOSÉ MARÍA AZNAR dazu."[m.start:m.end]


def test_fuzzy_match_is_snapped_to_whole_tokens():
    text = "Gestern sprach Aleksander Kwasniewski lange."
    m = _find("Aleksander Kwaśniewskiego", text, "pl")
    assert m is not None and m.method in ("normalized", "fuzzy")
    assert text[m.start:m.end] == "Aleksander Kwasniewski"


def test_short_names_are_not_searched_fuzzily():
    assert _find("Rom", "Sie fuhren nach Romm.") is None


def test_snap_grows_to_tokens_and_drops_spaces():
    t = tokenize("Sie besuchte Paris heute", "de")
    assert snap(12, 16, t) == (13, 18)


def test_simplified_name_is_found_in_traditional_text_at_its_own_offsets():
    # The model answers "钱德勒" (simplified); the sentence it must be found in is traditional.
    text = "錢德勒在臺灣說，他會回來。"
    m = find_entity("钱德勒", text, tokenize(text, "zh"), [], 80.0)
    assert m is not None and (m.method, text[m.start:m.end]) == ("normalized", "錢德勒")
    m = find_entity("台湾", text, tokenize(text, "zh"), [], 80.0)
    assert m is not None and text[m.start:m.end] == "臺灣"


def test_chinese_folding_keeps_one_character_for_one():
    from parallelner.align.hanzi import fold, fold_table

    table = fold_table()
    assert len(table) > 2000 and all(len(v) == 1 for v in table.values())
    assert fold("後來發現東京") == "后来发现东京"
    assert fold("Europe 2017") == "Europe 2017"  # only Chinese characters change
