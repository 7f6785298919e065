"""``export``: run folder (or JSONL) in, dataset folder out, and a report of what was written.

Streamed, so memory stays flat however many records there are: pass 1 reads every record once
and keeps only what the split plan needs (``plan.py``); pass 2 reads the planned records again,
split by split in row order, turns them into rows counted for the card, and spills them to
Arrow files in a temporary folder of the dataset folder (``spill.py``); the views are made from
those rows and spilled too; each config is written from its spilled rows (``write.py``). The
files are those ``build_dataset`` + ``Dataset.to_parquet`` wrote from memory.

Progress is the caller's (``track``): the CLI passes Rich bars, the flow nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..errors import ConfigError, InputError
from .build import DEFAULT_FRACTIONS, BuildReport, sample_to_row, split_shares
from .card import CardStats, StatsCollector, render_card
from .features import CODE_FEATURES, FEATURES
from .inputs import (
    ExportInput,
    count_records,
    first_group_key,
    iter_records,
    records_at,
    resolve_input,
    run_audit,
    run_settings,
)
from .plan import SplitPlanner
from .spill import SpilledSplit, spill
from .views import (
    ZH_SEGMENTERS,
    Tokenizers,
    ViewReport,
    bio_rows,
    bio_tag_features,
    code_split_rows,
    entity_labels,
)
from .write import (
    CONFIG_DIRS,
    DEFAULT_SHARD_ROWS,
    FORMAT_CONFIGS,
    check_also,
    configs_on_disk,
    scratch,
    write_card,
    write_config,
)

T = TypeVar("T")
# Wraps an iterable to show progress: (items, description, total) -> the same items.
Track = Callable[[Iterable[Any], str, int], Iterable[Any]]


def no_progress(items: Iterable[T], description: str, total: int) -> Iterable[T]:
    return items


@dataclass
class ExportResult:
    source: ExportInput
    build: BuildReport
    stats: CardStats
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # config -> split -> rows
    views: dict[str, ViewReport] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # configs on disk from an earlier export
    card: Path | None = None

    @property
    def dataset_dir(self) -> Path:
        return self.source.dataset_dir


def export(
    run: str | Path,
    input_path: str | Path | None = None,
    formats: Sequence[str] = ("hf",),
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = 0,
    zh_segmenter: str = "char",
    max_rows_per_shard: int = DEFAULT_SHARD_ROWS,
    track_progress: Track = no_progress,
    by_document: bool = True,
    also: Sequence[str] = (),
) -> ExportResult:
    """Build the dataset from accepted samples; write it, the asked views and the card.

    ``formats``: ``hf`` (the dataset, always written), ``bio``, ``code``. Views on disk that were
    not asked for are kept as they are (and named in the card). ``also``: extra copies besides
    parquet, ``jsonl`` and/or ``disk`` (save_to_disk).
    """
    also = check_also(also)
    unknown = [f for f in formats if f not in FORMAT_CONFIGS]
    if unknown or not formats:
        raise ConfigError(f"unknown export format(s) {unknown}; known: {', '.join(FORMAT_CONFIGS)}")
    if zh_segmenter not in ZH_SEGMENTERS:
        raise ConfigError(f"zh_segmenter must be one of {', '.join(ZH_SEGMENTERS)}, "
                          f"got {zh_segmenter!r}")
    split_shares(fractions)  # a bad split is refused before reading anything
    import datasets

    datasets.disable_progress_bars()  # the caller shows progress (track_progress)
    source = resolve_input(run, input_path)
    def track(items: Iterable[T], description: str, total: int | None = None) -> Iterable[T]:
        n = total if total is not None else len(items)  # type: ignore[arg-type]
        yield from track_progress(items, description, n)

    planner = SplitPlanner(seed, by_document)
    records = iter_records(source.records)
    for offset, rec in track(records, "select + split", count_records(source.records)):
        planner.add(offset, rec)
    plan = planner.plan(fractions, lambda at: first_group_key(source.records, at, by_document))
    build = planner.report
    if not any(len(offsets) for offsets in plan.values()):
        left_out = ", ".join(f"{k} {v}" for k, v in sorted(build.skipped_by_status.items()))
        raise InputError(
            f"no accepted samples to export ({build.read} records read; "
            f"left out by status: {left_out or 'none'})", str(source.records),
        )
    out = source.dataset_dir
    result = ExportResult(source, build, CardStats())
    configs = ["default"] + [c for c in dict.fromkeys(FORMAT_CONFIGS[f] for f in formats)
                             if c != "default"]
    collector = StatsCollector(run_settings(source.run_dir), run_audit(source.run_dir))
    with scratch(out) as tmp:
        labels: set[str] = set()
        dsd: dict[str, SpilledSplit] = {}
        for split, offsets in plan.items():
            if len(offsets):
                rows = _dataset_rows(source.records, offsets, split, collector, labels)
                dsd[split] = spill(track(rows, f"rows {split}", len(offsets)), FEATURES,
                                   tmp / f"default-{split}.arrow")
        for config in configs:
            if config == "default":
                data = dsd
            elif config == "bio":
                rep = result.views.setdefault("bio", ViewReport())
                tokenizers = Tokenizers(zh_segmenter, rep)
                features = bio_tag_features(labels)
                data = {s: spill(bio_rows(track(d, f"bio {s}"), tokenizers, rep), features,
                                 tmp / f"bio-{s}.arrow") for s, d in dsd.items()}
            else:
                rep = result.views.setdefault("code", ViewReport())
                cache: dict = {}
                data = {s: spill(code_split_rows(track(d, f"code {s}"), rep, cache),
                                 CODE_FEATURES, tmp / f"code-{s}.arrow") for s, d in dsd.items()}
            write_config(data, out, config, max_rows_per_shard, also)
            result.rows[config] = {s: len(d) for s, d in data.items()}
            if config != "default":
                result.views[config].rows = result.rows[config]
                for d in data.values():
                    d.path.unlink()  # written: its spilled rows are not needed again
    on_disk = configs_on_disk(out)
    result.kept = [c for c in CONFIG_DIRS if c in on_disk and c not in configs]
    result.stats = collector.finish(
        build, views={c: rows for c, rows in result.rows.items() if c != "default"}
    )
    result.stats.kept_views = result.kept
    card = render_card(result.stats, on_disk)
    result.card = write_card(card, result.stats, out)
    return result


def _dataset_rows(
    path: Path, offsets: np.ndarray, split: str, collector: StatsCollector, labels: set[str]
) -> Iterator[dict]:
    """Pass 2 over one split: its records read again in row order, as dataset rows, each
    counted for the card and its entity labels noted for the bio view."""
    for rec in records_at(path, offsets.tolist()):
        row = sample_to_row(rec)
        collector.add(row, split)
        labels.update(entity_labels(row))
        yield row
