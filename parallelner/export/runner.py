"""``export``: run folder (or JSONL) in, dataset folder out, and a report of what was written.

Progress is the caller's (``track``): the CLI passes Rich bars, the flow nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigError, InputError
from .build import DEFAULT_FRACTIONS, BuildReport, build_dataset
from .card import CardStats, collect_stats, render_card
from .inputs import ExportInput, load_records, resolve_input, run_audit, run_settings
from .views import ZH_SEGMENTERS, Tokenizers, ViewReport, bio_view, code_view
from .write import (
    CONFIG_DIRS,
    DEFAULT_SHARD_ROWS,
    FORMAT_CONFIGS,
    check_also,
    configs_on_disk,
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
    import datasets

    datasets.disable_progress_bars()  # the caller shows progress (track_progress)
    source = resolve_input(run, input_path)
    records = load_records(source.records)
    out = source.dataset_dir
    def track(items: Iterable[T], description: str, total: int | None = None) -> Iterable[T]:
        n = total if total is not None else len(items)  # type: ignore[arg-type]
        yield from track_progress(items, description, n)

    dsd, build = build_dataset(
        track(records, "select + split", len(records)), fractions, seed, by_document
    )
    if not dsd:
        left_out = ", ".join(f"{k} {v}" for k, v in sorted(build.skipped_by_status.items()))
        raise InputError(
            f"no accepted samples to export ({build.read} records read; "
            f"left out by status: {left_out or 'none'})", str(source.records),
        )
    result = ExportResult(source, build, CardStats())
    configs = ["default"] + [c for c in dict.fromkeys(FORMAT_CONFIGS[f] for f in formats)
                             if c != "default"]
    for config in configs:
        if config == "default":
            data = dsd
        elif config == "bio":
            rep = result.views.setdefault("bio", ViewReport())
            data = bio_view(dsd, Tokenizers(zh_segmenter, rep), rep, track)
        else:
            rep = result.views.setdefault("code", ViewReport())
            data = code_view(dsd, rep, track)
        write_config(data, out, config, max_rows_per_shard, also)
        result.rows[config] = {s: len(d) for s, d in data.items()}
    on_disk = configs_on_disk(out)
    result.kept = [c for c in CONFIG_DIRS if c in on_disk and c not in configs]
    result.stats = collect_stats(
        dsd, build, settings=run_settings(source.run_dir), audit=run_audit(source.run_dir),
        views={c: rows for c, rows in result.rows.items() if c != "default"},
    )
    result.stats.kept_views = result.kept
    card = render_card(result.stats, on_disk)
    result.card = write_card(card, result.stats, out)
    return result
