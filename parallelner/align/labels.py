"""Map a tag name as the LLM wrote it to a source label, and say how far it strayed.

The label of a target span always comes from its source entity; the tag name only helps to match
tags without ids and tells us how carefully the model followed the format.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Synonyms and translations of the common labels (English, German, Spanish, Italian, French,
# Chinese simplified and traditional). Keys are casefolded.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "PER": ("person", "persons", "people", "pers", "personne", "persona", "personen", "name"),
    "LOC": ("location", "place", "gpe", "lieu", "ort", "lugar", "luogo", "localidad", "locality"),
    "ORG": ("organization", "organisation", "organizacion", "organizzazione", "company",
            "institution"),
    "MISC": ("miscellaneous", "other", "misc.", "otro", "altro", "sonstiges", "divers", "autre"),
}
_TRANSLATED: dict[str, tuple[str, ...]] = {
    "PER": ("人物", "人名", "人", "姓名"),
    "LOC": ("地点", "地點", "地名", "位置", "地方"),
    "ORG": ("组织", "組織", "机构", "機構", "组织机构", "組織機構"),
    "MISC": ("其他", "杂项", "雜項"),
}


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


_LOOKUP: dict[str, tuple[str, str]] = {}
for _label, _names in _SYNONYMS.items():
    for _n in _names:
        _LOOKUP[_fold(_n)] = (_label, "tag_label_synonym")
for _label, _names in _TRANSLATED.items():
    for _n in _names:
        _LOOKUP[_fold(_n)] = (_label, "tag_label_translated")


def _group(name: str) -> tuple[str, str] | None:
    """(coarse label, code) of a name: PER/LOC/ORG/MISC themselves, or a synonym/translation."""
    folded = _fold(name)
    if folded.upper() in _SYNONYMS:
        return folded.upper(), "tag_label_case"
    return _LOOKUP.get(folded)


def canonical_label(name: str | None, labels: Iterable[str]) -> tuple[str | None, str | None]:
    """Return (source label, issue code or None) for a tag name, given the sample's labels.

    Exact match: no code. Differs only in case: ``tag_label_case``. A synonym or translation of
    one of ``labels`` (also across label schemes: tag ``PER`` for a ``PERSON`` entity):
    ``tag_label_synonym`` / ``tag_label_translated``. A known label that the sample does not use
    is returned as is (it can only be a changed label); anything else: (None, None).
    """
    if not name:
        return None, None
    known = set(labels)
    if name in known:
        return name, None
    folded = _fold(name)
    for label in known:
        if _fold(label) == folded:
            return label, "tag_label_case"
    group = _group(name)
    if group is None:
        return None, None
    same = [label for label in known if (_group(label) or ("", ""))[0] == group[0]]
    if len(same) == 1:
        code = group[1] if group[1] != "tag_label_case" else "tag_label_synonym"
        return same[0], code
    return group[0], group[1]
