"""A minimal loader of the gold parallel corpora for the align benchmarks.

Sentences come from ``parallelner.readers`` (the product's own readers); this file only adds what
the benchmarks need on top: the pairing between languages (Europarl: sentence i of each language
file translates sentence i of the others; UNER PUD: ``pairs.tsv`` maps English ids to German and
Chinese ids).

Gold spans are trimmed of edge punctuation glued on by tokenization ("-Parlamento" -> "Parlamento"),
the entity definition the aligner applies.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from parallelner.align.translit import sound_alike
from parallelner.schema import EntitySpan

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold"


@dataclass(frozen=True)
class Sentence:
    id: str
    lang: str
    text: str
    entities: tuple[EntitySpan, ...]


_LEAD = set("-–—\"'“”„«»([‚‘’")
_TRAIL = set("-–—\"'“”„«»)],;:‚‘’")


def _clean(text: str, spans: tuple[EntitySpan, ...]) -> tuple[EntitySpan, ...]:
    """Trim edge punctuation that tokenization glued to a few gold spans ("-Parlamento")."""
    out = []
    for sp in spans:
        s, e = sp.start, sp.end
        while e - s > 1 and text[s] in _LEAD:
            s += 1
        while e - s > 1 and text[e - 1] in _TRAIL:
            e -= 1
        out.append(EntitySpan(start=s, end=e, label=sp.label))
    return tuple(out)


def _read(path: Path, lang: str) -> list:
    from parallelner.readers import read_source

    return list(read_source(path, lang=lang))


def europarl(lang: str) -> list[Sentence]:
    samples = _read(GOLD / "europarl-ner" / f"{lang}-europarl.test.conll02", lang)
    return [Sentence(f"europarl-{i}", lang, s.text, _clean(s.text, tuple(s.entities)))
            for i, s in enumerate(samples)]


def uner(lang: str) -> dict[str, Sentence]:
    out: dict[str, Sentence] = {}
    for s in _read(GOLD / "uner-pud" / f"{lang}_pud-ud-test.iob2", lang):
        prefix = f"uner-pud-{lang}-test-"
        assert s.id.startswith(prefix), s.id
        sent_id = s.id[len(prefix):]
        out[sent_id] = Sentence(sent_id, lang, s.text, _clean(s.text, tuple(s.entities)))
    return out


@dataclass(frozen=True)
class Pair:
    """A gold translation pair; ``mapping[i]`` is the target entity translating source entity i."""

    corpus: str
    source: Sentence
    target: Sentence
    mapping: tuple[int, ...]


def _sound(src: Sentence, tgt: Sentence) -> Callable[[str, str], float]:
    """How alike a source and a target name sound (pinyin against letters, zh <-> Latin)."""
    def score(a: str, b: str) -> float:
        return sound_alike(b, a) if src.lang == "zh" else sound_alike(a, b)

    return score


# The sound pairing replaces the string one only when it sounds this much better in all (sum of
# 0-100 ratios): below it, names translated by meaning mislead it (`benchmarks/gold_pairing.py`
# lists every disagreement: above 20 the sound was right in 11 of 11, below in 0 of 5).
_SOUND_MARGIN = 20.0


def _assign(src: Sentence, tgt: Sentence, similar: Callable[[str, str], float]
            ) -> tuple[int, ...] | None:
    """Within each label, the assignment with the most similar surfaces (kept order on ties)."""
    if Counter(e.label for e in src.entities) != Counter(e.label for e in tgt.entities):
        return None
    mapping: dict[int, int] = {}
    for label in {e.label for e in src.entities}:
        s_idx = [i for i, e in enumerate(src.entities) if e.label == label]
        t_idx = [i for i, e in enumerate(tgt.entities) if e.label == label]
        if len(s_idx) > 6:
            return None
        best, best_score = None, -1.0
        for perm in itertools.permutations(t_idx):
            score = sum(
                similar(src.entities[a].surface(src.text), tgt.entities[b].surface(tgt.text))
                - abs(a_pos - b_pos) * 0.5  # mild preference for kept order on ties
                for a_pos, (a, b) in enumerate(zip(s_idx, perm, strict=True))
                for b_pos in [perm.index(b)]
            )
            if score > best_score:
                best, best_score = perm, score
        mapping.update(zip(s_idx, best or (), strict=True))
    return tuple(mapping[i] for i in range(len(src.entities)))


def _mapping(src: Sentence, tgt: Sentence, by_sound: bool = True) -> tuple[int, ...] | None:
    """Pair entities label by label by surface similarity; between Chinese and a Latin-script
    language strings alone pair names by their order (巴達爾普爾 / "Badarpur" share nothing), so
    a pairing by sound wins where it sounds clearly better (``by_sound=False``: strings only)."""
    by_strings = _assign(src, tgt, fuzz.ratio)
    langs = {src.lang, tgt.lang}
    if not by_sound or by_strings is None or "zh" not in langs or len(langs) != 2:
        return by_strings
    sound = _sound(src, tgt)
    by_names = _assign(src, tgt, sound)
    assert by_names is not None

    def total(mapping: tuple[int, ...]) -> float:
        return sum(sound(src.entities[i].surface(src.text), tgt.entities[j].surface(tgt.text))
                   for i, j in enumerate(mapping))

    return by_names if total(by_names) - total(by_strings) >= _SOUND_MARGIN else by_strings


def pairs() -> tuple[list[Pair], dict[str, int]]:
    """Every clean pair (label multisets agree) and, per corpus, how many were left out."""
    out: list[Pair] = []
    skipped: Counter[str] = Counter()
    en = europarl("en")
    for lang in ("de", "es", "it"):
        for s, t in zip(en, europarl(lang), strict=True):
            m = _mapping(s, t)
            if m is None:
                skipped[f"europarl en-{lang}"] += 1
            else:
                out.append(Pair(f"europarl en-{lang}", s, t, m))
    u = {lang: uner(lang) for lang in ("en", "de", "zh")}
    with (GOLD / "uner-pud" / "pairs.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        en_s = u["en"].get(row["en_sent_id"])
        for name, src, tgt in (
            ("uner en-zh", en_s, u["zh"].get(row["zh_sent_id"])),
            ("uner zh-en", u["zh"].get(row["zh_sent_id"]), en_s),
            ("uner en-de", en_s, u["de"].get(row["de_sent_id"])),
        ):
            if src is None or tgt is None:
                continue
            m = _mapping(src, tgt)
            if m is None:
                skipped[name] += 1
            else:
                out.append(Pair(name, src, tgt, m))
    return out, dict(skipped)
