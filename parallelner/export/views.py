"""Other views of the same rows: ``bio`` (tokens + BIO tags per language) and ``code`` (KnowCoder).

Both are derived from the rows of the main dataset split by split, so a sentence stays in the
split its sample is in. Within a split, identical view rows (the same sentence with the same
entities, from two samples) are kept once. ``bio_rows`` and ``code_split_rows`` stream one
split (what the export uses); ``bio_view`` and ``code_view`` build a ``DatasetDict`` in memory.

``bio``: spaCy blank tokenizers (offline, no model); Chinese one token per character (spaCy's
default) or jieba words. The text is cut at every entity boundary before tokenizing, so each
entity is whole tokens and the tags decode back to the same character spans.

``code``: per sample, an NER task for each language and the cross-lingual "translated instance
prediction" task (source sentence + its answer + target sentence -> target answer), as prompt
and completion code. Completions parse back with ``codestyle.code_to_answers`` (``ast``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from datasets import Dataset, DatasetDict, Features

from ..codestyle import (
    answers_to_code,
    render_ner_task,
    render_translated_task,
    spans_to_answers,
)
from ..errors import ConfigError, InputError
from ..ontology import SCHEMES, class_for, describe, render_scheme
from ..schema import EntitySpan
from .features import CODE_FEATURES, bio_features

ZH_SEGMENTERS = ("char", "jieba")
_EXAMPLE_LANGS = tuple(describe(class_for("conll", "PER")).examples)

Span = tuple[int, int, str]


@dataclass
class ViewReport:
    """Counts of one view build (rows, duplicates dropped, tokenizer fallbacks, span changes)."""

    rows: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    fallback_langs: set[str] = field(default_factory=set)
    changed_spans: int = 0


class Tokenizers:
    """spaCy blank tokenizers, one per language, made on first use."""

    def __init__(self, zh_segmenter: str = "char", report: ViewReport | None = None) -> None:
        if zh_segmenter not in ZH_SEGMENTERS:
            raise ConfigError(
                f"zh_segmenter must be one of {', '.join(ZH_SEGMENTERS)}, got {zh_segmenter!r}"
            )
        self.zh_segmenter = zh_segmenter
        self.report = report
        self._cache: dict[str, Any] = {}

    def __call__(self, lang: str) -> Any:
        if lang not in self._cache:
            self._cache[lang] = self._make(lang)
        return self._cache[lang]

    def _make(self, lang: str) -> Any:
        import spacy

        if lang == "zh":
            if self.zh_segmenter == "jieba":
                import jieba

                jieba.setLogLevel(logging.WARNING)
            config = {"nlp": {"tokenizer": {"segmenter": self.zh_segmenter}}}
            return spacy.blank("zh", config=config)
        try:
            return spacy.blank(lang)
        except ImportError:
            # spaCy has no rules for this language: its language-neutral tokenizer, reported.
            if self.report is not None:
                self.report.fallback_langs.add(lang)
            return spacy.blank("xx")


def tokenize_with_spans(
    nlp: Any, text: str, spans: Sequence[Span]
) -> tuple[list[str], list[int], list[str]]:
    """Tokens, their start offsets and BIO tags; entity boundaries are always token boundaries."""
    ordered = sorted(spans)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b[0] < a[1]:
            raise ValueError(f"overlapping entities {a} and {b}")
    cuts = sorted({0, len(text)} | {s for s, _, _ in ordered} | {e for _, e, _ in ordered})
    tokens: list[str] = []
    starts: list[int] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for tok in nlp.make_doc(text[a:b]):
            if not tok.is_space:
                tokens.append(tok.text)
                starts.append(a + tok.idx)
    tags = ["O"] * len(tokens)
    i = 0
    for start, end, label in ordered:
        while i < len(tokens) and starts[i] < start:
            i += 1
        first = True
        while i < len(tokens) and starts[i] + len(tokens[i]) <= end:
            tags[i] = ("B-" if first else "I-") + label
            first = False
            i += 1
    return tokens, starts, tags


def bio_to_spans(tokens: Sequence[str], starts: Sequence[int], tags: Sequence[str]) -> list[Span]:
    """Decode BIO tags into character spans (an I- that does not continue starts an entity)."""
    out: list[Span] = []
    prev = "O"
    for tok, start, tag in zip(tokens, starts, tags, strict=True):
        if tag != "O":
            prefix, _, label = tag.partition("-")
            if prefix == "I" and prev != "O" and prev.partition("-")[2] == label:
                out[-1] = (out[-1][0], start + len(tok), label)
            else:
                out.append((start, start + len(tok), label))
        prev = tag
    return out


def _tag_names(labels: Iterable[str]) -> list[str]:
    known = [lab for s in SCHEMES.values() for lab in s.mapping]
    def rank(lab: str) -> tuple[int, str]:
        return (known.index(lab) if lab in known else len(known), lab)

    order = sorted(set(labels), key=rank)
    return ["O"] + [f"{p}-{lab}" for lab in order for p in ("B", "I")]


def _spans(entities: Sequence[dict]) -> list[Span]:
    return [(e["start"], e["end"], e["label"]) for e in entities]


def row_key(*parts: object) -> bytes:
    """A view row's identity for deduplication, as a 16-byte digest (odds of two different rows
    sharing one: near 1e-27 at a million rows), so a split's seen rows cost little memory."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


