"""The Argilla review dataset: its name, fields, questions, metadata and guidelines.

One dataset per language pair (``review.dataset_per = "pair"``) or per run and pair (``"run"``).
Field, question and metadata names are the contract between :mod:`annotation.records` and
:mod:`annotation.merge`; change them together.
"""

from __future__ import annotations

import re
from pathlib import Path

import argilla as rg

from parallelner import ontology
from parallelner.config import ReviewConfig
from parallelner.errors import UnknownLabelError

GUIDELINES = Path(__file__).with_name("guidelines.md")

F_SOURCE, F_TARGET, F_ENTITIES = "source", "target", "entities"
# The round trip of the verify stage: the translation read back into the source language.
F_BACK = "back_translation"
Q_SPANS, Q_USABLE, Q_TRANSLATION = "spans", "usable", "corrected_translation"
M_CONFIDENCE, M_ISSUES, M_PAIR, M_DATASET, M_ENTITIES = (
    "confidence", "issues", "language_pair", "source_dataset", "entity_count")
# Priority (1 = review first), the run and sample a record belongs to, and the merge's verdict
# on the answers (written back by pull): "needs attention" with the reason, or "merged".
M_PRIORITY, M_RUN, M_SAMPLE, M_VERDICT, M_REASON = (
    "priority", "run", "sample_id", "verdict", "verdict_reason")
NEEDS_ATTENTION, MERGED = "needs attention", "merged"
USABLE_LABELS = {"yes": "yes, usable", "fixed": "fixed by me", "discard": "discard"}


def dataset_name(config: ReviewConfig, source_lang: str, target_lang: str, run_id: str,
                 audit: bool = False) -> str:
    """Argilla dataset names allow letters, digits, '-' and '_' only.

    ``audit``: the dataset of audited accepted samples, kept apart because it is answered by two
    annotators each (a task distribution is a dataset setting in Argilla).
    """
    parts = [config.dataset_prefix]
    if config.dataset_per == "run":
        parts.append(run_id)
    if audit:
        parts.append("audit")
    parts.append(f"{source_lang}-{target_lang}")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts)).strip("-")


def _label_class(label: str, schemes: list[str]) -> type[ontology.Entity] | None:
    for name in schemes:
        try:
            return ontology.class_for(name, label)
        except UnknownLabelError:
            continue
    return None


def label_options(labels: list[str], schemes: list[str]) -> dict[str, str]:
    """Span labels as Argilla shows them: the source label and its ontology class."""
    out = {}
    for label in labels:
        cls = _label_class(label, schemes)
        out[label] = f"{label} · {cls.__name__}" if cls else label
    return out


def _description(cls: type[ontology.Entity]) -> str:
    text = " ".join((cls.__doc__ or "").split())
    return text.split("Description:", 1)[-1].split("Examples", 1)[0].strip()


def guidelines_text(labels: list[str], schemes: list[str]) -> str:
    """The written guidelines plus what each offered label means (from the entity schema)."""
    rows = ["| label | class | what it is |", "|---|---|---|"]
    for label in labels:
        cls = _label_class(label, schemes)
        rows.append(f"| {label} | {cls.__name__ if cls else '–'} | "
                    f"{_description(cls) if cls else 'not in the entity schema'} |")
    return (GUIDELINES.read_text(encoding="utf-8").rstrip() + "\n\n## Labels\n\n"
            + "\n".join(rows) + "\n")


def build_settings(labels: list[str], schemes: list[str], source_lang: str, target_lang: str,
                   client: rg.Argilla, min_submitted: int = 1) -> rg.Settings:
    """The dataset settings shown to reviewers (labels: the span labels offered on the target).

    ``min_submitted``: how many people must submit a record before Argilla counts it done.
    """
    return rg.Settings(
        guidelines=guidelines_text(labels, schemes),
        distribution=rg.TaskDistribution(min_submitted=min_submitted),
        fields=[
            rg.TextField(name=F_SOURCE, title=f"Source ({source_lang}), entities numbered",
                         use_markdown=True, client=client),
            rg.TextField(name=F_TARGET, title=f"Translation ({target_lang})", client=client),
            rg.TextField(name=F_BACK, title=f"The translation read back into {source_lang} by "
                         "the model (does it say what the source says?)", required=False,
                         client=client),
            rg.TextField(name=F_ENTITIES, title="Entities: source, machine's span, confidence",
                         use_markdown=True, required=False, client=client),
        ],
        questions=[
            rg.SpanQuestion(name=Q_SPANS, field=F_TARGET, labels=label_options(labels, schemes),
                            allow_overlapping=False,
                            required=False, title="Mark each source entity in the translation",
                            client=client),
            rg.LabelQuestion(name=Q_USABLE, labels=USABLE_LABELS, required=True,
                             title="Is the translation usable?", client=client),
            rg.TextQuestion(name=Q_TRANSLATION, required=False,
                            title="Corrected translation (edit only if the translation is wrong)",
                            client=client),
        ],
        metadata=[
            rg.FloatMetadataProperty(name=M_CONFIDENCE, title="confidence", min=0.0, max=1.0,
                                     client=client),
            rg.TermsMetadataProperty(name=M_ISSUES, title="issues", client=client),
            rg.TermsMetadataProperty(name=M_PAIR, title="language pair", client=client),
            rg.TermsMetadataProperty(name=M_DATASET, title="source dataset", client=client),
            rg.IntegerMetadataProperty(name=M_ENTITIES, title="entities", client=client),
            rg.IntegerMetadataProperty(name=M_PRIORITY, title="priority (1 = first)", min=1,
                                       client=client),
            rg.TermsMetadataProperty(name=M_RUN, title="run", client=client),
            rg.TermsMetadataProperty(name=M_SAMPLE, title="sample id", client=client),
            rg.TermsMetadataProperty(name=M_VERDICT, title="merge verdict", client=client),
            rg.TermsMetadataProperty(name=M_REASON, title="why it needs attention",
                                     client=client),
        ],
    )


def missing_labels(dataset: rg.Dataset, labels: list[str]) -> list[str]:
    """Labels the existing dataset's span question lacks (Argilla fixes them at creation)."""
    question = dataset.settings.questions[Q_SPANS]
    have = set(question.labels)
    return [label for label in labels if label not in have]
