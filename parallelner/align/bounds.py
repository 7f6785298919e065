"""The largest sample the pipeline takes: a pure check the plan runs before any LLM call.

Why: a sample with thousands of entities or a text of a book's length cannot be translated
with inline tags in one answer (``llm.max_tokens``), and every per-sample step costs at least
its length. Such a sample is ``rejected`` with its reason at plan time, never paid for; the
align stage applies the same check, so a file aligned on its own is held to the same bound.
Bounds: ``[align.bounds]`` ``max_entities`` and ``max_chars`` (``parallelner/config.py``).
"""

from __future__ import annotations

from ..config import AlignConfig, SampleBounds
from ..schema import Issue, ParallelSample, SourceSample


def _parts(sample: SourceSample | ParallelSample) -> tuple[str, int, list[tuple[str, str]]]:
    if isinstance(sample, SourceSample):
        return sample.id, len(sample.entities), [("text", sample.text)]
    texts = [("source_text", sample.source_text)]
    if sample.target_text is not None:  # projection mode: the given translation
        texts.append(("target_text", sample.target_text))
    return sample.id, len(sample.source_entities), texts


def check_bounds(sample: SourceSample | ParallelSample,
                 cfg: AlignConfig | SampleBounds) -> Issue | None:
    """The issue that rejects ``sample`` for its size (``sample_too_many_entities`` or
    ``sample_too_long``), or None when it is within the bounds."""
    bounds = cfg.bounds if isinstance(cfg, AlignConfig) else cfg
    sid, n_entities, texts = _parts(sample)
    if n_entities > bounds.max_entities:
        return Issue(code="sample_too_many_entities",
                     message=f"sample {sid!r} has {n_entities:,} entities, more than "
                             f"align.bounds.max_entities = {bounds.max_entities:,}; rejected "
                             "before any LLM call (split the text or raise the bound)")
    for field, text in texts:
        if len(text) > bounds.max_chars:
            return Issue(code="sample_too_long",
                         message=f"sample {sid!r}: its {field} has {len(text):,} characters, "
                                 f"more than align.bounds.max_chars = {bounds.max_chars:,}; "
                                 "rejected before any LLM call (split the text or raise the "
                                 "bound)")
    return None
