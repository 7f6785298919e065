"""How well does the align stage read real answers, and how often does it accept a wrong one?

Cases come from the gold parallel corpora (data/gold): Europarl NER en->de/es/it and UNER PUD
en->zh, zh->en, en->de, on the pairs whose entity label multisets agree. A *perfect* answer is the
gold target sentence tagged (``render_markup``) with the gold target spans under the ids of the
source entities they translate. A catalogue of realistic LLM failure modes is applied to it; every
case is aligned and classified:

- accepted-right: status accepted, target text and every (source_index, start, end) as gold;
- accepted-wrong: accepted but text or spans differ from gold (a silent error: the worst defect);
- flagged: refine / review / rejected.

Modes are *recoverable* (the answer holds the gold result: should be accepted right), *must-flag*
(untranslated, truncated, wrong language, unusable: must never be accepted) or *either* (may be
flagged; accepting it is fine only if it is exactly right).

Each case is handed to the aligner as the translate stage hands it over: with an attempt that
records how the LLM call ended (``finish_reason``). Only a cut by max_tokens (mode ``truncated``)
carries "length", as a real API reports it; a model that ends its answer early on its own
(``stopped_mid_sentence``, ``stopped_after_clause``) says "stop", so only the text can tell.

Silent errors that a documented gold convention explains (``convention()``: articles, outer
quotes, name extents the two golds disagree about) are counted apart, by a mechanical criterion.

Run:  PYTHONPATH=. python benchmarks/align_quality.py [--limit N] [--show MODE]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks._gold import Pair, pairs
from parallelner.align import align_sample  # noqa: E402
from parallelner.align.boundaries import ARTICLES, FUNCTION_WORDS  # noqa: E402
from parallelner.config import AlignConfig  # noqa: E402
from parallelner.markup.render import render_markup
from parallelner.schema import Attempt, EntitySpan, ParallelSample, Provenance  # noqa: E402

Expected = tuple[str, frozenset[tuple[int, int, int]]]


@dataclass
class Case:
    mode: str
    kind: str  # recoverable | must_flag | either
    pair: Pair
    response: str
    expected: Expected | None  # None: no right answer exists (must be flagged)
    finish_reason: str = "stop"  # as the API would report it for this answer


def _targets(pair: Pair) -> list[EntitySpan]:
    """Gold target spans listed in source order, so render ids = source entity positions."""
    return [pair.target.entities[j] for j in pair.mapping]


def _expected(pair: Pair) -> Expected:
    spans = _targets(pair)
    return pair.target.text, frozenset((i, s.start, s.end) for i, s in enumerate(spans))


def perfect(pair: Pair) -> str:
    return render_markup(pair.target.text, _targets(pair))


def _sub_tags(answer: str, fn: Callable[[re.Match[str]], str]) -> str:
    return re.sub(r'</?[A-Z]+(?: id="\d+")?>', fn, answer)


LABEL_SYNONYMS = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION",
                  "MISC": "MISCELLANEOUS"}
LABEL_TRANSLATED = {
    "zh": {"PER": "人物", "LOC": "地点", "ORG": "组织", "MISC": "其他"},
    "de": {"PER": "Person", "LOC": "Ort", "ORG": "Organisation", "MISC": "Sonstiges"},
    "es": {"PER": "Persona", "LOC": "Lugar", "ORG": "Organización", "MISC": "Otro"},
    "it": {"PER": "Persona", "LOC": "Luogo", "ORG": "Organizzazione", "MISC": "Altro"},
    "en": {"PER": "Person", "LOC": "Location", "ORG": "Organization", "MISC": "Other"},
}


def _rename(answer: str, names: dict[str, str]) -> str:
    def fn(m: re.Match[str]) -> str:
        tag = m.group(0)
        label = re.search(r"[A-Z]+", tag).group(0)
        return tag.replace(label, names.get(label, label), 1)

    return _sub_tags(answer, fn)


def _with_spans(pair: Pair, spans: list[EntitySpan], text: str | None = None) -> str:
    return render_markup(text or pair.target.text, spans)


# --- the failure catalogue: each returns (response, expected) or None when it does not apply ---

def m_perfect(p: Pair, rng: random.Random):
    return perfect(p), _expected(p)


def m_chatter(p: Pair, rng: random.Random):
    lead = rng.choice(["Here is the translation:\n\n", "Sure! Here's the translated sentence:\n",
                       "Translation: "])
    tail = rng.choice(["", "\n\nNote: I kept the entity tags exactly as in the source.",
                       "\n\n(The entity tags were preserved.)"])
    return lead + perfect(p) + tail, _expected(p)


def m_code_fence(p: Pair, rng: random.Random):
    return f"```{rng.choice(['', 'xml', 'text'])}\n{perfect(p)}\n```", _expected(p)


def m_quoted(p: Pair, rng: random.Random):
    if p.target.text[:1] in "\"“'«„「":
        return None
    open_, close = rng.choice([('"', '"'), ("“", "”"), ("«", "»")])
    return open_ + perfect(p) + close, _expected(p)


def m_tag_spacing(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None

    def fn(m):
        tag = m.group(0)
        if tag.startswith("</"):
            return tag.replace("</", "</ ")
        return rng.choice([tag.replace('id="', "id = '").replace('">', "' >").replace("<", "< "),
                           tag.replace('id="', "id=").replace('">', ">")])

    return _sub_tags(perfect(p), fn), _expected(p)


def m_lowercase_tags(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None
    return _sub_tags(perfect(p), lambda m: m.group(0).lower()), _expected(p)


def m_synonym_tags(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None
    return _rename(perfect(p), LABEL_SYNONYMS), _expected(p)


def m_translated_tags(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None
    return _rename(perfect(p), LABEL_TRANSLATED[p.target.lang]), _expected(p)


def _labels_unique(p: Pair) -> bool:
    labels = [e.label for e in p.source.entities]
    return bool(labels) and len(set(labels)) == len(labels)


def m_missing_ids(p: Pair, rng: random.Random):
    if not _labels_unique(p):
        return None
    return re.sub(r' id="\d+"', "", perfect(p)), _expected(p)


def m_missing_ids_repeated(p: Pair, rng: random.Random):
    if not p.source.entities or _labels_unique(p):
        return None
    return re.sub(r' id="\d+"', "", perfect(p)), _expected(p)


def m_mismatched_close(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None
    choice = rng.choice(["</>", "</ENT>", "</TAG>"])
    return re.sub(r"</[A-Z]+>", choice, perfect(p), count=1), _expected(p)


def m_fullwidth(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None
    return (_sub_tags(perfect(p), lambda m: m.group(0).replace("<", "＜").replace(">", "＞")),
            _expected(p))


def m_html_escaped(p: Pair, rng: random.Random):
    if not p.source.entities or "&" in p.target.text:
        return None
    return perfect(p).replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"), _expected(p)


def m_emphasis(p: Pair, rng: random.Random):
    if not p.source.entities or "*" in p.target.text:
        return None
    return _sub_tags(perfect(p), lambda m: ("**" + m.group(0)) if not m.group(0).startswith("</")
                     else (m.group(0) + "**")), _expected(p)


def m_spaces_inside(p: Pair, rng: random.Random):
    if not p.source.entities:
        return None
    return _sub_tags(perfect(p), lambda m: m.group(0) + " " if not m.group(0).startswith("</")
                     else " " + m.group(0)), _expected(p)


def m_article_inside(p: Pair, rng: random.Random):
    """The tag swallows the article before the entity (de/es/it/en targets)."""
    arts = ARTICLES.get(p.target.lang, frozenset())
    spans = _targets(p)
    text = p.target.text
    for k, s in enumerate(spans):
        before = text[: s.start]
        m = re.search(r"(\S+) $", before)
        if m and m.group(1).casefold() in arts and not any(
            "'" in a for a in [m.group(1)]
        ):
            src = p.source.entities[k].surface(p.source.text).casefold()
            if src.split()[0] in ARTICLES.get(p.source.lang, ()):  # source starts with one too
                continue
            wider = list(spans)
            wider[k] = EntitySpan(start=m.start(1), end=s.end, label=s.label)
            return render_markup(text, wider), _expected(p)
    return None


def m_punct_inside(p: Pair, rng: random.Random):
    spans = _targets(p)
    text = p.target.text
    for k, s in enumerate(spans):
        if s.end < len(text) and text[s.end] in ",.;:，。" and not any(
            o.start == s.end for o in spans
        ):
            wider = list(spans)
            wider[k] = EntitySpan(start=s.start, end=s.end + 1, label=s.label)
            return render_markup(text, wider), _expected(p)
    return None


def m_bracket_unique(p: Pair, rng: random.Random):
    if not _labels_unique(p):
        return None
    return render_markup(p.target.text, _targets(p), style="bracket"), _expected(p)


def m_bracket_repeated(p: Pair, rng: random.Random):
    if not p.source.entities or _labels_unique(p):
        return None
    return render_markup(p.target.text, _targets(p), style="bracket"), _expected(p)


def _render_ids(text: str, items: list[tuple[int, int, str, int]]) -> str:
    """Tag ``text`` with (start, end, label, id) items (ids written as given)."""
    out, pos = [], 0
    for s, e, label, number in sorted(items):
        out.append(text[pos:s] + f'<{label} id="{number}">{text[s:e]}</{label}>')
        pos = e
    return "".join(out) + text[pos:]


def _drop_tag(p: Pair, k: int) -> str:
    return _render_ids(p.target.text, [(s.start, s.end, s.label, i + 1)
                                       for i, s in enumerate(_targets(p)) if i != k])


def m_untagged_verbatim(p: Pair, rng: random.Random):
    """One entity kept verbatim (a name) but left untagged: found by exact search."""
    spans = _targets(p)
    for k, s in enumerate(spans):
        surface = s.surface(p.target.text)
        if surface == p.source.entities[k].surface(p.source.text) and \
                p.target.text.count(surface) == 1:
            return _drop_tag(p, k), _expected(p)
    return None


def m_extra_tag(p: Pair, rng: random.Random):
    """A tag with an id the source does not have, around a non-entity word: dropped."""
    spans = _targets(p)
    words = [m for m in re.finditer(r"\w{4,}", p.target.text)
             if not any(s.start < m.end() and m.start() < s.end for s in spans)]
    if not words:
        return None
    w = rng.choice(words)
    items = [(s.start, s.end, s.label, i + 1) for i, s in enumerate(spans)]
    items.append((w.start(), w.end(), "MISC", len(spans) + 1))
    return _render_ids(p.target.text, items), _expected(p)


# must-flag

def m_untranslated(p: Pair, rng: random.Random):
    if p.source.text.strip() == p.target.text.strip():
        return None
    return render_markup(p.source.text, list(p.source.entities)), None


def _outside(start: int, end: int, spans) -> bool:
    return not any(s.start < end and start < s.end for s in spans)


def m_untranslated_word(p: Pair, rng: random.Random):
    """One word of the source left as it is in a translation written in another script
    ("…限制移民的 rhetoric不同", "He spoke about 移民 policy"): a small model's habit."""
    if (p.source.lang == "zh") == (p.target.lang == "zh"):
        return None
    rng = random.Random(f"untranslated_word:{p.corpus}:{p.source.id}")  # its own draws
    spans, text = _targets(p), p.target.text
    if p.target.lang == "zh":
        from_source, in_target = r"\b[a-z]{4,}\b", r"[\u4e00-\u9fff]{2}"
    else:
        from_source, in_target = r"[\u4e00-\u9fff]{2,4}", r"\b[a-z]{4,}\b"
    skip = FUNCTION_WORDS.get(p.source.lang, frozenset())
    words = [m.group(0) for m in re.finditer(from_source, p.source.text)
             if _outside(m.start(), m.end(), p.source.entities) and m.group(0) not in skip]
    places = [m for m in re.finditer(in_target, text) if _outside(m.start(), m.end(), spans)]
    if not words or not places:
        return None
    word, at = rng.choice(words), rng.choice(places)
    if p.target.lang == "zh" and rng.random() < 0.5:
        word = " " + word
    delta = len(word) - (at.end() - at.start())
    moved = [EntitySpan(start=s.start + delta, end=s.end + delta, label=s.label)
             if s.start >= at.end() else s for s in spans]
    return render_markup(text[: at.start()] + word + text[at.end():], moved), None


