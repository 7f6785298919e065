"""How well does the round trip (parallelner.verify) tell right translations from wrong ones?

Everything here is measured on the gold parallel corpora (data/gold, via ``_gold.pairs``) with a
*simulated competent translator*: the back-translation of a right target is the source sentence
(exact), or the source perturbed the way a real back-translation differs from its original
(``--style paraphrase``: other words for 15% of the content words, dropped function words,
changed endings, names in spelling variants taken from the other gold languages, diacritics
dropped, simplified for traditional characters). The back-translation of a wrong target says
what the target says: an early stop comes back cut at the same place, a wrong name comes back as
that name (its source-language form from the gold pair it came from).

Parts:
1. ``names``: name scores of the same name in other spellings (a PER entity and its surface in the
   other gold languages of the same sentence) against other names of the same label: the
   threshold and what it separates.
2. ``gold``: every gold pair as an accepted sample, verified against its gold back-translation:
   the share flagged (goal <= 1%).
3. ``catalogue``: the cases of ``align_quality.py`` (both early-stop modes included) and a new
   mode ``wrong_name`` (one target entity replaced by another same-label name of the corpus),
   aligned, then verified: silent errors of the accepted before and after (goal <= 0.5%), and the
   recoverable cases accepted exactly right after (goal >= 97.5%).
4. ``signals``: the cheap signals of ``suspicious`` mode on right and wrong accepted samples: the
   band, the share selected, the wrong ones caught.
5. ``endpoint``: the round trip through ``verify_samples`` over HTTP, by default against our test
   server answering as the simulated competent translator (the whole path: prompt, batches,
   parsing, ledger); ``--base-url URL --model M`` measures a real model the same way.

Run:  PYTHONPATH=. python benchmarks/verify_quality.py [--limit N] [--style exact|paraphrase|both]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from benchmarks._gold import Pair, pairs
from benchmarks.align_quality import (
    EARLY_STOPS,
    MODES,
    REALISTIC,
    Case,
    _render_ids,
    _targets,
    build_cases,
    classify,
    convention,
    perfect,
)
from parallelner.align.hanzi import fold as fold_han  # noqa: E402
from parallelner.config import AlignConfig  # noqa: E402
from parallelner.markup.render import render_markup
from parallelner.schema import EntitySpan, ParallelSample, Status, TargetSpan  # noqa: E402
from parallelner.verify import VerifyConfig, apply, name_score, selected, signals  # noqa: E402
from parallelner.verify.apply import findings_for  # noqa: E402
from parallelner.verify.compare import (  # noqa: E402
    SCALES,  # noqa: E402
    find_name,
    fold,
    negations,
)
from parallelner.verify.select import Signals, is_suspicious  # noqa: E402

_WORD = re.compile(r"[^\W\d_]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_QUOTES = "\"“”«»„「」"


# --- the simulated back-translations -----------------------------------------------------------

@dataclass
class Back:
    """A back-translation before rendering: text and (start, end, label, id) tag items."""

    text: str
    items: list[tuple[int, int, str, int]]

    def render(self) -> str:
        return _render_ids(self.text, self.items)


def exact_back(pair: Pair) -> Back:
    src = pair.source
    return Back(src.text, [(e.start, e.end, e.label, i + 1) for i, e in enumerate(src.entities)])


class Paraphraser:
    """Perturbs a back-translation the way a real one differs from its original (seeded)."""

    def __init__(self, all_pairs: list[Pair], variants: dict[tuple[str, str, int], list[str]]):
        self.vocab: dict[str, list[str]] = defaultdict(list)
        for p in all_pairs:
            self.vocab[p.source.lang] += _WORD.findall(p.source.text)
        self.variants = variants

    def __call__(self, back: Back, pair: Pair, rng: random.Random) -> Back:
        lang = pair.source.lang
        pieces: list[tuple[str, tuple[str, int] | None]] = []
        pos = 0
        for s, e, label, n in sorted(back.items):
            pieces += [(w, None) for w in self._words(back.text[pos:s], lang, rng)]
            pieces.append((self._name(back.text[s:e], pair, n - 1, rng), (label, n)))
            pos = e
        pieces += [(w, None) for w in self._words(back.text[pos:], lang, rng)]
        text, items = "", []
        for piece, tag in pieces:
            if tag:
                items.append((len(text), len(text) + len(piece), tag[0], tag[1]))
            text += piece
        return Back(text, items)

    def _words(self, chunk: str, lang: str, rng: random.Random) -> list[str]:
        out: list[str] = []
        prev = ""
        for tok in re.split(r"(\s+)", chunk):
            if not tok or tok.isspace() or not _WORD.search(tok):
                out.append(tok)
                prev = prev if tok.isspace() else tok
                continue
            after_number, prev = any(map(str.isdigit, prev)), tok
            if after_number and fold(_WORD.search(tok).group(0)) in SCALES.get(lang, {}):
                out.append(tok)  # a number's size word ("EUR 540 million") is kept, as digits are
                continue
            if negations(tok, lang):
                out.append(tok)  # a rewording keeps "not": dropping it says the opposite
                continue
            if lang == "zh":
                out.append("".join(rng.choice(self.vocab["zh"])[:1] if _HAN.match(c)
                                   and rng.random() < 0.15 else c for c in tok))
                continue
            r = rng.random()
            word = _WORD.search(tok).group(0)
            if len(word) <= 3 and r < 0.25:
                out.append(tok.replace(word, "", 1).strip() or "")  # a function word dropped
            elif len(word) > 3 and r < 0.15:
                out.append(tok.replace(word, rng.choice(self.vocab[lang]), 1))  # other word
            elif len(word) > 5 and r < 0.35:
                out.append(tok.replace(word, word[: rng.randint(5, len(word) - 1)], 1))  # ending
            else:
                out.append(tok)
        return out

    def _name(self, surface: str, pair: Pair, i: int, rng: random.Random) -> str:
        options = self.variants.get((pair.corpus.split()[0], pair.source.id, i), [])
        r = rng.random()
        if options and r < 0.5:
            return rng.choice(options)
        if r < 0.7:
            return fold_han(surface) if pair.source.lang == "zh" else _strip_accents(surface)
        return surface


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_variants(all_pairs: list[Pair]) -> dict[tuple[str, str, int], list[str]]:
    """(corpus family, source id, entity) -> the PER surfaces other gold languages give it in
    Latin script: real spelling variants of one name ("Kaczyński" / "Kaczynski")."""
    out: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for p in all_pairs:
        if p.source.lang == "zh" or p.target.lang == "zh":
            continue
        for i, j in enumerate(p.mapping):
            if p.source.entities[i].label != "PER":
                continue
            t = p.target.entities[j].surface(p.target.text)
            s = p.source.entities[i].surface(p.source.text)
            if t != s:
                out[(p.corpus.split()[0], p.source.id, i)].append(t)
    return out


def aligned_gold(pair: Pair) -> ParallelSample:
    """A gold pair as the align stage would hand over a perfect answer: accepted, confidence 1."""
    spans = _targets(pair)
    return ParallelSample(
        id=f"{pair.corpus}:{pair.source.id}", source_lang=pair.source.lang,
        target_lang=pair.target.lang, source_text=pair.source.text,
        source_entities=list(pair.source.entities), response=perfect(pair),
        target_text=pair.target.text,
        target_entities=[TargetSpan(start=s.start, end=s.end, label=s.label, source_index=i,
                                    confidence=1.0) for i, s in enumerate(spans)],
        confidence=1.0, status=Status.accepted)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def simulated_back(case: Case, out: ParallelSample, rng: random.Random) -> Back:
    """What a competent translator gives back for the accepted target ``out``: the source cut
    where the target stops, each tag around the source words its target span translates."""
    p = case.pair
    src, gold = p.source, p.target.text
    text = out.target_text or ""
    inverse = {j: i for i, j in enumerate(p.mapping)}
    # Where the target stops, as a share of the gold (outer quotes aside: they change nothing).
    core, gold_core = text.strip().strip(_QUOTES), gold.strip().strip(_QUOTES)
    common = 0
    while common < min(len(core), len(gold_core)) and core[common] == gold_core[common]:
        common += 1
    items = []
    for t in out.target_entities:
        hits = [(j, _overlap((t.start, t.end), (g.start, g.end)))
                for j, g in enumerate(p.target.entities)]
        j, size = max(hits, key=lambda h: h[1], default=(None, 0))
        if j is not None and size:
            ent = src.entities[inverse[j]]
            g = p.target.entities[j]
            start, end = ent.start, ent.end
            if t.end > g.end and (m := re.match(r"\s*\S+", src.text[end:])):
                end += m.end()  # the span swallowed a word: so does its back-translation
            elif t.end < g.end and " " in src.text[start:end]:
                end = start + src.text[start:end].rstrip().rfind(" ")  # lost its last word
        else:
            words = [m.span() for m in _WORD.finditer(src.text)
                     if not any(_overlap(m.span(), (e.start, e.end)) for e in src.entities)]
            if not words:
                continue
            start, end = rng.choice(words)
        items.append((start, end, t.label, (t.source_index or 0) + 1))
    cut = len(src.text)
    if common < len(gold_core) - 1 and len(core) < len(gold_core) - 1 and core:
        cut = int(len(src.text) * common / max(len(gold_core), 1))
        cut = max([cut, *(e for _, e, _, _ in items)])
        if src.lang != "zh":
            m = re.search(r"\S*", src.text[cut:])
            cut += m.end() if m else 0
        final = text.rstrip()[-1:]
        tail = final if final in ".!?。！？" else ""
        body = src.text[:cut].rstrip() + tail
        return Back(body, [it for it in items if it[1] <= cut])
    return Back(src.text, sorted(set(items)))


def wrong_name_cases(all_pairs: list[Pair]) -> tuple[list[Case], dict[int, Back]]:
    """One target entity replaced by another name of the same label and language pair from the
    corpus (transliterated where the script differs, as the gold translation of that name is);
    the back-translation names that other name in the source language."""
    donors: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for p in all_pairs:
        for i, j in enumerate(p.mapping):
            e, t = p.source.entities[i], p.target.entities[j]
            donors[(p.source.lang, p.target.lang, e.label)].append(
                (e.surface(p.source.text), t.surface(p.target.text)))
    cases, backs = [], {}
    for p in all_pairs:
        if not p.source.entities:
            continue
        rng = random.Random(f"wrong_name:{p.corpus}:{p.source.id}")
        k = rng.randrange(len(p.source.entities))
        ent = p.source.entities[k]
        s_surface = ent.surface(p.source.text)
        spans = _targets(p)
        t_surface = spans[k].surface(p.target.text)
        pool = [d for d in donors[(p.source.lang, p.target.lang, ent.label)]
                if fold(d[0]) != fold(s_surface) and d[1] != t_surface
                and fold(d[0]) not in fold(s_surface) and fold(s_surface) not in fold(d[0])]
        if not pool:
            continue
        d_src, d_tgt = rng.choice(pool)
        g = spans[k]
        shift = len(d_tgt) - (g.end - g.start)
        text = p.target.text[: g.start] + d_tgt + p.target.text[g.end:]
        moved = [EntitySpan(start=s.start + (shift if s.start >= g.end else 0),
                            end=s.end + (shift if s.start >= g.end else 0)
                            if n != k else g.start + len(d_tgt), label=s.label)
                 for n, s in enumerate(spans)]
        case = Case("wrong_name", "must_flag", p, render_markup(text, moved), None)
        b_shift = len(d_src) - (ent.end - ent.start)
        b_text = p.source.text[: ent.start] + d_src + p.source.text[ent.end:]
        items = [(e.start + (b_shift if e.start >= ent.end else 0),
                  (e.end + (b_shift if e.start >= ent.end else 0)) if n != k
                  else ent.start + len(d_src), e.label, n + 1)
                 for n, e in enumerate(p.source.entities)]
        backs[id(case)] = Back(b_text, items)
        cases.append(case)
    return cases, backs


# --- the parts -----------------------------------------------------------------------------------

def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def part_names(all_pairs: list[Pair], variants: dict, cfg: VerifyConfig) -> None:
    same = []
    for (family, sid, i), options in variants.items():
        src = next(p.source for p in all_pairs if p.corpus.split()[0] == family
                   and p.source.id == sid)
        surface = src.entities[i].surface(src.text)
        same += [name_score(surface, v, src.lang) for v in options]
    by_label: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in all_pairs:
        for e in p.source.entities:
            by_label[(p.source.lang, e.label)].append(e.surface(p.source.text))
    rng = random.Random(7)
    other: dict[str, list[float]] = defaultdict(list)
    for (lang, label), names in sorted(by_label.items()):
        uniq = sorted(set(names))
        for a in uniq:
            b = rng.choice(uniq)
            if fold(a) == fold(b) or fold(a) in fold(b) or fold(b) in fold(a):
                continue
            other[f"{lang} {label}"].append(name_score(a, b, lang))
    print(f"1. names: score of the same PER name in another gold language's spelling "
          f"({len(same)} pairs) vs another name of the same label")
    print(f"   same name: 1st pct {_pct(same, 0.01):.0f}, 5th {_pct(same, 0.05):.0f}, "
          f"median {_pct(same, 0.5):.0f}")
    thresholds = (50, 55, 60, 62, 65, 70, 75)
    print("   threshold            " + "".join(f"{t:>7}" for t in thresholds))
    print("   same flagged         " + "".join(
        f"{sum(s < t for s in same) / max(len(same), 1):7.1%}" for t in thresholds))
    for key, scores in sorted(other.items()):
        print(f"   other {key:14} " + "".join(
            f"{sum(s < t for s in scores) / len(scores):7.1%}" for t in thresholds)
            + f"   ({len(scores)} names)")
    print(f"   configured name_threshold = {cfg.name_threshold:g}\n")


def part_search(all_pairs: list[Pair], variants: dict, cfg: VerifyConfig) -> None:
    """A back-translation that lost an entity's tag: is the name still in the text? Each source
    sentence once, each entity in turn replaced (tag gone) by a spelling variant of itself from
    another gold language (should be found), by another name of the same label (should not),
    or by a pronoun (should not). ``find_name``'s best score against thresholds."""
    by_label: dict[tuple[str, str], list[str]] = defaultdict(list)
    sources = {(p.corpus.split()[0], p.source.id): p.source for p in all_pairs}
    for src in sources.values():
        for e in src.entities:
            by_label[(src.lang, e.label)].append(e.surface(src.text))
    rng = random.Random(11)
    got: dict[str, list[float]] = defaultdict(list)
    for (family, sid), src in sorted(sources.items()):
        for i, e in enumerate(src.entities):
            surface = e.surface(src.text)
            def put(other: str, e=e, text=src.text) -> str:
                return text[:e.start] + other + text[e.end:]
            for v in variants.get((family, sid, i), [])[:1]:
                got["same name, other spelling"].append(find_name(surface, put(v), src.lang)[1])
            other = rng.choice(by_label[(src.lang, e.label)])
            if not (fold(other) in fold(surface) or fold(surface) in fold(other)):
                kind = f"another {e.label} name ({src.lang})"
                got[kind].append(find_name(surface, put(other), src.lang)[1])
            pronoun = "它" if src.lang == "zh" else "it"
            got[f"a pronoun ({src.lang})"].append(find_name(surface, put(pronoun), src.lang)[1])
    thresholds = (62, 70, 75, 80, 85, 90)
    print("1b. a lost tag: the name searched in the back-translation (share reaching the "
          "threshold = found)")
    print("   threshold                    " + "".join(f"{t:>7}" for t in thresholds))
    for kind, scores in sorted(got.items()):
        print(f"   {kind:28} " + "".join(
            f"{sum(s >= t for s in scores) / len(scores):7.1%}" for t in thresholds)
            + f"   ({len(scores)})")
    print(f"   configured search_threshold = {cfg.search_threshold:g}\n")


