import pytest

from parallelner.align.langid import check_language, script_profile


def test_script_profile_counts_letters_per_script():
    assert script_profile("Obama 奥巴马") == {"latin": 5, "han": 3}


@pytest.mark.parametrize("text, lang, verdict", [
    ("不管哪種情況，我都要坐牢。", "zh", "ok"),  # langdetect alone reads short Chinese as Korean
    ("Das Parlament hat heute über den Haushalt der Europäischen Union abgestimmt.", "de", "ok"),
    ("El Parlamento votó hoy el presupuesto de la Unión Europea en Estrasburgo.", "de", "wrong"),
    ("The Parliament voted today on the budget of the European Union in Strasbourg.", "zh",
     "wrong"),
    ("これは日本語の文です。", "zh", "wrong"),
    ("Gracias.", "es", "ok"),
])
def test_language_verdicts(text, lang, verdict):
    assert check_language(text, lang).verdict == verdict


def test_short_text_is_not_condemned_on_weak_evidence():
    assert check_language("Agenda", "de").verdict != "wrong"


def test_detection_is_deterministic():
    text = "Zu vielem, was in diesem Parlament passiert, mangelt es an Klarheit"
    assert len({check_language(text, "de").reason for _ in range(5)}) == 1