def m_truncated(p: Pair, rng: random.Random):
    answer = perfect(p)
    if len(p.target.text) < 12:
        return None
    cut = int(len(answer) * rng.uniform(0.3, 0.85))
    return answer[:cut], None


_CLAUSE_END = re.compile(r"[,;:.，；：。、](?=\s|$)|[，；：。、]")


def _stop_window(p: Pair) -> tuple[int, int]:
    return int(len(p.target.text) * 0.3), int(len(p.target.text) * 0.85)


def _stopped(p: Pair, body: str, end: str) -> str:
    """The answer of a model that stopped after ``body``: tags after it lost, one it falls in
    closed there (ids stay those of the source entities)."""
    items = [(s.start, min(s.end, len(body)), s.label, i + 1) for i, s in enumerate(_targets(p))
             if s.start < len(body)]
    return _render_ids(body, items) + end


def m_stopped_mid_sentence(p: Pair, rng: random.Random):
    """The model ends its answer on its own after some word (the API says "stop": only the text
    can tell), 30-85% through the translation."""
    if len(p.target.text) < 12:
        return None
    # Its own draws, so that adding this mode left the other modes' cases as they were.
    rng = random.Random(f"stopped_mid_sentence:{p.corpus}:{p.source.id}")
    low, high = _stop_window(p)
    if p.target.lang == "zh":
        cut = rng.randint(low, high)
    else:
        ends = [m.end() for m in re.finditer(r"\S+", p.target.text) if low <= m.end() <= high]
        if not ends:
            return None
        cut = rng.choice(ends)
    return _stopped(p, p.target.text[:cut].rstrip(), ""), None