def part_gold(all_pairs: list[Pair], styles: dict, cfg: VerifyConfig, show: bool = False
              ) -> None:
    print(f"2. gold translations of every pair ({len(all_pairs)}), gold back-translations:")
    suspicious = cfg.model_copy(update={"mode": "suspicious"})
    for style, make in styles.items():
        flagged, codes, by_corpus = 0, Counter(), Counter()
        for p in all_pairs:
            rng = random.Random(f"gold:{p.corpus}:{p.source.id}")
            reply = make(exact_back(p), p, rng).render()
            found, _ = findings_for(aligned_gold(p), reply, cfg)
            if found and show:
                print(f"   --- [{style}] {p.corpus} {p.source.id}\n   source: {p.source.text}\n"
                      f"   back  : {reply}\n" + "\n".join(f"      {f.code} {f.message}"
                                                        for f in found))
            if found:
                flagged += 1
                by_corpus[p.corpus] += 1
                codes.update({f.code for f in found})
        print(f"   {style:10} flagged {flagged}/{len(all_pairs)} = "
              f"{flagged / len(all_pairs):.2%} (goal <= 1%); codes: {dict(codes)}; "
              f"by corpus: {dict(by_corpus)}")
    chosen = sum(selected(aligned_gold(p), suspicious) for p in all_pairs)
    print(f"   suspicious mode would send {chosen}/{len(all_pairs)} = "
          f"{chosen / len(all_pairs):.1%} of them on the round trip\n")


