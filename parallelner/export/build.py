"""Records -> ``DatasetDict``: select accepted samples, drop exact duplicates, split without leaks.

Splits are made over *groups*, not rows. Two samples fall in one group when they share a
sentence (either side, after light normalisation: Unicode NFKC, case, whitespace) or a source
document (``by_document``; turn it off when a dataset's "document" ids are really annotation
batches, as UNER's Chinese ``batch-0000`` ids are, which chain many documents together). So
no sentence appears in two splits, and both directions of one sentence pair (en->zh and zh->en)
always land together. Groups go to splits in a seeded hash order, each to the
split furthest below its target share: deterministic, and close to the asked fractions.

Pure apart from building ``datasets`` objects in memory; reading and writing live elsewhere.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from datasets import Dataset, DatasetDict

from ..errors import ConfigError, InputError, UnknownLabelError
from ..ontology import class_for
from ..schema import EntitySpan, ParallelSample, Provenance, SourceProvenance, Status, TargetSpan
from .features import FEATURES

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)


@dataclass
class BuildReport:
    """What the build did with the input, for the summary table and the dataset card."""

    read: int = 0
    skipped_by_status: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    groups: int = 0
    split_sizes: dict[str, int] = field(default_factory=dict)
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    seed: int = 0
    by_document: bool = True


def select_accepted(records: Iterable[ParallelSample], report: BuildReport) -> list[ParallelSample]:
    """Keep samples whose status is ``accepted`` (people's accepted reviews included)."""
    kept = []
    for rec in records:
        report.read += 1
        if rec.status is Status.accepted:
            kept.append(rec)
        else:
            report.skipped_by_status[rec.status.value if rec.status else "untranslated"] += 1
    return kept


def content_key(rec: ParallelSample) -> tuple:
    """What makes two samples exact duplicates."""
    ents = tuple((e.start, e.end, e.label) for e in rec.source_entities)
    tgts = tuple((e.start, e.end, e.label, e.source_index) for e in rec.target_entities)
    return (rec.source_lang, rec.target_lang, rec.source_text, rec.target_text, ents, tgts)


def drop_duplicates(records: Sequence[ParallelSample], report: BuildReport) -> list[ParallelSample]:
    """Remove exact duplicates (same languages, texts and spans; ids may differ). First one wins."""
    seen: set[tuple] = set()
    out = []
    for rec in records:
        key = content_key(rec)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        out.append(rec)
    return out


def sentence_key(text: str) -> str:
    """The form under which two sentences count as the same for leakage."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def group_keys(rec: ParallelSample, by_document: bool = True) -> list[str]:
    """The keys that tie a sample to others of its group: its sentences and its document."""
    keys = [f"s:{sentence_key(rec.source_text)}"]
    if rec.target_text is not None:
        keys.append(f"s:{sentence_key(rec.target_text)}")
    if by_document and rec.source is not None and rec.source.document:
        keys.append(f"d:{rec.source.dataset}\x00{rec.source.document}")
    return keys


def group_samples(
    records: Sequence[ParallelSample], by_document: bool = True
) -> list[list[int]]:
    """Connected components of samples linked by a shared sentence or document (union-find)."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, rec in enumerate(records):
        for key in group_keys(rec, by_document):
            j = owner.setdefault(key, i)
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(len(records)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def split_shares(fractions: Sequence[float]) -> list[float]:
    """The asked fractions as shares summing to 1; bad fractions are a configuration error."""
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions) or sum(fractions) <= 0:
        raise ConfigError(
            f"split fractions must be three non-negative numbers (train, validation, test) "
            f"with a positive sum, got {tuple(fractions)}"
        )
    total = sum(fractions)
    return [f / total for f in fractions]


def group_order(seed: int, first_key: str) -> str:
    """A group's place in the split order, from its smallest key: keyed by content, not input
    position, so the same data splits the same in any order."""
    return hashlib.sha256(f"{seed}\x00{first_key}".encode()).hexdigest()


def place_groups(sizes: Iterable[int], shares: Sequence[float]) -> list[int]:
    """The split (index into ``SPLITS``) of each group, taken in split order: each to the split
    furthest below its target share."""
    placed = 0
    totals = [0] * len(SPLITS)
    out = []
    for size in sizes:
        placed += size
        deficits = [shares[k] * placed - totals[k] for k in range(len(SPLITS))]
        k = max(range(len(SPLITS)), key=lambda k: (deficits[k], -k))
        totals[k] += size
        out.append(k)
    return out


def assign_splits(
    records: Sequence[ParallelSample],
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = 0,
    report: BuildReport | None = None,
    by_document: bool = True,
) -> dict[str, list[ParallelSample]]:
    """Split by group: each group whole into one split, in seeded order, to the neediest split."""
    shares = split_shares(fractions)
    groups = group_samples(records, by_document)

    def order(group: list[int]) -> str:
        return group_order(seed, min(k for i in group for k in group_keys(records[i], by_document)))

    ordered = sorted(groups, key=order)
    out: dict[str, list[ParallelSample]] = {s: [] for s in SPLITS}
    for group, k in zip(ordered, place_groups(map(len, ordered), shares), strict=True):
        out[SPLITS[k]].extend(records[i] for i in sorted(group))
    if report is not None:
        report.groups = len(groups)
        report.fractions = tuple(shares)
        report.seed = seed
        report.by_document = by_document
        report.split_sizes = {s: len(v) for s, v in out.items()}
    return out


def _entity(text: str, span: EntitySpan, scheme: str) -> dict:
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "type": class_for(scheme, span.label).__name__,
        "text": text[span.start : span.end],
    }


