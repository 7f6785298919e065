"""Every issue code the align stage can raise: its meaning, its cost, where it sends a sample.

A code has an *action*, the least severe status the sample can have once the code is present:

- ``note``: a tolerated deviation; only lowers confidence (the sample may still be accepted).
- ``review``: needs a person's judgment; never accepted automatically.
- ``refine``: the LLM can fix it (missing tag, untranslated, truncated…): back to the LLM.
- ``reject``: nothing usable (no answer at all, malformed input record).

and a *penalty* in [0, 1]: the sample confidence is multiplied by ``1 - penalty`` once per code
(a code met several times in one answer costs once: one cause, one cost). Span-level codes cost the
span (see ``confidence``) instead. The table is the single source of truth for docs and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Action(IntEnum):
    note = 0
    review = 1
    refine = 2
    reject = 3


@dataclass(frozen=True)
class Code:
    code: str
    action: Action
    penalty: float
    meaning: str
    span_level: bool = False


_N, _V, _F, _R = Action.note, Action.review, Action.refine, Action.reject

CODES: dict[str, Code] = {
    c.code: c
    for c in [
        # --- parsing tolerances (markup.parse) -----------------------------------------------
        Code("markup_chatter", _N, 0.02, "text before/after the translation was removed"),
        Code("markup_code_fence", _N, 0.01, "the translation sat in a code fence"),
        Code("markup_quoted", _N, 0.01, "quotes around the whole answer were removed"),
        Code("markup_tag_format", _N, 0.02, "a tag was written with other spacing/quoting/id form"),
        Code("markup_fullwidth", _N, 0.03, "a tag used full-width brackets or quotes"),
        Code("markup_html_escaped", _N, 0.02, "HTML escapes were decoded"),
        Code("markup_tag_whitespace", _N, 0.01, "spaces inside a tag were moved out of the span"),
        Code("markup_emphasis", _N, 0.03, "markdown emphasis around tags was removed"),
        Code("markup_mismatched_close", _N, 0.04, "a closing tag did not match its opening tag"),
        Code("markup_multiline", _V, 0.15, "several lines of text; joined"),
        Code("markup_multiple_candidates", _V, 0.2,
             "several tagged candidates; the first was used"),
        Code("markup_mixed_styles", _V, 0.1, "tags of several markup styles in one answer"),
        Code("markup_nested", _F, 0.3, "a tag opens inside another tag"),
        Code("markup_stray_close", _F, 0.2, "a closing tag without an opening tag"),
        Code("markup_unclosed", _F, 0.3, "a tag is never closed"),
        Code("markup_leftover", _F, 0.3, "unparsed markup remains in the text"),
        # --- tags to source entities (assign) -------------------------------------------------
        Code("tag_label_case", _N, 0.01, "tag name differs from the source label only in case"),
        Code("tag_label_synonym", _N, 0.03, "tag name is a synonym of the source label", True),
        Code("tag_label_translated", _N, 0.04, "tag name is a translation of the source label",
             True),
        Code("tag_label_changed", _V, 0.2, "tag label differs from the source entity's label",
             True),
        Code("tag_id_missing", _N, 0.05, "tag without id, matched by its label (unambiguous)",
             True),
        Code("tag_id_missing_ambiguous", _V, 0.3, "tags without ids matched by label order", True),
        Code("tag_id_unknown", _N, 0.05, "a tag whose id matches no source entity was dropped"),
        Code("tag_label_unknown", _F, 0.2, "a tag without a usable id or label was dropped"),
        Code("tag_id_duplicate", _V, 0.3, "several tags carry the same id; one was kept", True),
        # --- boundaries (boundaries) ----------------------------------------------------------
        Code("span_whitespace_trimmed", _N, 0.0, "spaces inside a tag were trimmed", True),
        Code("span_punct_trimmed", _N, 0.02, "punctuation at a span edge was trimmed", True),
        Code("span_article_trimmed", _N, 0.02, "a leading article/determiner was trimmed", True),
        Code("span_grapheme_snapped", _N, 0.02, "a span edge split a character (a letter and its "
             "combining accent, an emoji sequence); the span was grown to whole characters",
             True),
        # --- untagged entities found by search (matching) --------------------------------------
        Code("entity_found_exact", _N, 0.0, "an untagged entity was found verbatim (unique)", True),
        Code("entity_found_partial", _V, 0.2, "a found name may be part of a longer name", True),
        Code("entity_found_normalized", _V, 0.0,
             "an untagged entity was found after normalizing", True),
        Code("entity_found_fuzzy", _F, 0.0, "an untagged entity was found only fuzzily", True),
        Code("entity_missing", _F, 0.5, "a source entity is not tagged nor found in the target",
             True),
        Code("entity_ambiguous", _F, 0.5,
             "an untagged entity occurs several times in the target", True),
        # --- validation rules (rules) ----------------------------------------------------------
        Code("label_multiset", _V, 0.1, "tag labels differ from the source label multiset"),
        Code("span_empty", _F, 0.5, "a tag wraps no text", True),
        Code("span_overlap", _F, 0.5, "two spans overlap", True),
        Code("span_token_boundary", _F, 0.4, "a span cuts through a token", True),
        Code("span_surface_conflict", _V, 0.4, "the span text contradicts the source surface",
             True),
        Code("span_edge_function_word", _V, 0.3, "a span starts/ends with a function word", True),
        Code("span_name_case", _V, 0.3, "a person/place name without a capital letter", True),
        Code("span_extent", _V, 0.3, "a span may have lost or swallowed words", True),
        Code("span_order", _V, 0.3, "same-label entities swap places far apart: ids swapped?",
             True),
        Code("span_sound_swap", _V, 0.3, "two same-label names sound like each other's spans "
             "(pinyin): ids swapped?", True),
        Code("refusal", _F, 0.8, "the answer is an apology or refusal"),
        Code("wrong_language", _F, 0.6, "the target is not in the requested language"),
        Code("language_uncertain", _V, 0.2, "language detectors disagree about the target"),
        Code("untranslated", _F, 0.7, "the target is (nearly) the source text"),
        Code("untranslated_words", _F, 0.4, "source words are left untranslated in a target "
             "written in another script"),
        Code("length_ratio", _F, 0.4, "target/source length ratio is out of bounds"),
        Code("length_short", _F, 0.4, "target far shorter than the source for its length: a part "
             "may be missing"),
        Code("truncated", _F, 0.6, "the answer looks cut off"),
        Code("truncated_max_tokens", _F, 0.8,
             'the API reported the answer cut off at max_tokens (finish_reason "length")'),
        Code("content_filtered", _F, 0.8,
             'the API reported the answer stopped by its content filter'),
        Code("empty_response", _R, 1.0, "no answer, or no text left after parsing"),
        Code("invalid_record", _R, 1.0, "the input line is not a valid record"),
        Code("sample_too_many_entities", _R, 1.0,
             "the sample has more entities than align.bounds.max_entities"),
        Code("sample_too_long", _R, 1.0,
             "the sample's text is longer than align.bounds.max_chars"),
        # --- plan-time checks of the source (precheck; ontology.check_labels) ----------------
        Code("unknown_label", _R, 1.0, "a source entity's label is not in its label scheme"),
        Code("source_wrong_language", _R, 1.0,
             "the source text is not in the sample's declared language"),
        # --- projection mode (parallelner.stages.project): tagging a given translation -----------
        Code("projection_reanchored", _N, 0.02, "the model changed a few characters of the given "
             "translation; spans were moved onto the given text"),
        Code("projection_rewritten", _V, 0.3, "the model rewrote the given translation; only "
             "spans whose text is unchanged were kept"),
        Code("projection_unparsed", _N, 0.05, "the list answer names no target words"),
        Code("projection_words_not_found", _N, 0.05, "words the model named are not in the "
             "given translation"),
        Code("projection_words_fuzzy", _N, 0.05, "words the model named match the given "
             "translation only fuzzily"),
        Code("projection_words_trimmed", _N, 0.0, "words the model named hold the source name "
             "verbatim; the span was cut to it"),
    ]
}


def code_info(code: str) -> Code:
    """Look a code up; an unknown code is a programming error, said loudly."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(
            f"unknown align issue code {code!r}: add it to parallelner.align.issues"
        ) from None


def markdown_table() -> str:
    """The issue-code table of ``parallelner/align/README.md`` (a test keeps them equal).

    Regenerate: ``python -c "from parallelner.align.issues import markdown_table as t; print(t())"``
    """
    rows = ["| code | action | penalty | scope | meaning |", "|---|---|---|---|---|"]
    rows += [f"| `{c.code}` | {c.action.name} | {c.penalty:g} | "
             f"{'span' if c.span_level else 'sample'} | {c.meaning} |" for c in CODES.values()]
    return "\n".join(rows)