@dataclass
class Tally:
    before: Counter
    after: dict[str, Counter]


def part_catalogue(all_pairs: list[Pair], styles: dict, cfg: VerifyConfig,
                   align_cfg: AlignConfig, show: str, rows: list | None = None) -> None:
    cases = build_cases(all_pairs)
    extra, backs = wrong_name_cases(all_pairs)
    cases += extra
    modes = [m for m, _, _ in MODES] + ["wrong_name"]
    kinds = {m: k for m, k, _ in MODES} | {"wrong_name": "must_flag"}
    suspicious = cfg.model_copy(update={"mode": "suspicious"})
    columns = [f"{s} {m}" for s in styles for m in ("all", "suspicious")]
    before: dict[str, Counter] = defaultdict(Counter)
    after: dict[str, dict[str, Counter]] = {c: defaultdict(Counter) for c in columns}
    # accepted-wrong cases a documented gold convention explains (align_quality.convention)
    conventions: dict[str, Counter] = {c: Counter() for c in ["before", *columns]}
    sig_rows = []
    shown = 0
    for case in cases:
        verdict, out = classify(case, align_cfg)
        before[case.mode][verdict] += 1
        if verdict == "accepted_wrong" and convention(case, out):
            conventions["before"][case.mode] += 1
        if verdict == "flagged":
            for c in columns:
                after[c][case.mode]["flagged"] += 1
            continue
        rng = random.Random(f"cat:{case.mode}:{case.pair.corpus}:{case.pair.source.id}")
        back0 = backs.get(id(case)) or simulated_back(case, out, rng)
        picked = selected(out, suspicious)
        sig_rows.append((case.mode, verdict, signals(out)))
        for style, make in styles.items():
            reply = make(back0, case.pair, random.Random(rng.random())).render()
            checked = apply(out, reply, cfg, align_cfg)
            ok = checked.status == Status.accepted
            for mode, went in (("all", True), ("suspicious", picked)):
                final = verdict if (ok or not went) else "flagged"
                after[f"{style} {mode}"][case.mode][final] += 1
                if final == "accepted_wrong" and convention(case, out):
                    conventions[f"{style} {mode}"][case.mode] += 1
            if show in (case.mode, "all") and shown < 12 and (
                    (verdict == "accepted_right") == (not ok)):
                shown += 1
                print(f"--- {case.mode} {verdict} -> {'accepted' if ok else checked.status.value}"
                      f" [{style}] {case.pair.corpus} {case.pair.source.id}")
                print("   source:", case.pair.source.text)
                print("   target:", out.target_text)
                print("   back  :", reply)
                for issue in checked.issues[len(out.issues):]:
                    print("     ", issue.code, issue.message[:200])
    realistic = REALISTIC | {"wrong_name"}
    print("3. catalogue (align_quality.py cases + wrong_name), accepted by align, then verified "
          "against the simulated competent translator's back-translation")
    head = f"   {'mode':22} {'kind':11} {'accepted':>8} {'of them wrong':>13}  " + "".join(
        f"{c:>22}" for c in columns)
    print(head + "\n   " + "-" * (len(head) - 3))
    for m in modes:
        b = before[m]
        acc = b["accepted_right"] + b["accepted_wrong"]
        if not sum(b.values()):
            continue
        cells = "".join(f"{after[c][m]['accepted_right']:>10} ok {after[c][m]['accepted_wrong']:>4}"
                        f" bad  " for c in columns)
        print(f"   {m:22} {kinds[m]:11} {acc:8} {b['accepted_wrong']:13}  {cells}")

    def silent(table: dict[str, Counter], modes: Iterable[str]) -> tuple[int, int]:
        wrong = sum(table[m]["accepted_wrong"] for m in modes)
        return wrong, wrong + sum(table[m]["accepted_right"] for m in modes)

    def recoverable(table: dict[str, Counter]) -> tuple[int, int]:
        ms = [m for m in modes if kinds[m] == "recoverable"]
        return (sum(table[m]["accepted_right"] for m in ms),
                sum(sum(table[m].values()) for m in ms))

    print()
    for name, ms in (("realistic modes incl. early stops and wrong names", realistic),
                     ("  early stops alone", EARLY_STOPS), ("  wrong names alone", {"wrong_name"}),
                     ("  realistic without early stops and wrong names",
                      realistic - EARLY_STOPS - {"wrong_name"}),
                     ("all modes", set(modes))):
        w, a = silent(before, ms)
        conv = sum(conventions["before"][m] for m in ms)
        line = (f"   silent errors, {name}: before {w}/{a} = {w / max(a, 1):.3%} (not a gold "
                f"convention: {w - conv} = {(w - conv) / max(a, 1):.3%})")
        for c in columns:
            w2, a2 = silent(after[c], ms)
            conv = sum(conventions[c][m] for m in ms)
            line += (f"; {c} {w2}/{a2} = {w2 / max(a2, 1):.3%} (not a gold convention: "
                     f"{w2 - conv} = {(w2 - conv) / max(a2, 1):.3%})")
            if rows is not None and name.startswith("realistic modes"):
                rows.append((c, w2, a2))
        print(line)
    r, n = recoverable(before)
    line = f"   recoverable accepted exactly right: before {r}/{n} = {r / max(n, 1):.2%}"
    for c in columns:
        r2, n2 = recoverable(after[c])
        line += f"; {c} {r2}/{n2} = {r2 / max(n2, 1):.2%}"
    print(line + "   (goals: silent <= 0.5%, recoverable right >= 97.5%)\n")
    part_signals(sig_rows, suspicious)