def sample_to_row(rec: ParallelSample) -> dict:
    """One dataset row (``FEATURES``) from an accepted sample; errors name the sample."""
    if rec.target_text is None:
        raise InputError(f"sample {rec.id!r} is accepted but has no target_text")
    src = rec.source or SourceProvenance()
    try:
        scheme = src.label_scheme
        source_entities = [_entity(rec.source_text, e, scheme) for e in rec.source_entities]
        target_entities = [
            {**_entity(rec.target_text, e, scheme), "source_index": e.source_index,
             "confidence": e.confidence}
            for e in rec.target_entities
        ]
    except UnknownLabelError as exc:
        raise UnknownLabelError(f"sample {rec.id!r}: {exc}") from None
    return {
        "id": rec.id,
        "source_lang": rec.source_lang,
        "target_lang": rec.target_lang,
        "source_text": rec.source_text,
        "target_text": rec.target_text,
        "label_scheme": src.label_scheme,
        "source_entities": source_entities,
        "target_entities": target_entities,
        "confidence": rec.confidence,
        "review": rec.provenance.reviewed_by,
        "provenance": {
            "model": rec.provenance.model,
            "prompt_version": rec.provenance.prompt_version,
            "reviewer": rec.provenance.reviewer,
            "mode": rec.mode,
            "dataset": src.dataset,
            "split": src.split,
            "document": src.document,
            "index": src.index,
        },
    }


def row_to_sample(row: dict) -> ParallelSample:
    """Read a dataset row back as a ``ParallelSample`` (accepted; attempts are not exported)."""
    prov = row["provenance"]
    return ParallelSample(
        id=row["id"],
        source_lang=row["source_lang"],
        target_lang=row["target_lang"],
        source_text=row["source_text"],
        target_text=row["target_text"],
        source_entities=[
            EntitySpan(start=e["start"], end=e["end"], label=e["label"])
            for e in row["source_entities"]
        ],
        target_entities=[
            TargetSpan(start=e["start"], end=e["end"], label=e["label"],
                       source_index=e["source_index"], confidence=e["confidence"])
            for e in row["target_entities"]
        ],
        confidence=row["confidence"],
        status=Status.accepted,
        mode=prov["mode"],
        source=SourceProvenance(
            dataset=prov["dataset"], split=prov["split"], index=prov["index"],
            document=prov["document"], label_scheme=row["label_scheme"],
        ),
        provenance=Provenance(
            model=prov["model"], prompt_version=prov["prompt_version"],
            reviewer=prov.get("reviewer"),
            reviewed_by=row["review"],
        ),
    )


def build_dataset(
    records: Iterable[ParallelSample],
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = 0,
    by_document: bool = True,
) -> tuple[DatasetDict, BuildReport]:
    """The whole build: select, deduplicate, split, convert. Empty splits are left out."""
    report = BuildReport()
    kept = drop_duplicates(select_accepted(records, report), report)
    split = assign_splits(kept, fractions, seed, report, by_document)
    rows = {s: [sample_to_row(r) for r in recs] for s, recs in split.items()}
    dsd = DatasetDict(
        {s: Dataset.from_list(r, features=FEATURES) for s, r in rows.items() if r}
    )
    return dsd, report