def m_stopped_after_clause(p: Pair, rng: random.Random):
    """The model closes the sentence after a clause and stops ("… de este dinero." of two
    sentences): it reads as complete; only what is missing can tell."""
    text = p.target.text
    if len(text) < 12:
        return None
    rng = random.Random(f"stopped_after_clause:{p.corpus}:{p.source.id}")
    low, high = _stop_window(p)
    clauses = [m.start() for m in _CLAUSE_END.finditer(text) if low <= m.start() <= high]
    if not clauses:
        return None
    final = text.rstrip()[-1:]
    end = final if final in ".!?。！？" else ("。" if p.target.lang == "zh" else ".")
    return _stopped(p, text[: rng.choice(clauses)].rstrip(), end), None


def m_wrong_language(p: Pair, rng: random.Random, others: dict) -> tuple | None:
    other = others.get((p.corpus, p.source.id))
    if other is None:
        return None
    return render_markup(other.text, list(other.entities)), None


def m_refusal(p: Pair, rng: random.Random):
    return rng.choice(["I'm sorry, but I can't help with that request.", "",
                       "Translation not available."]), None


def _dropped(p: Pair) -> int | None:
    """The first entity whose translation differs from its source surface (None: there is none)."""
    for k, s in enumerate(_targets(p)):
        if s.surface(p.target.text) != p.source.entities[k].surface(p.source.text):
            return k
    return None


