"""The dataset card: Hub YAML metadata plus statistics generated from the exported data.

``StatsCollector`` is pure (rows + build facts in, ``CardStats`` out; ``collect_stats`` for a
``DatasetDict``); ``render_card`` fills ``card_template.md`` (Jinja2) and returns a
``huggingface_hub.DatasetCard``, whose parsing of the YAML header is the check that the card is
valid. Licences and citations are carried from
the source datasets (``KNOWN_SOURCES``); a source we do not know is shown as licence
``unknown`` and flagged, never given a guessed licence.
"""

from __future__ import annotations

import statistics
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from datasets import DatasetDict
from huggingface_hub import DatasetCard, DatasetCardData
from pydantic import BaseModel, Field

from ..ontology import class_by_name, render_schema
from .build import SPLITS, BuildReport

BINS = 10
TEMPLATE = "card_template.md"


@dataclass(frozen=True)
class SourceInfo:
    """A source dataset family: how to recognise it, its licence (Hub id) and citation."""

    key: str  # lower-case fragment of the dataset name given by the readers
    name: str
    license: str
    license_note: str
    hub_id: str | None
    citation: str


KNOWN_SOURCES: tuple[SourceInfo, ...] = (
    SourceInfo(
        "uner", "Universal NER (UNER) v1", "cc-by-sa-3.0",
        "PUD treebanks: CC BY-SA 3.0", None,
        "Mayhew et al. (2024). Universal NER: A Gold-Standard Multilingual Named Entity "
        "Recognition Benchmark. NAACL 2024.",
    ),
    SourceInfo(
        "europarl", "Europarl NER evaluation corpus", "other",
        "Europarl terms of use: \"We are not aware of any copyright restrictions of the "
        "material\"",
        None,
        "Agerri, Chung, Aldabe, Aranberri, Labaka, Rigau (2018). Building Named Entity "
        "Recognition Taggers via Parallel Corpora. LREC 2018. And Koehn (2005). Europarl: A "
        "Parallel Corpus for Statistical Machine Translation. MT Summit.",
    ),
    SourceInfo(
        "wikineural", "WikiNEuRal", "cc-by-nc-sa-4.0", "CC BY-NC-SA 4.0 (non-commercial)",
        "Babelscape/wikineural",
        "Tedeschi, Maiorca, Campagnano, Conia, Navigli (2021). WikiNEuRal: Combined Neural and "
        "Knowledge-based Silver Data Creation for Multilingual NER. Findings of EMNLP 2021.",
    ),
    SourceInfo(
        "cluener", "CLUENER2020", "unknown", "licence not stated with the data: check before use",
        None,
        "Xu et al. (2020). CLUENER2020: Fine-grained Named Entity Recognition Dataset and "
        "Benchmark for Chinese. arXiv:2001.04351.",
    ),
    SourceInfo(
        "ontonotes", "OntoNotes 5.0", "other", "LDC User Agreement (LDC2013T19)", None,
        "Weischedel et al. (2013). OntoNotes Release 5.0. LDC2013T19. Linguistic Data "
        "Consortium.",
    ),
    SourceInfo(
        "conll", "CoNLL-2003", "other", "Reuters Corpus terms (research use)", None,
        "Tjong Kim Sang, De Meulder (2003). Introduction to the CoNLL-2003 Shared Task: "
        "Language-Independent Named Entity Recognition. CoNLL 2003.",
    ),
)


def source_info(dataset: str) -> SourceInfo | None:
    """The known source whose key occurs in the dataset name, or None."""
    name = dataset.lower()
    return next((s for s in KNOWN_SOURCES if s.key in name), None)


class SourceStat(BaseModel):
    dataset: str
    label_scheme: str
    samples: int
    name: str
    license: str
    license_note: str
    citation: str


class ModelStat(BaseModel):
    model: str
    prompt_version: str
    samples: int