def entity_labels(row: dict) -> set[str]:
    """The labels of a dataset row's entities, both sides (the bio view's tags come from them)."""
    return {e["label"] for side in ("source", "target") for e in row[f"{side}_entities"]}


def bio_tag_features(labels: Iterable[str]) -> Features:
    """The bio features for these entity labels (``ner_tags`` names in a fixed order)."""
    return bio_features(_tag_names(labels))


def bio_rows(rows: Iterable[dict], tokenizers: Tokenizers, report: ViewReport) -> Iterator[dict]:
    """One split's token-classification rows: source then target of each sample, each sentence
    with the same entities once."""
    seen: set[bytes] = set()
    for row in rows:
        for side in ("source", "target"):
            text, lang = row[f"{side}_text"], row[f"{side}_lang"]
            spans = _spans(row[f"{side}_entities"])
            key = row_key(lang, text, tuple(sorted(spans)))
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            try:
                tokens, starts, tags = tokenize_with_spans(tokenizers(lang), text, spans)
            except ValueError as exc:
                raise InputError(f"sample {row['id']!r}, {side} side: {exc}") from None
            if bio_to_spans(tokens, starts, tags) != sorted(spans):
                report.changed_spans += 1  # an entity with outer whitespace: trimmed
            yield {
                "id": f"{row['id']}:{side}", "sample_id": row["id"], "side": side,
                "lang": lang, "label_scheme": row["label_scheme"], "text": text,
                "tokens": tokens, "token_starts": starts, "ner_tags": tags,
            }


def bio_view(
    dsd: DatasetDict,
    tokenizers: Tokenizers,
    report: ViewReport | None = None,
    track: Callable[[Iterable[dict], str], Iterable[dict]] = lambda rows, _: rows,
) -> DatasetDict:
    """Two token-classification rows per sample (source, target), deduplicated per split; in
    memory (the export streams ``bio_rows``)."""
    report = report if report is not None else ViewReport()
    out_rows = {split: list(bio_rows(track(ds, f"bio {split}"), tokenizers, report))
                for split, ds in dsd.items()}
    features = bio_tag_features({lab for ds in dsd.values() for row in ds
                                 for lab in entity_labels(row)})
    report.rows = {s: len(r) for s, r in out_rows.items()}
    return DatasetDict({s: Dataset.from_list(r, features=features) for s, r in out_rows.items()})


def _schema_code(scheme: str, langs: Sequence[str], cache: dict) -> str:
    # Canonical order, so en->zh and zh->en show the same schema text (and dedupe together).
    shown = tuple(la for la in _EXAMPLE_LANGS if la in langs) or None
    key = (scheme, shown)
    if key not in cache:
        cache[key] = render_scheme(scheme, languages=shown)
    return cache[key]


def _answers(text: str, entities: Sequence[dict], scheme: str) -> list:
    spans = [EntitySpan(start=e["start"], end=e["end"], label=e["label"]) for e in entities]
    return spans_to_answers(text, spans, scheme)


def code_rows(row: dict, cache: dict) -> list[dict]:
    """The three code-style tasks of one sample: NER source, NER target, translated instances."""
    scheme = row["label_scheme"]
    src, tgt = row["source_text"], row["target_text"]
    schema = _schema_code(scheme, (row["source_lang"], row["target_lang"]), cache)
    src_answers = _answers(src, row["source_entities"], scheme)
    tgt_answers = _answers(tgt, row["target_entities"], scheme)

    def task(suffix: str, name: str, lang: str, text: str, prompt: str, answers: list) -> dict:
        return {
            "id": f"{row['id']}:{suffix}", "sample_id": row["id"], "task": name, "lang": lang,
            "label_scheme": scheme, "text": text, "prompt": prompt,
            "completion": answers_to_code(answers),
        }

    return [
        task("ner:source", "ner", row["source_lang"], src, render_ner_task(schema, src),
             src_answers),
        task("ner:target", "ner", row["target_lang"], tgt, render_ner_task(schema, tgt),
             tgt_answers),
        task("translated", "translated_ner", row["target_lang"], tgt,
             render_translated_task(schema, src, src_answers, tgt), tgt_answers),
    ]


def code_split_rows(rows: Iterable[dict], report: ViewReport, cache: dict) -> Iterator[dict]:
    """One split's code-style rows, each task with the same prompt and completion once."""
    seen: set[bytes] = set()
    for row in rows:
        for r in code_rows(row, cache):
            key = row_key(r["task"], r["prompt"], r["completion"])
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            yield r


def code_view(
    dsd: DatasetDict,
    report: ViewReport | None = None,
    track: Callable[[Iterable[dict], str], Iterable[dict]] = lambda rows, _: rows,
) -> DatasetDict:
    """KnowCoder-style prompt/completion rows, deduplicated per split; in memory (the export
    streams ``code_split_rows``)."""
    report = report if report is not None else ViewReport()
    cache: dict = {}
    out = {split: list(code_split_rows(track(ds, f"code {split}"), report, cache))
           for split, ds in dsd.items()}
    report.rows = {s: len(r) for s, r in out.items()}
    return DatasetDict({s: Dataset.from_list(r, features=CODE_FEATURES) for s, r in out.items()})