def m_dropped_tag(p: Pair, rng: random.Random):
    """One entity translated (surface differs from the source) and left untagged; its source
    surface is nowhere in the target, so nothing can place it."""
    k = _dropped(p)
    if k is None or p.source.entities[k].surface(p.source.text) in p.target.text:
        return None
    return _drop_tag(p, k), None


def m_dropped_tag_found(p: Pair, rng: random.Random):
    """The same failure where the source surface does occur in the target ("Amyntas I" in
    "Amyntas I.", "Halifax" in "Lord Halifax"): a search can find it, and accepting is right only
    when the found span is the gold span."""
    k = _dropped(p)
    if k is None or p.source.entities[k].surface(p.source.text) not in p.target.text:
        return None
    return _drop_tag(p, k), _expected(p)


# either (no right answer, or one that may legitimately be flagged)

def m_swapped_ids(p: Pair, rng: random.Random):
    n = len(p.source.entities)
    if n < 2:
        return None
    a, b = rng.sample(range(n), 2)
    answer = perfect(p).replace(f'id="{a + 1}"', "id=\"@\"").replace(f'id="{b + 1}"',
                                                                     f'id="{a + 1}"')
    return answer.replace('id="@"', f'id="{b + 1}"'), None


def m_span_extended(p: Pair, rng: random.Random):
    spans = _targets(p)
    text = p.target.text
    for k in rng.sample(range(len(spans)), len(spans)):
        s = spans[k]
        m = re.match(r"\s+\w+", text[s.end :])
        if m and not any(o.start < s.end + m.end() and s.end < o.end for o in spans):
            wider = list(spans)
            wider[k] = EntitySpan(start=s.start, end=s.end + m.end(), label=s.label)
            return render_markup(text, wider), None
    return None