class BuildStats(BaseModel):
    read: int = 0
    skipped_by_status: dict[str, int] = Field(default_factory=dict)
    duplicates_removed: int = 0
    groups: int = 0
    fractions: list[float] = Field(default_factory=list)
    seed: int = 0
    by_document: bool = True


class CardStats(BaseModel):
    """Everything the card says about the data, also written as ``export.json``."""

    samples: int = 0
    languages: list[str] = Field(default_factory=list)
    per_direction: dict[str, dict[str, int]] = Field(default_factory=dict)
    entities: dict[str, dict[str, dict[str, int]]] = Field(default_factory=dict)
    entity_types: dict[str, str] = Field(default_factory=dict)
    confidence_hist: list[int] = Field(default_factory=lambda: [0] * BINS)
    confidence_mean: float | None = None
    confidence_median: float | None = None
    confidence_missing: int = 0
    human_reviewed: int = 0
    audit: dict[str, Any] | None = None
    models: list[ModelStat] = Field(default_factory=list)
    sources: list[SourceStat] = Field(default_factory=list)
    settings: dict[str, Any] | None = None
    build: BuildStats = Field(default_factory=BuildStats)
    views: dict[str, dict[str, int]] = Field(default_factory=dict)
    kept_views: list[str] = Field(default_factory=list)  # on disk from an earlier export

    @property
    def human_share(self) -> float:
        return self.human_reviewed / self.samples if self.samples else 0.0


class StatsCollector:
    """The card's statistics counted row by row, in split order (train, validation, test), so a
    streamed export counts them as it writes: no split is held to count it."""

    def __init__(
        self, settings: Mapping[str, Any] | None = None, audit: Mapping[str, Any] | None = None
    ) -> None:
        self.stats = CardStats(
            settings=dict(settings) if settings else None, audit=dict(audit) if audit else None
        )
        self.langs: set[str] = set()
        self.confs = array("d")
        self.models: Counter[tuple[str, str]] = Counter()
        self.sources: Counter[tuple[str, str]] = Counter()

    def add(self, row: Mapping[str, Any], split: str) -> None:
        s = self.stats
        s.samples += 1
        direction = f"{row['source_lang']}-{row['target_lang']}"
        self.langs.update((row["source_lang"], row["target_lang"]))
        per = s.per_direction.setdefault(direction, {k: 0 for k in (*SPLITS, "total")})
        per[split] += 1
        per["total"] += 1
        ents = s.entities.setdefault(direction, {"source": {}, "target": {}})
        for side in ("source", "target"):
            for e in row[f"{side}_entities"]:
                ents[side][e["label"]] = ents[side].get(e["label"], 0) + 1
                s.entity_types[e["label"]] = e["type"]
        if row["confidence"] is None:
            s.confidence_missing += 1
        else:
            self.confs.append(row["confidence"])
            s.confidence_hist[min(int(row["confidence"] * BINS), BINS - 1)] += 1
        s.human_reviewed += row["review"] == "human"
        prov = row["provenance"]
        self.models[(prov["model"], prov["prompt_version"])] += 1
        self.sources[(prov["dataset"], row["label_scheme"])] += 1

    def finish(
        self, build: BuildReport, views: Mapping[str, Mapping[str, int]] | None = None
    ) -> CardStats:
        """The statistics of the rows added, with the build's facts and the views' row counts."""
        s = self.stats
        s.languages = sorted(self.langs)
        if self.confs:
            s.confidence_mean = round(statistics.fmean(self.confs), 4)
            s.confidence_median = round(statistics.median(self.confs), 4)
        s.models = [
            ModelStat(model=m, prompt_version=p, samples=n)
            for (m, p), n in self.models.most_common()
        ]
        for (dataset, scheme), n in sorted(self.sources.items()):
            info = source_info(dataset)
            s.sources.append(SourceStat(
                dataset=dataset, label_scheme=scheme, samples=n,
                name=info.name if info else dataset or "(unnamed)",
                license=info.license if info else "unknown",
                license_note=info.license_note if info else "unknown source: licence not known",
                citation=info.citation if info else "",
            ))
        s.build = BuildStats(
            read=build.read,
            skipped_by_status=dict(build.skipped_by_status),
            duplicates_removed=build.duplicates,
            groups=build.groups,
            fractions=list(build.fractions),
            seed=build.seed,
            by_document=build.by_document,
        )
        s.views = {k: dict(v) for k, v in (views or {}).items()}
        return s


