"""The Argilla review dataset: its name, fields, questions, metadata and guidelines.

One dataset per language pair (``review.dataset_per = "pair"``) or per run and pair (``"run"``).
Field, question and metadata names are the contract between :mod:`annotation.records` and
:mod:`annotation.merge`; change them together.
"""

from __future__ import annotations

import re
from pathlib import Path

import argilla as rg

from parallelner.config import ReviewConfig

GUIDELINES = Path(__file__).with_name("guidelines.md")

F_SOURCE, F_TARGET, F_ENTITIES = "source", "target", "entities"
Q_SPANS, Q_USABLE, Q_TRANSLATION = "spans", "usable", "corrected_translation"
M_CONFIDENCE, M_ISSUES, M_PAIR, M_DATASET, M_ENTITIES = (
    "confidence", "issues", "language_pair", "source_dataset", "entity_count")
USABLE_LABELS = {"yes": "yes, usable", "fixed": "fixed by me", "discard": "discard"}


def dataset_name(config: ReviewConfig, source_lang: str, target_lang: str, run_id: str) -> str:
    """Argilla dataset names allow letters, digits, '-' and '_' only."""
    parts = [config.dataset_prefix]
    if config.dataset_per == "run":
        parts.append(run_id)
    parts.append(f"{source_lang}-{target_lang}")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts)).strip("-")


def build_settings(labels: list[str], source_lang: str, target_lang: str,
                   client: rg.Argilla) -> rg.Settings:
    """The dataset settings shown to reviewers (labels: the span labels offered on the target)."""
    return rg.Settings(
        guidelines=GUIDELINES.read_text(encoding="utf-8"),
        fields=[
            rg.TextField(name=F_SOURCE, title=f"Source ({source_lang}), entities numbered",
                         use_markdown=True, client=client),
            rg.TextField(name=F_TARGET, title=f"Translation ({target_lang})", client=client),
            rg.TextField(name=F_ENTITIES, title="Entities: source, machine's span, confidence",
                         use_markdown=True, required=False, client=client),
        ],
        questions=[
            rg.SpanQuestion(name=Q_SPANS, field=F_TARGET, labels=labels, allow_overlapping=False,
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
        ],
    )


def missing_labels(dataset: rg.Dataset, labels: list[str]) -> list[str]:
    """Labels the existing dataset's span question lacks (Argilla fixes them at creation)."""
    question = dataset.settings.questions[Q_SPANS]
    have = set(question.labels)
    return [label for label in labels if label not in have]