def m_span_shrunk(p: Pair, rng: random.Random):
    spans = _targets(p)
    text = p.target.text
    for k, s in enumerate(spans):
        m = re.search(r"\s+\S+$", text[s.start : s.end])
        if m:
            narrower = list(spans)
            narrower[k] = EntitySpan(start=s.start, end=s.start + m.start(), label=s.label)
            return render_markup(text, narrower), None
    return None


def m_wrong_word_tagged(p: Pair, rng: random.Random):
    """The tag sits on another word of the sentence than the entity's translation."""
    spans = _targets(p)
    text = p.target.text
    if not spans:
        return None
    words = [m for m in re.finditer(r"\w{3,}", text)
             if not any(s.start < m.end() and m.start() < s.end for s in spans)]
    if not words:
        return None
    k = rng.randrange(len(spans))
    w = rng.choice(words)
    moved = list(spans)
    moved[k] = EntitySpan(start=w.start(), end=w.end(), label=spans[k].label)
    return render_markup(text, moved), None


MODES: list[tuple[str, str, Callable]] = [
    ("perfect", "recoverable", m_perfect),
    ("chatter", "recoverable", m_chatter),
    ("code_fence", "recoverable", m_code_fence),
    ("quoted", "recoverable", m_quoted),
    ("tag_spacing", "recoverable", m_tag_spacing),
    ("lowercase_tags", "recoverable", m_lowercase_tags),
    ("synonym_tags", "recoverable", m_synonym_tags),
    ("translated_tags", "recoverable", m_translated_tags),
    ("missing_ids", "recoverable", m_missing_ids),
    ("mismatched_close", "recoverable", m_mismatched_close),
    ("fullwidth", "recoverable", m_fullwidth),
    ("html_escaped", "recoverable", m_html_escaped),
    ("emphasis", "recoverable", m_emphasis),
    ("spaces_inside", "recoverable", m_spaces_inside),
    ("article_inside", "recoverable", m_article_inside),
    ("punct_inside", "recoverable", m_punct_inside),
    ("bracket_unique", "recoverable", m_bracket_unique),
    ("untagged_verbatim", "recoverable", m_untagged_verbatim),
    ("extra_tag", "recoverable", m_extra_tag),
    ("untranslated", "must_flag", m_untranslated),
    ("untranslated_word", "must_flag", m_untranslated_word),
    ("truncated", "must_flag", m_truncated),
    ("stopped_mid_sentence", "must_flag", m_stopped_mid_sentence),
    ("stopped_after_clause", "must_flag", m_stopped_after_clause),
    ("wrong_language", "must_flag", m_wrong_language),
    ("refusal", "must_flag", m_refusal),
    ("dropped_tag", "must_flag", m_dropped_tag),
    ("dropped_tag_found", "either", m_dropped_tag_found),
    ("missing_ids_repeated", "either", m_missing_ids_repeated),
    ("bracket_repeated", "either", m_bracket_repeated),
    ("swapped_ids", "either", m_swapped_ids),
    ("span_extended", "either", m_span_extended),
    ("span_shrunk", "either", m_span_shrunk),
    ("wrong_word_tagged", "either", m_wrong_word_tagged),
]


