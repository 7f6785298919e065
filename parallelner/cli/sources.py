"""``parallelner sources``: list the readers and shipped samples; ``sources show`` counts a source.

Thin wrapper over :func:`parallelner.readers.read_source` and
:class:`parallelner.readers.summary.SourceSummary`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ._util import console, friendly_errors

if TYPE_CHECKING:
    from ..readers import SourceStream
    from ..readers.summary import SourceSummary

sources_app = typer.Typer(
    help="List the source readers and shipped samples; show what a source holds.",
    no_args_is_help=False,
)


@sources_app.callback(invoke_without_command=True)
def sources_main(ctx: typer.Context) -> None:
    """List the readers (formats) and the samples shipped inside the package."""
    if ctx.invoked_subcommand is None:
        list_sources()


@friendly_errors
def list_sources() -> None:
    from rich.markup import escape
    from rich.table import Table

    from parallelner.readers.shipped import default_sources

    from ..readers import READERS

    readers = Table(title="Readers (--format)", title_justify="left")
    for col in ("format", "reads", "files", "labels", "default lang"):
        readers.add_column(col, overflow="fold")
    for r in READERS:
        readers.add_row(
            r.name,
            escape(r.description),
            " ".join(r.patterns),
            r.label_scheme,
            r.default_lang or "",
        )
    console.print(readers)
    shipped = Table(title="Shipped samples (use the name as SOURCE)", title_justify="left")
    for col in ("name", "lang", "format", "dataset", "licence", "file"):
        shipped.add_column(col, overflow="fold")
    for s in default_sources():
        shipped.add_row(s.name, s.lang, s.format, s.dataset, s.licence, s.display)
    console.print(shipped)
    console.print("Details of one source: [bold]parallelner sources show SOURCE[/]")


def _read_all(stream: SourceStream, limit: int | None) -> SourceSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..readers.summary import SourceSummary

    summary = SourceSummary()
    columns = (
        TextColumn("reading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("samples"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("read", total=limit)
        for sample in stream:
            summary.add(sample)
            progress.advance(task)
    summary.add_repairs(stream.repairs)
    return summary


def _print_summary(stream: SourceStream, summary: SourceSummary, show_repairs: int) -> None:
    from rich.table import Table

    ctx = stream.context
    console.print(
        f"[bold]{stream.path}[/]  format={stream.format}  lang={ctx.lang or 'from data'}  "
        f"dataset={ctx.dataset}  split={ctx.split or '-'}  labels={ctx.label_scheme}",
        highlight=False,
    )
    n = summary.sentences
    table = Table(title="Entities per label", title_justify="left")
    table.add_column("label")
    table.add_column("entities", justify="right")
    table.add_column("sentences with it", justify="right")
    table.add_column("share of entities", justify="right")
    total = summary.total_entities
    for label, count in summary.entities.most_common():
        share = f"{100 * count / total:.1f}%" if total else "-"
        table.add_row(label, f"{count:,}", f"{summary.sentences_with[label]:,}", share)
    table.add_section()
    table.add_row("[bold]all[/]", f"[bold]{total:,}[/]", f"{summary.with_entities:,}", "100%")
    console.print(table)

    totals = Table(title="Totals", title_justify="left", show_header=False)
    totals.add_column("what")
    totals.add_column("count", justify="right")
    totals.add_row("sentences", f"{n:,}")
    totals.add_row("sentences with entities", f"{summary.with_entities:,}")
    totals.add_row("entities", f"{total:,}")
    totals.add_row("characters", f"{summary.characters:,}")
    totals.add_row("repairs", f"{sum(summary.repairs.values()):,}")
    for code, count in summary.repairs.most_common():
        totals.add_row(f"  {code}", f"{count:,}")
    console.print(totals)
    if stream.repairs and show_repairs > 0:
        console.print(f"First {min(show_repairs, len(stream.repairs))} repairs:")
        for repair in stream.repairs[:show_repairs]:
            console.print(f"  {repair}", highlight=False, markup=False)


SourceArg = typer.Argument(
    ..., help="A file or folder, a shipped sample name, or a Hugging Face hub name."
)
FormatOpt = typer.Option(None, "--format", "-f", help="Reader; detected if omitted.")
LangOpt = typer.Option(None, "--lang", help="ISO 639-1 language if not in the name.")
DatasetOpt = typer.Option(None, "--dataset", help="Dataset name for ids/provenance.")
SplitOpt = typer.Option(None, "--split", help="Split name (or the split to pick).")
LimitOpt = typer.Option(None, "--limit", min=0, help="Read at most N samples.")
StrictOpt = typer.Option(False, "--strict", help="Tag-sequence repairs become errors.")
TagSchemeOpt = typer.Option("bio", "--tag-scheme", help="bio (IOB2/BIOES) or iob1.")
LabelsOpt = typer.Option(
    None, "--labels", help="Comma-separated tag names in id order, for integer ner_tags."
)


def _open(source: str, format: str | None, lang: str | None, dataset: str | None,
          split: str | None, limit: int | None, strict: bool, tag_scheme: str,
          labels: str | None) -> SourceStream:
    from ..readers import read_source

    return read_source(
        source, format=format, lang=lang, dataset=dataset, split=split, limit=limit,
        strict=strict,
        tag_scheme=tag_scheme,  # type: ignore[arg-type]  # checked by read_source
        label_names=[x.strip() for x in labels.split(",")] if labels else None,
    )


@sources_app.command("show")
@friendly_errors
def show(
    source: str = SourceArg,
    format: str | None = FormatOpt,
    lang: str | None = LangOpt,
    dataset: str | None = DatasetOpt,
    split: str | None = SplitOpt,
    limit: int | None = LimitOpt,
    strict: bool = StrictOpt,
    tag_scheme: str = TagSchemeOpt,
    labels: str | None = LabelsOpt,
    show_repairs: int = typer.Option(10, "--repairs", min=0, help="List the first N repairs."),
) -> None:
    """Read SOURCE and show counts per label, sentences, entities and repairs."""
    stream = _open(source, format, lang, dataset, split, limit, strict, tag_scheme, labels)
    summary = _read_all(stream, limit)
    _print_summary(stream, summary, show_repairs)


@sources_app.command("convert")
@friendly_errors
def convert(
    source: str = SourceArg,
    output: Path = typer.Option(..., "--output", "-o", help="SourceSample JSONL to write."),
    format: str | None = FormatOpt,
    lang: str | None = LangOpt,
    dataset: str | None = DatasetOpt,
    split: str | None = SplitOpt,
    limit: int | None = LimitOpt,
    strict: bool = StrictOpt,
    tag_scheme: str = TagSchemeOpt,
    labels: str | None = LabelsOpt,
) -> None:
    """Write SOURCE (any reader) as our SourceSample JSONL, the input of `parallelner translate`."""
    from ..readers.convert import convert_source

    stream = _open(source, format, lang, dataset, split, limit, strict, tag_scheme, labels)
    n = convert_source(stream, output)
    repairs = f", {len(stream.repairs)} repair(s) (see `sources show`)" if stream.repairs else ""
    console.print(f"{n:,} samples ({stream.format}, lang={stream.lang or 'from data'}) -> "
                  f"{output}{repairs}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")
