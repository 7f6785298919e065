import pytest

from parallelner.align.labels import canonical_label

LABELS = {"PER", "LOC", "ORG", "MISC"}


@pytest.mark.parametrize("name, expected", [
    ("PER", ("PER", None)),
    ("per", ("PER", "tag_label_case")),
    ("Person", ("PER", "tag_label_synonym")),
    ("ORGANISATION", ("ORG", "tag_label_synonym")),
    ("Organización", ("ORG", "tag_label_synonym")),
    ("人物", ("PER", "tag_label_translated")),
    ("地點", ("LOC", "tag_label_translated")),
    ("BANANA", (None, None)),
    (None, (None, None)),
])
def test_tag_names_map_to_source_labels(name, expected):
    assert canonical_label(name, LABELS) == expected


def test_custom_labels_match_case_insensitively():
    assert canonical_label("date", {"DATE"}) == ("DATE", "tag_label_case")


def test_label_schemes_meet_through_their_synonyms():
    assert canonical_label("PER", {"PERSON", "GPE"}) == ("PERSON", "tag_label_synonym")
    assert canonical_label("人物", {"PERSON"}) == ("PERSON", "tag_label_translated")


def test_a_known_label_the_sample_does_not_use_is_a_changed_label():
    assert canonical_label("ORG", {"PER", "LOC"}) == ("ORG", "tag_label_case")