def _others(all_pairs: list[Pair]) -> dict:
    """For wrong_language: the same source sentence's translation in another language."""
    by_source: dict[tuple[str, str], dict[str, object]] = defaultdict(dict)
    for p in all_pairs:
        family = p.corpus.split()[0]
        by_source[(family, p.source.lang + p.source.id)][p.target.lang] = p.target
    out = {}
    for p in all_pairs:
        family = p.corpus.split()[0]
        options = by_source[(family, p.source.lang + p.source.id)]
        for lang, sent in sorted(options.items()):
            if lang != p.target.lang and lang != p.source.lang:
                out[(p.corpus, p.source.id)] = sent
                break
    return out


def build_cases(all_pairs: list[Pair], seed: int = 13) -> list[Case]:
    rng = random.Random(seed)
    others = _others(all_pairs)
    cases = []
    for p in all_pairs:
        for mode, kind, fn in MODES:
            made = fn(p, rng, others) if fn is m_wrong_language else fn(p, rng)
            if made is None:
                continue
            response, expected = made
            # A cut by max_tokens is what the API reports as finish_reason "length".
            cases.append(Case(mode, kind, p, response, expected,
                              "length" if mode == "truncated" else "stop"))
    return cases


def classify(case: Case, config: AlignConfig,
             finish_reason: str | None = "") -> tuple[str, ParallelSample]:
    """Align the case as the translate stage hands it over (its attempt records how the call
    ended); ``finish_reason`` overrides that ("" keeps the case's, None records nothing)."""
    p = case.pair
    reason = case.finish_reason if finish_reason == "" else finish_reason
    sample = ParallelSample(
        id=f"{p.corpus}:{p.source.id}", source_lang=p.source.lang, target_lang=p.target.lang,
        source_text=p.source.text, source_entities=list(p.source.entities), response=case.response,
        provenance=Provenance(attempts=[Attempt(stage="translate", response=case.response,
                                                finish_reason=reason)]),
    )
    out = align_sample(sample, config)
    if out.status is None or out.status.value != "accepted":
        return "flagged", out
    got = (out.target_text,
           frozenset((t.source_index, t.start, t.end) for t in out.target_entities))
    return ("accepted_right" if case.expected is not None and got == case.expected
            else "accepted_wrong"), out


# The silent-error goal is measured on realistic answers: the recoverable and must-flag modes,
# and the dropped tags a search can find (split off the must-flag dropped_tag mode). The other
# "either" modes (ids missing among same-label entities, misplaced tags) are reported apart.
REALISTIC = {m for m, kind, _ in MODES if kind != "either"} | {"dropped_tag_found"}
EARLY_STOPS = {"stopped_mid_sentence", "stopped_after_clause"}

_OUTER_QUOTES = "\"“”«»„「」"


def _core(text: str) -> str:
    """The text without one pair of quotes around all of it."""
    if len(text) >= 2 and text[0] in _OUTER_QUOTES and text[-1] in _OUTER_QUOTES:
        return text[1:-1].strip()
    return text


def _starts_with_article(piece: str, lang: str) -> bool:
    """``piece`` (what the gold span has before the accepted one) is one article: "the ", "L'"."""
    word = piece.replace("’", "'").casefold()
    return word.strip() in ARTICLES.get(lang, ()) and (word.endswith(" ") or word.endswith("'"))


def _overlapping_in_source(p: Pair, i: int, gold_surface: str) -> bool:
    """The gold target surface occurs in the source sentence overlapping source entity i."""
    ent = p.source.entities[i]
    pos = p.source.text.find(gold_surface)
    while pos >= 0:
        if pos < ent.end and ent.start < pos + len(gold_surface):
            return True
        pos = p.source.text.find(gold_surface, pos + 1)
    return False


