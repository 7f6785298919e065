"""`parallelner export RUN` and `parallelner publish RUN --repo-id ORG/NAME`: thin wrappers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from ._util import console, friendly_errors


def _fractions(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"expected three numbers like 0.8,0.1,0.1, got {text!r}") from None


def register(app: typer.Typer) -> None:
    @app.command("export")
    @friendly_errors
    def export_cli(
        run: Path = typer.Argument(
            ..., help="Run folder outputs/<run-id>: reads RUN/reviewed.jsonl when it exists "
            "(after `review pull`), else RUN/final.jsonl. Or a records .jsonl file.",
        ),
        input_path: Path | None = typer.Option(
            None, "--input", help="Records JSONL to export instead of the run's own records."
        ),
        formats: list[str] = typer.Option(
            ["hf"], "--format", "-f",
            help="hf (the dataset, always written), bio, code, or all; repeatable. Views on "
            "disk that are not asked for are kept, never deleted.",
        ),
        also: str = typer.Option(
            None, "--also", help="Extra copies besides parquet, comma-separated: jsonl, disk "
            "(save_to_disk). Default: [export] also in the settings (none).",
        ),
        config: Path = typer.Option(None, "--config", "-c", help="TOML settings file."),
        split: str = typer.Option("0.8,0.1,0.1", help="Train,validation,test shares."),
        seed: int = typer.Option(0, help="Seed of the split order."),
        zh_segmenter: str = typer.Option("char", help="Chinese tokens for bio: char or jieba."),
        shard_rows: int = typer.Option(100_000, min=1, help="Rows per parquet shard at most."),
        document_groups: bool = typer.Option(
            True, help="Keep samples of one source document in one split (besides sentences)."
        ),
    ) -> None:
        """Build the Hugging Face dataset (parquet shards + card) from the accepted samples of a
        run: RUN/reviewed.jsonl when present, else RUN/final.jsonl (or --input)."""
        from rich.table import Table

        from ..config import load_settings
        from ..export.runner import export

        fmts = ["hf", "bio", "code"] if "all" in formats else formats
        extra = ([a.strip() for a in also.split(",") if a.strip()] if also is not None
                 else load_settings(config).export.also)
        with _bars() as track:
            result = export(
                run, input_path, fmts, _fractions(split), seed, zh_segmenter, shard_rows, track,
                by_document=document_groups, also=extra,
            )
        b = result.build
        splits = ("train", "validation", "test")
        rows = Table(title=f"Rows written to {result.dataset_dir}")
        rows.add_column("config")
        for name in splits:
            rows.add_column(name, justify="right")
        for config, counts in result.rows.items():
            rows.add_row(config, *(str(counts.get(s, 0)) for s in splits))
        summary = Table(title="Export summary", show_header=False)
        summary.add_column("what")
        summary.add_column("value")
        summary.add_row("records read", f"{b.read} from {result.source.records}")
        for status, n in sorted(b.skipped_by_status.items()):
            summary.add_row(f"left out: {status}", str(n))
        summary.add_row("exact duplicates removed", str(b.duplicates))
        summary.add_row("split groups", str(b.groups))
        for name, rep in result.views.items():
            summary.add_row(f"{name}: duplicate rows dropped", str(rep.duplicates))
            if rep.fallback_langs:
                summary.add_row(f"{name}: language-neutral tokenizer", ", ".join(
                    sorted(rep.fallback_langs)))
            if rep.changed_spans:
                summary.add_row(f"{name}: entities trimmed to tokens", str(rep.changed_spans))
        if result.kept:
            summary.add_row("kept from an earlier export", ", ".join(result.kept))
        summary.add_row("dataset card", str(result.card))
        console.print(rows)
        console.print(summary)

    @app.command("publish")
    @friendly_errors
    def publish_cli(
        run: Path = typer.Argument(..., help="Run folder with an exported dataset/ folder."),
        repo_id: str = typer.Option(..., "--repo-id", help="Hub dataset repo, ORG/NAME."),
        private: bool = typer.Option(False, "--private", help="Create the repo private."),
    ) -> None:
        """Push the exported dataset and its card to the Hugging Face Hub (token: HF_TOKEN)."""
        from ..export.publish import publish

        url = publish(run, repo_id, private=private)
        console.print(f"published {url}")


@contextmanager
def _bars() -> Iterator[Callable[[Iterable[Any], str, int], Iterable[Any]]]:
    """Rich bars (with counts and ETA) for the export's passes over the records."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as progress:
        yield lambda items, description, total: progress.track(items, total=total,
                                                               description=description)
