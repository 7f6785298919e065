"""What the plan checks on every sample before any LLM call: pure, fast, one issue a sample.

Why: a sample whose labels the entity schema does not know, whose text is not in its declared
language, or that is too large to translate in one answer passed every paid stage before (the
export stopped on the label; the target came back identical to a Chinese "English" source).
Each check returns the sample's ``Issue`` (its code is in ``issues.py``, action ``reject``) or
None; ``precheck`` runs them cheapest first. ``check_language_pair`` refuses a run whose
target language is its source language. Speed: ``benchmarks/precheck_speed.py``.
"""

from __future__ import annotations

from ..config import AlignConfig
from ..errors import ConfigError
from ..ontology import check_labels
from ..readers.naming import ISO_639_1
from ..schema import Issue, ParallelSample, SourceSample
from .bounds import check_bounds
from .langid import quick_check_language


def check_language_pair(source_lang: str, target_lang: str) -> None:
    """Raise ``ConfigError`` unless both are ISO 639-1 codes and they differ."""
    for what, lang in (("source", source_lang), ("target", target_lang)):
        if lang not in ISO_639_1:
            raise ConfigError(f"the {what} language must be an ISO 639-1 code like 'en' or "
                              f"'zh', got {lang!r}")
    if source_lang == target_lang:
        raise ConfigError(f"the target language {target_lang!r} is the source language: there is "
                          "nothing to translate (pass another --target-lang)")


def check_source_language(sample: SourceSample | ParallelSample,
                          min_letters: int = 20) -> Issue | None:
    """``source_wrong_language`` when the text is clearly not in its declared language (the
    script, or fastText sure of another language; ~40 µs), else None. Short or mixed texts the
    detectors are unsure of pass: a person sees them after translation if anything is off."""
    if isinstance(sample, SourceSample):
        text, lang = sample.text, sample.lang
    else:
        text, lang = sample.source_text, sample.source_lang
    result = quick_check_language(text, lang, min_letters)
    if result.verdict != "wrong":
        return None
    shown = text if len(text) <= 40 else text[:37] + "..."
    return Issue(code="source_wrong_language",
                 message=f"sample {sample.id!r} is declared {lang!r}, but its text is not: "
                         f"{result.reason} ({shown!r})")


def precheck(sample: SourceSample | ParallelSample, config: AlignConfig) -> Issue | None:
    """The first issue that keeps ``sample`` from any LLM call: size, labels, language."""
    return (check_bounds(sample, config) or check_labels(sample)
            or check_source_language(sample, config.language_min_letters))
