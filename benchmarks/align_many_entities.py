"""Align time of ONE sample as its number of entities grows (issue 15: 2,000 entities took 37 s,
100,000 never finished, because ``rule_sound_swap`` compared every pair of same-label entities).

Builds one synthetic sentence of N distinct names (PER and LOC, alternating) with its tagged
answer, for two pairs: en->de (cased Latin rules: surface evidence, look-alikes, name case,
extent, order) and en->zh (the sound-swap rule, Chinese tokens). A tenth of the tags carry no id
and a twentieth are left out, so the search for untagged names and the id-less assignment run
too; the de answer also swaps two far-apart same-label ids. The sample bounds
(``align.bounds``) are lifted: this measures the rules themselves. Each size prints the seconds of
``align_sample`` (parse + assign + search + rules) and the time per entity: near-linear rules keep
the time per entity roughly flat from 2k to 100k.

Run:  PYTHONPATH=. python benchmarks/align_many_entities.py [--sizes 2000 20000 100000]
"""

from __future__ import annotations

import argparse
import time

from parallelner.align import align_sample
from parallelner.config import AlignConfig
from parallelner.schema import EntitySpan, ParallelSample

_SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "tor", "vi", "zan", "bel", "dra", "gus", "hel")


def name(i: int) -> str:
    """A distinct capitalized pseudo-name for every i (base-12 syllables)."""
    parts = []
    i += 12 * 12  # at least three syllables
    while i:
        i, r = divmod(i, len(_SYLLABLES))
        parts.append(_SYLLABLES[r])
    return "".join(parts).capitalize()


def build(n: int, target: str) -> ParallelSample:
    """N entities in one sentence and its tagged answer (some tags without ids, some missing)."""
    glue_src, glue_tgt = " met ", (" traf " if target == "de" else "见了")
    src_parts, entities, pos = [], [], 0
    tgt_parts = []
    order = list(range(n))
    if n >= 4 and target == "de":
        order[1], order[n - 2] = order[n - 2], order[1]  # far-apart same-label ids swapped
    for k in range(n):
        label = "PER" if k % 2 == 0 else "LOC"
        nm = name(k)
        if k:
            src_parts.append(glue_src)
            pos += len(glue_src)
            tgt_parts.append(glue_tgt)
        src_parts.append(nm)
        entities.append(EntitySpan(start=pos, end=pos + len(nm), label=label))
        pos += len(nm)
        j = order[k]
        if k % 20 == 7:
            tgt_parts.append(name(j))  # untagged: found by search
        elif k % 10 == 3:
            tgt_parts.append(f"<{entities[j].label if j < len(entities) else label}>{name(j)}"
                             f"</{entities[j].label if j < len(entities) else label}>")
        else:
            lab = "PER" if j % 2 == 0 else "LOC"
            tgt_parts.append(f'<{lab} id="{j + 1}">{name(j)}</{lab}>')
    end = "." if target == "de" else "。"
    return ParallelSample(
        id=f"many-{target}-{n}", source_lang="en", target_lang=target,
        source_text="".join(src_parts) + ".", source_entities=entities,
        response="".join(tgt_parts) + end,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    args = ap.parse_args()
    big = max(args.sizes) * 100
    config = AlignConfig.model_validate({"bounds": {"max_entities": big, "max_chars": big}})
    align_sample(build(10, "de"), config)  # load tokenizers and language models first
    align_sample(build(10, "zh"), config)
    print(f"{'pair':6} {'entities':>9} {'chars':>9} {'seconds':>8} {'µs/entity':>10}  status")
    for n in args.sizes:
        for target in ("de", "zh"):
            sample = build(n, target)
            start = time.perf_counter()
            out = align_sample(sample, config)
            seconds = time.perf_counter() - start
            print(f"en-{target:3} {n:9,} {len(sample.source_text):9,} {seconds:8.2f} "
                  f"{seconds / n * 1e6:10.1f}  {out.status.value}", flush=True)
    print("rerun: PYTHONPATH=. python benchmarks/align_many_entities.py --sizes 2000 20000 100000")


if __name__ == "__main__":
    main()
