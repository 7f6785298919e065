"""What a source file's name tells us: language, split, dataset. Pure string logic, no I/O.

Why a fixed ISO 639-1 list: a name like ``my-data.conll`` must not be read as Burmese by accident of
shape alone; only the first or last part of a name counts, and only when it is a real code.
"""

from __future__ import annotations

import re
from pathlib import PurePath

ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
    ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
    pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)

SPLIT_NAMES = {
    "train": "train",
    "dev": "dev",
    "val": "validation",
    "valid": "validation",
    "validation": "validation",
    "test": "test",
}

_PARTS_RE = re.compile(r"[-_.\s]+")
_ID_UNSAFE_RE = re.compile(r"[^a-z0-9]+")


def _name_parts(path: str | PurePath) -> list[str]:
    """``en-europarl.test.conll02`` -> ``["en", "europarl", "test"]`` (the extension dropped)."""
    name = PurePath(path).name.lower()
    if "." in name[1:]:
        name = name.rsplit(".", 1)[0]
    return [p for p in _PARTS_RE.split(name) if p]


def lang_from_name(path: str | PurePath) -> str | None:
    """``en-europarl.test.conll02`` -> en, ``zh_pud-ud-test.iob2`` -> zh, ``train_de`` -> de."""
    parts = _name_parts(path)
    for part in parts[:1] + parts[-1:]:
        if part in ISO_639_1:
            return part
    return None


def split_from_name(path: str | PurePath) -> str:
    """The split a file name announces (``train``/``dev``/``validation``/``test``), else ``""``."""
    for part in reversed(_name_parts(path)):
        if part in SPLIT_NAMES:
            return SPLIT_NAMES[part]
    return ""


def slug(value: str) -> str:
    """A lower-case, dash-separated form safe inside sample ids."""
    return _ID_UNSAFE_RE.sub("-", value.lower()).strip("-")


def sample_id(dataset: str, lang: str, split: str, key: str | int) -> str:
    """Stable id ``{dataset}-{lang}-{split}-{key}`` (empty parts left out)."""
    parts = [slug(dataset), lang, slug(split), str(key)]
    return "-".join(p for p in parts if p)
