"""A minimal loader of the gold parallel corpora for the align benchmarks.

Temporary: the readers package will own corpus reading; this file only builds what the
benchmarks need (sentence text, entity spans, and the pairing between languages).

- Europarl NER (``*.conll02``): token<TAB>BIO per line; sentence i of each language file is a
  translation of sentence i of the others. Text is the Moses-detokenized token sequence.
- UNER PUD (``*.iob2``): ``# sent_id``/``# text`` headers, then index<TAB>token<TAB>BIO…; tokens
  are located in ``# text`` in order. ``pairs.tsv`` maps English ids to German and Chinese ids.

Gold spans are trimmed of edge punctuation glued on by tokenization ("-Parlamento" -> "Parlamento"),
the entity definition the aligner applies.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from parallelner.schema import EntitySpan

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold"


@dataclass(frozen=True)
class Sentence:
    id: str
    lang: str
    text: str
    entities: tuple[EntitySpan, ...]


def _spans(tokens: list[str], tags: list[str], offsets: list[tuple[int, int]]) -> tuple[EntitySpan, ...]:
    out: list[EntitySpan] = []
    cur: list | None = None
    for (s, e), tag in zip(offsets, tags):
        if tag.startswith("B-") or (tag.startswith("I-") and (cur is None or cur[2] != tag[2:])):
            if cur:
                out.append(EntitySpan(start=cur[0], end=cur[1], label=cur[2]))
            cur = [s, e, tag[2:]]
        elif tag.startswith("I-") and cur is not None:
            cur[1] = e
        else:
            if cur:
                out.append(EntitySpan(start=cur[0], end=cur[1], label=cur[2]))
            cur = None
    if cur:
        out.append(EntitySpan(start=cur[0], end=cur[1], label=cur[2]))
    return tuple(out)


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


def _locate(text: str, tokens: list[str]) -> list[tuple[int, int]] | None:
    offsets, pos = [], 0
    for tok in tokens:
        found = text.find(tok, pos)
        if found < 0:
            return None
        offsets.append((found, found + len(tok)))
        pos = found + len(tok)
    return offsets


def _joined(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    offsets, pos = [], 0
    for tok in tokens:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    return " ".join(tokens), offsets


def europarl(lang: str) -> list[Sentence]:
    from sacremoses import MosesDetokenizer

    detok = MosesDetokenizer(lang=lang)
    path = GOLD / "europarl-ner" / f"{lang}-europarl.test.conll02"
    out: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if not tokens:
            return
        text = detok.detokenize(tokens)
        offsets = _locate(text, tokens)
        if offsets is None:
            text, offsets = _joined(tokens)
        out.append(Sentence(f"europarl-{len(out)}", lang, text, _clean(text, _spans(tokens, tags, offsets))))
        tokens.clear()
        tags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            continue
        token, _, tag = line.partition("\t")
        tokens.append(token)
        tags.append(tag.strip() or "O")
    flush()
    return out


def uner(lang: str) -> dict[str, Sentence]:
    path = GOLD / "uner-pud" / f"{lang}_pud-ud-test.iob2"
    out: dict[str, Sentence] = {}
    sent_id, text = "", ""
    tokens: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("# sent_id = "):
            sent_id = line.split("=", 1)[1].strip()
        elif line.startswith("# text = "):
            text = line.split("=", 1)[1].strip()
        elif line.startswith("#"):
            continue
        elif line.strip():
            cols = line.split("\t")
            tokens.append(cols[1])
            tags.append(cols[2])
        elif tokens:
            offsets = _locate(text, tokens)
            if offsets is None:
                text, offsets = _joined(tokens)
            out[sent_id] = Sentence(sent_id, lang, text, _clean(text, _spans(tokens, tags, offsets)))
            tokens, tags = [], []
    return out


@dataclass(frozen=True)
class Pair:
    """A gold translation pair; ``mapping[i]`` is the target entity translating source entity i."""

    corpus: str
    source: Sentence
    target: Sentence
    mapping: tuple[int, ...]


def _mapping(src: Sentence, tgt: Sentence) -> tuple[int, ...] | None:
    """Pair entities label by label; within a label, the assignment with the most similar surfaces."""
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
                fuzz.ratio(src.entities[a].surface(src.text), tgt.entities[b].surface(tgt.text))
                - abs(a_pos - b_pos) * 0.5  # mild preference for kept order on ties
                for a_pos, (a, b) in enumerate(zip(s_idx, perm)) for b_pos in [perm.index(b)]
            )
            if score > best_score:
                best, best_score = perm, score
        mapping.update(zip(s_idx, best or ()))
    return tuple(mapping[i] for i in range(len(src.entities)))


def pairs() -> tuple[list[Pair], dict[str, int]]:
    """Every clean pair (label multisets agree) and, per corpus, how many were left out."""
    out: list[Pair] = []
    skipped: Counter[str] = Counter()
    en = europarl("en")
    for lang in ("de", "es", "it"):
        for s, t in zip(en, europarl(lang)):
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