def part_signals(rows: list, cfg: VerifyConfig) -> None:
    right = [s for _, v, s in rows if v == "accepted_right"]
    wrong = [(m, s) for m, v, s in rows if v == "accepted_wrong"]
    print(f"4. cheap signals on the align-accepted cases: {len(right)} right, {len(wrong)} wrong")
    for name in ("length_z", "comma_loss", "tail_ratio", "name_sound"):
        r = [getattr(s, name) for s in right]
        w = [getattr(s, name) for _, s in wrong]
        print(f"   {name:11} right: 5th pct {_pct(r, 0.05):7.2f} median {_pct(r, 0.5):7.2f}"
              f" | wrong: median {_pct(w, 0.5):7.2f} 75th {_pct(w, 0.75):7.2f}")
    bad = [s for m, s in wrong if m in EARLY_STOPS | {"wrong_name"}]
    grid = {"length_z": ("<", (-2.0, -1.5, -1.0, -0.5, 0.0)), "comma_loss": (">=", (1, 2, 3)),
            "tail_ratio": ("<", (0.3, 0.5, 0.7, 0.9)), "name_sound": ("<", (20, 30, 40, 50, 60))}
    print("   each signal alone: share of the right selected / of the early stops and wrong "
          "names selected")
    for name, (op, cuts) in grid.items():
        cells = []
        for cut in cuts:
            def hit(x: Signals, name: str = name, op: str = op, cut: float = cut) -> bool:
                v = getattr(x, name)
                return v < cut if op == "<" else v >= cut
            cells.append(f"{op}{cut:g}: {sum(map(hit, right)) / max(len(right), 1):.0%}/"
                         f"{sum(map(hit, bad)) / max(len(bad), 1):.0%}")
        print(f"     {name:11} " + "  ".join(cells))
    sel_r = sum(is_suspicious(s, cfg) for s in right)
    by_mode: dict[str, Counter] = defaultdict(Counter)
    for m, s in wrong:
        by_mode[m]["n"] += 1
        by_mode[m]["sel"] += is_suspicious(s, cfg)
    print(f"   band (length_z < {cfg.suspicious_length_z:g}, comma_loss >= "
          f"{cfg.suspicious_comma_loss}, tail_ratio < {cfg.suspicious_tail_ratio:g}, name_sound < "
          f"{cfg.suspicious_name_sound:g}) selects {sel_r}/{len(right)} = "
          f"{sel_r / max(len(right), 1):.1%} of the right ones and of the wrong: " + ", ".join(
              f"{m} {c['sel']}/{c['n']}" for m, c in sorted(by_mode.items())))
    print()


