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
    "ORG": ("organization", "organisation", "organizacion", "organizzazione", "company", "institution"),
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


def canonical_label(name: str | None, labels: Iterable[str]) -> tuple[str | None, str | None]:
    """Return (source label, issue code or None) for a tag name, given the sample's labels.

    Exact match: no code. Differs only in case: ``tag_label_case``. A known synonym or translation
    of one of ``labels``: ``tag_label_synonym`` / ``tag_label_translated``. Else (None, None).
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
    hit = _LOOKUP.get(folded)
    if hit and hit[0] in known:
        return hit
    # A synonym of a label not among this sample's labels still names that label (it can only
    # be a changed label); report it under the canonical name so the change is visible.
    if hit:
        return hit[0], hit[1]
    upper = name.upper()
    if upper in _SYNONYMS:
        return upper, "tag_label_case"
    return None, None
