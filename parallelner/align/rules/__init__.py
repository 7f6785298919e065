"""The validation rules: each a named function with the issue code(s) it raises and why.

A rule reads the alignment context and adds findings; it never changes spans. ``RULES`` is the
ordered registry the pipeline runs and the docs and tests enumerate. One module per family of
the rule table in ``parallelner/align/README.md``: ``structure``, ``evidence``, ``names``,
``swaps``, ``translation``, ``completeness``; ``base`` holds what they share (no family imports
another).
"""

from __future__ import annotations

from .base import DENSITY, Rule
from .completeness import rule_finish_reason, rule_length_ratio, rule_truncated
from .evidence import rule_edge_words, rule_surface_evidence
from .names import rule_name_case, rule_span_extent
from .structure import rule_label_multiset, rule_overlap, rule_token_boundaries
from .swaps import rule_same_label_order, rule_sound_swap
from .translation import rule_language, rule_refusal, rule_untranslated, rule_untranslated_words

RULES: tuple[Rule, ...] = (
    Rule("label_multiset", ("label_multiset",), "tag labels must be the source's label multiset",
         rule_label_multiset),
    Rule("no_overlap", ("span_overlap",), "NER spans are flat", rule_overlap),
    Rule("token_boundaries", ("span_token_boundary",), "a cut token is a misplaced tag",
         rule_token_boundaries),
    Rule("edge_words", ("span_edge_function_word",),
         "entities do not start/end with function words", rule_edge_words),
    Rule("surface_evidence", ("span_surface_conflict",),
         "a verbatim name, a number or a look-alike pins its span",
         rule_surface_evidence),
    Rule("name_case", ("span_name_case",),
         "person/place names (and one-word ORG) are capitalized in cased scripts",
         rule_name_case),
    Rule("span_extent", ("span_extent",), "a span covers the whole name and only the name",
         rule_span_extent),
    Rule("same_label_order", ("span_order",), "same-label entities keep their rough places",
         rule_same_label_order),
    Rule("sound_swap", ("span_sound_swap",),
         "zh <-> Latin: a name sounds like its own span more than like another's",
         rule_sound_swap),
    Rule("refusal", ("refusal",), "an apology is not a translation", rule_refusal),
    Rule("untranslated", ("untranslated",), "target is not the source again", rule_untranslated),
    Rule("untranslated_words", ("untranslated_words",),
         "no source word left untranslated in a target of another script",
         rule_untranslated_words),
    Rule("language", ("wrong_language", "language_uncertain"), "target in the requested language",
         rule_language),
    Rule("length_ratio", ("length_ratio", "length_short"), "length plausible for the pair",
         rule_length_ratio),
    Rule("finish_reason", ("truncated_max_tokens", "content_filtered"),
         "the API says the answer is complete", rule_finish_reason),
    Rule("truncated", ("truncated",), "nothing cut off", rule_truncated),
)

__all__ = [
    "RULES",
    "DENSITY",
    "Rule",
    "rule_edge_words",
    "rule_finish_reason",
    "rule_label_multiset",
    "rule_language",
    "rule_length_ratio",
    "rule_name_case",
    "rule_overlap",
    "rule_refusal",
    "rule_same_label_order",
    "rule_sound_swap",
    "rule_span_extent",
    "rule_surface_evidence",
    "rule_token_boundaries",
    "rule_truncated",
    "rule_untranslated",
    "rule_untranslated_words",
]
