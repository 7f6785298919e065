"""`parallelner export RUN` and `parallelner publish RUN --repo-id ORG/NAME`: thin wrappers."""

from __future__ import annotations

from pathlib import Path

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
            ..., help="Run folder outputs/<run-id> (reads final.jsonl), or a records .jsonl file."
        ),
        input_path: Path | None = typer.Option(
            None, "--input", help="Records JSONL to export instead of RUN/final.jsonl."
        ),
        formats: list[str] = typer.Option(
            ["hf"], "--format", "-f",
            help="hf (the dataset, always written), bio, code, or all; repeatable.",
        ),
        split: str = typer.Option("0.8,0.1,0.1", help="Train,validation,test shares."),
        seed: int = typer.Option(0, help="Seed of the split order."),
        zh_segmenter: str = typer.Option("char", help="Chinese tokens for bio: char or jieba."),
        shard_rows: int = typer.Option(100_000, min=1, help="Rows per parquet shard at most."),
    ) -> None:
        """Build the Hugging Face dataset (parquet + JSONL + card) from accepted samples."""
        from rich.table import Table

        from ..export.runner import export

        fmts = ["hf", "bio", "code"] if "all" in formats else formats
        result = export(
            run, input_path, fmts, _fractions(split), seed, zh_segmenter, shard_rows, console
        )
        b = result.build
        table = Table(title=f"Exported {result.source.records} -> {result.dataset_dir}")
        table.add_column("config")
        for name in ("train", "validation", "test"):
            table.add_column(name, justify="right")
        for config, rows in result.rows.items():
            table.add_row(config, *(str(rows.get(s, 0)) for s in ("train", "validation", "test")))
        console.print(table)
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(b.skipped_by_status.items())) or "none"
        console.print(
            f"read {b.read} records; left out by status: {skipped}; exact duplicates removed: "
            f"{b.duplicates}; split groups: {b.groups}; card: {result.card}"
        )
        for name, rep in result.views.items():
            if rep.fallback_langs:
                console.print(f"{name}: no spaCy rules for {sorted(rep.fallback_langs)}; "
                              "used the language-neutral tokenizer")
            if rep.changed_spans:
                console.print(f"{name}: {rep.changed_spans} sentences had entities with outer "
                              "whitespace, trimmed to whole tokens")

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