def part_endpoint(all_pairs: list[Pair], cfg: VerifyConfig, align_cfg: AlignConfig,
                  base_url: str | None, model: str, per_corpus: int, batch: int) -> None:
    """The round trip through ``verify_samples`` over HTTP: right gold translations, the early
    stops align accepts and wrong names, each corpus's first ``per_corpus`` pairs. Without
    ``base_url`` the endpoint is our test server answering as the simulated competent translator
    (exact back-translations), which checks the whole path: prompt, batching, parsing."""
    import asyncio

    from parallelner.config import load_settings
    from parallelner.llm.client import LLMClient
    from parallelner.llm.endpoint import make_ledger
    from parallelner.llm.service import LLMService
    from parallelner.verify import tagged_target, verify_samples

    seen: Counter[str] = Counter()
    subset = [p for p in all_pairs if (seen.update([p.corpus]) or True)
              and seen[p.corpus] <= per_corpus]
    samples, kinds, answers = [], [], {}
    extra, backs = wrong_name_cases(subset)
    stops = [c for c in build_cases(subset) if c.mode in EARLY_STOPS]
    for p in subset:
        s = aligned_gold(p)
        samples.append(s)
        kinds.append("right")
        answers[tagged_target(s)] = exact_back(p).render()
    for case in stops + extra:
        verdict, out = classify(case, align_cfg)
        if verdict == "flagged":
            continue
        out = out.model_copy(update={"id": f"{out.id}:{case.mode}"})
        samples.append(out)
        kinds.append("early stop" if case.mode in EARLY_STOPS else case.mode)
        back = backs.get(id(case)) or simulated_back(case, out, random.Random(0))
        answers[tagged_target(out)] = back.render()
    server = None
    if base_url is None:
        from tests.llm_server import ChatServer

        def respond(body: dict) -> str:
            user = body["messages"][-1]["content"]
            lines = re.findall(r"^\[(\d+)\] (.*)$", user, re.MULTILINE)
            if lines and len(lines) > 1:
                return "\n".join(f"[{n}] {answers[t]}" for n, t in lines)
            return answers[user]

        server = ChatServer().start()
        server.responder = respond
        base_url, model = server.url, "test-model"
    settings = load_settings(overrides={"llm": {"base_url": base_url, "model": model,
                                                "batch_size": batch, "timeout": 600.0}},
                             environ={})
    ledger = make_ledger(settings, None, [model])
    counts: Counter[str] = Counter()

    async def run() -> list[ParallelSample]:
        client = LLMClient.from_config(settings.llm, base_url)
        try:
            return await verify_samples(samples, settings, LLMService(client, ledger), cfg,
                                        counts=counts)
        finally:
            await client.aclose()

    t0 = time.perf_counter()
    try:
        out = asyncio.run(run())
    finally:
        if server is not None:
            server.stop()
    took = time.perf_counter() - t0
    tally: dict[str, Counter] = defaultdict(Counter)
    for kind, rec in zip(kinds, out, strict=True):
        tally[kind]["n"] += 1
        tally[kind]["flagged"] += rec.status != Status.accepted
    t = ledger.totals
    who = "simulated competent translator (test server)" if server else f"{model} at {base_url}"
    print(f"5. the round trip over HTTP with {who}, first {per_corpus} pairs per corpus, "
          f"batch {batch}:")
    for kind, c in tally.items():
        print(f"   {kind:11} {c['flagged']}/{c['n']} flagged")
    print(f"   {t.calls} calls, {t.prompt_tokens / len(out):.0f} prompt + "
          f"{t.completion_tokens / len(out):.0f} completion tokens per sample, {took:.0f} s; "
          f"batches not split: {counts['batches not split']}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N pairs per corpus")
    ap.add_argument("--style", choices=("exact", "paraphrase", "both"), default="both")
    ap.add_argument("--show", default="", help="print cases of this mode that verification "
                    "got wrong (flagged right ones, accepted wrong ones)")
    ap.add_argument("--parts", default="names,search,gold,catalogue,endpoint")
    ap.add_argument("--base-url", default=None, help="an OpenAI-compatible endpoint for part 5 "
                    "(default: our test server as the simulated competent translator)")
    ap.add_argument("--model", default="local")
    ap.add_argument("--endpoint-pairs", type=int, default=30, help="pairs per corpus in part 5")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a VerifyConfig threshold to measure instead of its default")
    args = ap.parse_args()
    t0 = time.perf_counter()
    all_pairs, _ = pairs()
    if args.limit:
        seen: Counter[str] = Counter()
        all_pairs = [p for p in all_pairs if (seen.update([p.corpus]) or True)
                     and seen[p.corpus] <= args.limit]
    cfg = VerifyConfig(**dict(kv.split("=", 1) for kv in args.set))
    align_cfg = AlignConfig()
    if args.set:
        print(f"VerifyConfig changed: {', '.join(args.set)}")
    variants = name_variants(all_pairs)
    para = Paraphraser(all_pairs, variants)
    styles = {"exact": lambda b, p, rng: b, "paraphrase": para}
    if args.style != "both":
        styles = {args.style: styles[args.style]}
    parts = set(args.parts.split(","))
    if "names" in parts:
        part_names(all_pairs, variants, cfg)
    if "search" in parts:
        part_search(all_pairs, variants, cfg)
    if "gold" in parts:
        part_gold(all_pairs, styles, cfg, show=args.show == "gold")
    if "catalogue" in parts:
        part_catalogue(all_pairs, styles, cfg, align_cfg, args.show)
    if "endpoint" in parts:
        part_endpoint(all_pairs, cfg, align_cfg, args.base_url, args.model, args.endpoint_pairs,
                      args.batch)
    print(f"{len(all_pairs)} pairs in {time.perf_counter() - t0:.0f} s. Rerun: PYTHONPATH=. "
          "python benchmarks/verify_quality.py" + (f" --limit {args.limit}" if args.limit else ""))


if __name__ == "__main__":
    main()
