"""The round trip's request: a tagged translation back into its source language. Pure, no I/O.

The target is rendered in the same inline markup as the source was (ids = source entity
positions, labels = source labels), so the reply ties each back-translated entity to its source
entity by id. Batches of K samples use the numbered lines of the translate task.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from parallelner.markup.parse import parse_markup
from parallelner.markup.render import render_markup
from parallelner.stages.languages import language_name
from parallelner.stages.translate import number_lines, select_examples

from ..config import LLMConfig
from ..llm.client import Request
from ..llm.ledger import estimate_tokens
from ..prompts import PromptTemplate, load_prompt
from ..schema import EntitySpan, ParallelSample

DEFAULT_PROMPT = "back_translate.v1"


@dataclass(frozen=True)
class BackTranslation:
    """The back-translated sentence and, per source entity index, the text its tag came back
    around (absent: the tag did not come back)."""

    text: str
    entities: dict[int, str] = field(default_factory=dict)
    parse_codes: tuple[str, ...] = ()


def tagged_target(sample: ParallelSample) -> str:
    """The target in inline markup under the ids of the source entities it translates."""
    if sample.target_text is None:
        raise ValueError(f"sample {sample.id!r} has no target text to translate back")
    spans = sorted((t for t in sample.target_entities if t.source_index is not None),
                   key=lambda t: t.source_index or 0)
    # render_markup numbers entities by list position: pad so position = source index.
    by_index = {t.source_index: t for t in spans}
    ordered: list[EntitySpan] = []
    ids: list[int] = []
    for i, t in sorted(by_index.items()):
        ordered.append(EntitySpan(start=t.start, end=t.end, label=t.label))
        ids.append(i + 1)
    marked = render_markup(sample.target_text, ordered)
    # Rewrite the positional ids to source ids (last first, so "1" never clobbers "10").
    for pos in range(len(ids), 0, -1):
        marked = marked.replace(f' id="{pos}">', f' id="@{ids[pos - 1]}">')
    return marked.replace(' id="@', ' id="')


def parse_back(reply: str, sample: ParallelSample) -> BackTranslation:
    """Read a back-translation with the product's markup parser; a tag is kept when its id names
    a source entity (the first of a repeated id wins)."""
    parsed = parse_markup(reply, sample.source_text)
    n = len(sample.source_entities)
    entities: dict[int, str] = {}
    for span in parsed.spans:
        if span.number is not None and 1 <= span.number <= n and span.number - 1 not in entities:
            entities[span.number - 1] = parsed.text[span.start : span.end].strip()
    return BackTranslation(parsed.text, entities, tuple(sorted(parsed.codes)))


@dataclass(frozen=True)
class BackTranslateTask:
    prompt: PromptTemplate
    model: str
    temperature: float = 0.0
    max_tokens: int = 512

    @classmethod
    def from_config(cls, cfg: LLMConfig, prompt: str = DEFAULT_PROMPT,
                    model: str | None = None) -> BackTranslateTask:
        return cls(prompt=load_prompt(prompt), model=model or cfg.model,
                   temperature=cfg.temperature, max_tokens=cfg.max_tokens)

    def request(self, samples: Sequence[ParallelSample]) -> Request:
        """One request for one sample, or K samples of one language pair (numbered lines)."""
        pair = (samples[0].target_lang, samples[0].source_lang)
        if any((s.target_lang, s.source_lang) != pair for s in samples):
            raise ValueError("a back-translation batch must share one language pair")
        batch = len(samples) > 1
        shots = select_examples(self.prompt.examples, *pair)
        if batch and shots:
            pairs = [(number_lines([e["source"] for e in shots]),
                      number_lines([e["target"] for e in shots]))]
        else:
            pairs = [(e["source"], e["target"]) for e in shots]
        marked = [tagged_target(s) for s in samples]
        messages = self.prompt.render(
            source_name=language_name(pair[0], source=True),
            target_name=language_name(pair[1]),
            batch=batch, shots=pairs,
            text=number_lines(marked) if batch else marked[0],
        )
        return Request.of(messages, model=self.model, prompt_version=self.prompt.name,
                          temperature=self.temperature, max_tokens=self.max_tokens * len(samples))

    def expected_output_tokens(self, samples: Sequence[ParallelSample]) -> int:
        """For the pre-run estimate: about as long as the marked-up source it recovers."""
        n = sum(estimate_tokens(render_markup(s.source_text, s.source_entities)) for s in samples)
        return min(self.max_tokens * len(samples), math.ceil(n * 1.2) + 4 * len(samples))