def collect_stats(
    dsd: DatasetDict,
    build: BuildReport,
    settings: Mapping[str, Any] | None = None,
    audit: Mapping[str, Any] | None = None,
    views: Mapping[str, Mapping[str, int]] | None = None,
) -> CardStats:
    """Count what the card reports, from the exported rows themselves (held in memory)."""
    collector = StatsCollector(settings, audit)
    for split in SPLITS:
        for row in dsd.get(split, ()):
            collector.add(row, split)
    return collector.finish(build, views)


_SIZES = (
    (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"),
)


def size_category(n: int) -> str:
    """The Hub's size_categories value for n rows."""
    return next((name for limit, name in _SIZES if n < limit), "1B<n<10B")


def card_license(stats: CardStats) -> str:
    """One licence if all sources share it; ``other`` (explained in the card) if they differ."""
    found = {src.license for src in stats.sources} or {"unknown"}
    return found.pop() if len(found) == 1 else "other"


def config_entries(configs: Mapping[str, tuple[str, Sequence[str]]]) -> list[dict]:
    """YAML ``configs``: name -> (folder, splits present); ``default`` first and marked default."""
    out = []
    for name, (folder, splits) in sorted(configs.items(), key=lambda kv: kv[0] != "default"):
        entry: dict[str, Any] = {
            "config_name": name,
            "data_files": [{"split": sp, "path": f"{folder}/{sp}-*.parquet"} for sp in splits],
        }
        if name == "default":
            entry["default"] = True
        out.append(entry)
    return out


def card_data(
    stats: CardStats, configs: Mapping[str, tuple[str, Sequence[str]]], pretty_name: str
) -> DatasetCardData:
    hub_sources = sorted({f"extended|{i.hub_id}" for s in stats.sources
                          if (i := source_info(s.dataset)) and i.hub_id})
    license_id = card_license(stats)
    extra: dict[str, Any] = {}
    if license_id == "other":
        extra["license_name"] = "mixed-source-licences"
    return DatasetCardData(
        language=stats.languages,
        license=license_id,
        pretty_name=pretty_name,
        task_categories=["token-classification", "translation", "text-generation"],
        task_ids=["named-entity-recognition"],
        multilinguality=["multilingual", "translation"],
        annotations_creators=["machine-generated"]
        + (["expert-generated"] if stats.human_reviewed else []),
        language_creators=["found", "machine-generated"],
        size_categories=[size_category(stats.samples)],
        source_datasets=hub_sources or None,
        tags=["named-entity-recognition", "parallel-corpus", "cross-lingual", "code-style-ie"],
        configs=config_entries(configs),
        **extra,
    )


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render_card(
    stats: CardStats,
    configs: Mapping[str, tuple[str, Sequence[str]]],
    pretty_name: str = "ParallelNER (parallelner export)",
) -> DatasetCard:
    """The card: YAML header from ``card_data`` and a body from ``card_template.md``."""
    import jinja2

    template_text = resources.files(__package__).joinpath(TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False,
    )
    env.filters["cell"] = _cell
    data = card_data(stats, configs, pretty_name)
    schema_classes = [class_by_name(t) for t in sorted(set(stats.entity_types.values()))]
    content = env.from_string(template_text).render(
        card_data=data.to_yaml(),
        pretty_name=pretty_name,
        s=stats,
        splits=SPLITS,
        bins=BINS,
        configs=configs,
        license=data.license,
        schema_code=render_schema(schema_classes) if schema_classes else "",
        peak=max(stats.confidence_hist) or 1,
    )
    return DatasetCard(content)