def convention(case: Case, out: ParallelSample) -> str | None:
    """Name the documented gold convention that explains an accepted answer differing from gold,
    or None. Applied mechanically to every accepted-wrong case; each difference must be one of:

    - ``article``: the gold span starts with a leading article of the target language that the
      accepted span leaves out ("the Netherlands" / "Netherlands", "L'Italia" / "Italia"). The
      golds put such articles outside the span almost always (Europarl en 371 of 372, it 427 of
      428, de 437 of 437, es 440 of 440; UNER en 211 of 223, de 251 of 253; "the Alps" both ways);
    - ``outer quotes``: the texts differ only by quotes around the whole sentence, the accepted
      text has them exactly when the source does, and every span covers the same words (UNER zh
      sentences drop the quotes of their English originals; UNER de ones too);
    - ``extent``: the accepted span is the source entity's surface, copied verbatim, and the gold
      target span is a string that occurs in the source sentence overlapping that entity: the
      source gold and the target gold draw different boundaries on the same words ("Lord Halifax"
      in both sentences, the English gold tags "Halifax", the German one "Lord Halifax").
    """
    if case.expected is None or out.target_text is None:
        return None
    p = case.pair
    gold_text, gold_spans = case.expected
    text, kinds = out.target_text, set()
    core = _core(text)
    if text != gold_text:
        source_quoted = _core(p.source.text.strip()) != p.source.text.strip()
        if core != _core(gold_text) or (core != text) != source_quoted:
            return None
        kinds.add("outer quotes")
    shift_out, shift_gold = text.index(core), gold_text.index(core)
    got = {t.source_index: (t.start - shift_out, t.end - shift_out) for t in out.target_entities}
    want = {i: (s - shift_gold, e - shift_gold) for i, s, e in gold_spans}
    if set(got) != set(want):
        return None
    for i, (gs, ge) in want.items():
        a_s, a_e = got[i]
        if (a_s, a_e) == (gs, ge):
            continue
        if a_e == ge and gs < a_s and _starts_with_article(core[gs:a_s], p.target.lang):
            kinds.add("article")
        elif core[a_s:a_e] == p.source.entities[i].surface(p.source.text) and \
                _overlapping_in_source(p, i, core[gs:ge]):
            kinds.add("extent")
        else:
            return None
    return " + ".join(sorted(kinds)) if kinds else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N pairs per corpus")
    ap.add_argument("--show", default="", help="print failing cases of this mode")
    ap.add_argument("--show-max", type=int, default=15)
    ap.add_argument("--length-short-sigmas", type=float, default=None,
                    help="align.length_short_sigmas to measure instead of the default")
    args = ap.parse_args()
    t0 = time.perf_counter()
    all_pairs, skipped = pairs()
    if args.limit:
        seen: Counter[str] = Counter()
        kept = []
        for p in all_pairs:
            seen[p.corpus] += 1
            if seen[p.corpus] <= args.limit:
                kept.append(p)
        all_pairs = kept
    cases = build_cases(all_pairs)
    config = AlignConfig() if args.length_short_sigmas is None else \
        AlignConfig(length_short_sigmas=args.length_short_sigmas)
    table: dict[str, Counter[str]] = defaultdict(Counter)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    shown = 0
    conventions: dict[str, Counter[str]] = defaultdict(Counter)  # mode -> convention -> count
    t1 = time.perf_counter()
    for case in cases:
        verdict, out = classify(case, config)
        table[case.mode][verdict] += 1
        if verdict == "accepted_wrong" and (why := convention(case, out)):
            conventions[case.mode][why] += 1
        statuses[case.mode][out.status.value if out.status else "none"] += 1
        bad = (verdict == "accepted_wrong") or (case.kind == "recoverable" and verdict == "flagged")
        if args.show in (case.mode, "all") and bad and shown < args.show_max:
            shown += 1
            print(f"--- {case.mode} {verdict} {case.pair.corpus} {case.pair.source.id}")
            print("source  :", case.pair.source.text)
            print("answer  :", case.response[:400])
            print("gold    :", case.pair.target.text,
                  [(i, s, e) for i, s, e in sorted(case.expected[1])] if case.expected else "")
            print("got     :", out.target_text,
                  [(t.source_index, t.start, t.end) for t in out.target_entities])
            for issue in out.issues:
                print("   ", issue.code, issue.entity_index, issue.message[:160])
    t2 = time.perf_counter()
    print(f"pairs: {len(all_pairs)} clean ({sum(skipped.values())} left out: label multisets "
          f"differ {skipped}); cases: {len(cases)}; aligned in {t2 - t1:.1f} s "
          f"({len(cases) / (t2 - t1):,.0f}/s, single process)\n")
    header = (f"{'mode':22} {'kind':12} {'cases':>6} {'acc.right':>10} {'acc.WRONG':>10} "
              f"{'flagged':>8}  statuses")
    print(header)
    print("-" * len(header))
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for mode, kind, _ in MODES:
        c = table[mode]
        n = sum(c.values())
        if not n:
            continue
        totals[kind].update(c)
        totals["all"].update(c)
        st = ", ".join(f"{k} {v}" for k, v in statuses[mode].most_common())
        print(f"{mode:22} {kind:12} {n:6} {c['accepted_right'] / n:10.1%} {c['accepted_wrong']:10} "
              f"{c['flagged'] / n:8.1%}  {st}")
    print()
    rec = totals["recoverable"]
    rec_n = sum(rec.values())
    must = totals["must_flag"]
    must_n = sum(must.values())
    print(f"recoverable accepted exactly right: {rec['accepted_right']}/{rec_n} = "
          f"{rec['accepted_right'] / max(rec_n, 1):.2%}   (goal >= 98%)")
    def silent(modes: set[str]) -> tuple[int, int, Counter[str]]:
        wrong = sum(table[m]["accepted_wrong"] for m in modes)
        acc = wrong + sum(table[m]["accepted_right"] for m in modes)
        conv: Counter[str] = Counter()
        for m in modes:
            conv.update(conventions[m])
        return wrong, acc, conv

    print("accepted but wrong (silent errors):")
    for name, modes in (
        ("realistic modes (recoverable, must-flag, dropped_tag_found)", REALISTIC),
        ("  the same without the early stops", REALISTIC - EARLY_STOPS),
        ("  the early stops alone (no right answer: every accepted one is wrong)", EARLY_STOPS),
        ("misplaced-tag modes (either, adversarial)", {m for m, _, _ in MODES} - REALISTIC),
        ("all modes", {m for m, _, _ in MODES}),
    ):
        wrong, acc, conv = silent(modes)
        explained = sum(conv.values())
        kinds = ", ".join(f"{k} {v}" for k, v in conv.most_common()) or "-"
        print(f"  {name}: {wrong}/{acc} accepted = {wrong / max(acc, 1):.3%}; explained by a "
              f"documented gold convention {explained} ({kinds})"
              f" -> otherwise {wrong - explained}/{acc} = {(wrong - explained) / max(acc, 1):.3%}")
    print("  (goal <= 0.5% on realistic answers; conventions: see convention() in this file)")
    adv = totals["either"]
    print(f"  misplaced tags: {adv['flagged']}/{sum(adv.values())} of the either-kind cases "
          "flagged")
    for mode in ("untranslated", "untranslated_word", "truncated", *sorted(EARLY_STOPS)):
        c = table[mode]
        n = sum(c.values())
        print(f"{mode} flagged: {c['flagged']}/{n}   (goal: all)")
    # The API's word is the whole story for max_tokens cuts; what the text alone tells:
    cut = [c for c in cases if c.mode == "truncated"]
    by_text = sum(classify(c, config, finish_reason=None)[0] == "flagged" for c in cut)
    print(f"  truncated answers flagged by the text alone (no finish_reason recorded): "
          f"{by_text}/{len(cut)}")
    print(f"must-flag modes flagged: {must['flagged']}/{must_n}")
    print(f"\n{len(cases)} cases in {time.perf_counter() - t0:.1f} s. Rerun: "
          "PYTHONPATH=. python benchmarks/align_quality.py")


if __name__ == "__main__":
    main()
