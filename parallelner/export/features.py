"""The declared ``datasets.Features`` of every exported view: the one place that fixes the columns.

``FEATURES`` is the dataset itself (config ``default``): one row per parallel sample, with every
entity pair across languages explicit (``target_entities[i].source_index`` points into
``source_entities``). ``type`` is the ontology class of a label (``parallelner.ontology``), so
data from different label schemes (CoNLL ``PER``, CLUENER ``name``) share one vocabulary.

The views (``bio``, ``code``) have their own features, declared here beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from datasets import ClassLabel, Features, List, Value

_STR = Value("string")
_INT = Value("int32")

ENTITY = {"start": _INT, "end": _INT, "label": _STR, "type": _STR, "text": _STR}
TARGET_ENTITY = {**ENTITY, "source_index": _INT, "confidence": Value("float64")}

PROVENANCE = {
    "model": _STR,
    "prompt_version": _STR,
    "reviewer": _STR,  # who reviewed it (Argilla usernames, ", "-joined); null when no person did
    "mode": _STR,
    "dataset": _STR,
    "split": _STR,
    "document": _STR,
    "index": Value("int64"),
}

FEATURES = Features(
    {
        "id": _STR,
        "source_lang": _STR,
        "target_lang": _STR,
        "source_text": _STR,
        "target_text": _STR,
        "label_scheme": _STR,
        "source_entities": List(ENTITY),
        "target_entities": List(TARGET_ENTITY),
        "confidence": Value("float64"),
        "review": _STR,  # "machine" | "human"
        "provenance": PROVENANCE,
    }
)

CODE_FEATURES = Features(
    {
        "id": _STR,
        "sample_id": _STR,
        "task": _STR,  # "ner" | "translated_ner"
        "lang": _STR,  # language of the sentence the answer is about
        "label_scheme": _STR,
        "text": _STR,  # that sentence
        "prompt": _STR,
        "completion": _STR,
    }
)


def bio_features(tag_names: Sequence[str]) -> Features:
    """Token-classification rows; ``ner_tags`` is a ClassLabel over the tags present in the data."""
    return Features(
        {
            "id": _STR,
            "sample_id": _STR,
            "side": _STR,  # "source" | "target"
            "lang": _STR,
            "label_scheme": _STR,
            "text": _STR,
            "tokens": List(_STR),
            "token_starts": List(_INT),  # character offset of each token in text
            "ner_tags": List(ClassLabel(names=list(tag_names))),
        }
    )
