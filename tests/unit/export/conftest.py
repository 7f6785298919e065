"""Hand-built parallel records from real gold sentence pairs (UNER PUD English <-> Chinese).

The two .iob2 files are read minimally here on purpose (the readers package is separate). A pair
becomes a sample when both sides carry the same multiset of labels; the k-th entity of a label
in English is paired with the k-th of that label in Chinese. Extra records exercise selection,
duplicates and the reverse direction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from parallelner.schema import (
    EntitySpan,
    ParallelSample,
    Provenance,
    SourceProvenance,
    Status,
    TargetSpan,
)


@dataclass
class GoldSentence:
    doc: str
    text: str
    spans: list[EntitySpan]


def read_iob2(path: Path) -> dict[str, GoldSentence]:
    out: dict[str, GoldSentence] = {}
    doc = sent_id = text = ""
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        pos, spans = 0, []
        for tok, tag in tokens:
            start = text.find(tok, pos)
            if start < 0:
                return  # token not in the text: leave the sentence out of the fixture
            end = pos = start + len(tok)
            if tag.startswith("B-") or (tag.startswith("I-") and not spans):
                spans.append(EntitySpan(start=start, end=end, label=tag[2:]))
            elif tag.startswith("I-"):
                spans[-1] = EntitySpan(start=spans[-1].start, end=end, label=spans[-1].label)
        out[sent_id] = GoldSentence(doc, text, spans)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("# newdoc id = "):
            doc = line.split("= ", 1)[1]
        elif line.startswith("# sent_id = "):
            sent_id = line.split("= ", 1)[1]
        elif line.startswith("# text = "):
            text = line.split("= ", 1)[1]
        elif not line.strip():
            if tokens:
                flush()
            tokens = []
        elif not line.startswith("#"):
            cols = line.split("\t")
            tokens.append((cols[1], cols[2]))
    return out


def _pair(src: GoldSentence, tgt: GoldSentence) -> list[TargetSpan] | None:
    if Counter(e.label for e in src.spans) != Counter(e.label for e in tgt.spans):
        return None
    seen: Counter[str] = Counter()
    out = []
    for t in tgt.spans:
        k = seen[t.label]
        seen[t.label] += 1
        i = [j for j, s in enumerate(src.spans) if s.label == t.label][k]
        out.append(TargetSpan(start=t.start, end=t.end, label=t.label, source_index=i,
                              confidence=0.9))
    return out


def make_sample(n: int, sid: str, src: GoldSentence, tgt: GoldSentence, langs: tuple[str, str],
                targets: list[TargetSpan], **kw) -> ParallelSample:
    return ParallelSample(
        id=f"uner-{langs[0]}-{langs[1]}-{sid}",
        source_lang=langs[0], target_lang=langs[1],
        source_text=src.text, source_entities=src.spans,
        target_text=tgt.text, target_entities=targets,
        confidence=round(0.5 + (n % 50) / 100, 2),
        status=kw.get("status", Status.accepted),
        source=SourceProvenance(dataset="uner-pud", split="test", index=n, document=src.doc,
                                label_scheme="conll"),
        provenance=Provenance(model="gold-pairs", prompt_version="v0",
                              reviewed_by="human" if n % 7 == 0 else "machine",
                              reviewer="ann-a, ann-b" if n % 7 == 0 else None),
    )


@dataclass
class Fixture:
    records: list[ParallelSample]
    forward: list[ParallelSample]  # en->zh, accepted, distinct
    reverse: list[ParallelSample]  # zh->en of some forward sentences
    duplicates: int
    not_accepted: int


@pytest.fixture(scope="session")
def uner_pairs(gold_dir: Path) -> Fixture:
    return build_fixture(gold_dir)


def build_fixture(gold_dir: Path) -> Fixture:
    uner = gold_dir / "uner-pud"
    en, zh = read_iob2(uner / "en_pud-ud-test.iob2"), read_iob2(uner / "zh_pud-ud-test.iob2")
    forward, reverse = [], []
    for n, line in enumerate((uner / "pairs.tsv").read_text(encoding="utf-8").splitlines()[1:]):
        en_id, _, zh_id, _ = line.split("\t")
        if en_id not in en or zh_id not in zh:
            continue
        targets = _pair(en[en_id], zh[zh_id])
        if targets is None:
            continue
        forward.append(make_sample(n, en_id, en[en_id], zh[zh_id], ("en", "zh"), targets))
        if len(forward) % 5 == 0:
            back = _pair(zh[zh_id], en[en_id])
            assert back is not None
            reverse.append(make_sample(n, zh_id, zh[zh_id], en[en_id], ("zh", "en"), back))
        if len(forward) == 150:
            break
    dups = [r.model_copy(update={"id": r.id + "-again"}) for r in forward[10:13]]
    others = [
        forward[20].model_copy(update={"id": "in-review", "status": Status.review}),
        forward[21].model_copy(update={"id": "rejected", "status": Status.rejected}),
    ]
    records = forward[:40] + dups + reverse + others + forward[40:]
    return Fixture(records, forward, reverse, len(dups), len(others))
