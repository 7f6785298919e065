"""The working state of one alignment: what the rules read and the findings they add."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from parallelner.markup.parse import ParsedAnswer

from ..config import AlignConfig
from ..schema import EntitySpan
from .tokens import Tokens, possible_cuts, tokenize

How = Literal["tag", "exact", "normalized", "fuzzy"]


@dataclass
class Placed:
    """A target span placed for source entity ``index`` and how it was found."""

    index: int
    start: int
    end: int
    how: How
    score: float = 100.0
    codes: list[str] = field(default_factory=list)  # span-level issue codes


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    entity_index: int | None = None


@dataclass
class Context:
    source_lang: str
    target_lang: str
    source_text: str
    source_entities: list[EntitySpan]
    parsed: ParsedAnswer
    config: AlignConfig
    # How the LLM call that wrote the answer ended, as its API said ("stop", "length", ...).
    finish_reason: str | None = None
    placed: dict[int, Placed] = field(default_factory=dict)
    tag_labels: list[str | None] = field(default_factory=list)  # label of each kept tag
    findings: list[Finding] = field(default_factory=list)

    _tokens: Tokens | None = None

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def tokens(self) -> Tokens:
        """Tokenized on first use: most samples never need it (it is the costliest step)."""
        if self._tokens is None:
            self._tokens = tokenize(self.parsed.text, self.target_lang, self.config.zh_segmenter)
        return self._tokens

    def on_boundaries(self, start: int, end: int) -> bool:
        """``tokens.on_boundaries`` on this text, with the tokens built once for the sample
        (tokenizing the whole text again per span was quadratic in the number of entities)."""
        inner = possible_cuts(start, end, self.parsed.text, self.target_lang)
        return not inner or all(p in self.tokens.boundaries for p in inner)

    def add(self, code: str, message: str, entity_index: int | None = None) -> None:
        self.findings.append(Finding(code, message, entity_index))
        if entity_index is not None and entity_index in self.placed:
            self.placed[entity_index].codes.append(code)

    def source_surface(self, index: int) -> str:
        return self.source_entities[index].surface(self.source_text)

    def describe(self, index: int) -> str:
        ent = self.source_entities[index]
        return f"entity {index + 1} ({ent.label} {self.source_surface(index)!r})"
