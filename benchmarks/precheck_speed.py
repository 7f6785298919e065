"""Speed and accuracy of the plan-time source-language check (issue 15 item 6).

``check_source_language`` (parallelner/align/precheck.py) runs on every sample before any LLM
call: the script, then fastText's lite model; never langdetect. Measured on the gold sentences
(Europarl en/de/es/it, UNER PUD en/de/zh):
- false alarms: gold sentences, declared in their own language, that the check flags;
- caught: the same sentences declared in another language of the set (a wrong --lang);
- speed: the check run over N samples (default 257,000: the size of the largest planned run),
  cycling through the gold sentences, in one process.

Run:  PYTHONPATH=. python benchmarks/precheck_speed.py [--samples 257000]
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter

from benchmarks._gold import europarl, uner
from parallelner.align.precheck import check_source_language  # noqa: E402
from parallelner.schema import SourceSample  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=257_000)
    args = ap.parse_args()
    sentences = [(s.lang, s.text) for lang in ("en", "de", "es", "it") for s in europarl(lang)]
    sentences += [(s.lang, s.text) for lang in ("en", "de", "zh") for s in uner(lang).values()]
    samples = [SourceSample(id=f"g{i}", lang=lang, text=text)
               for i, (lang, text) in enumerate(sentences) if text.strip()]
    false = Counter(s.lang for s in samples if check_source_language(s) is not None)
    total = Counter(s.lang for s in samples)
    print(f"gold sentences: {len(samples):,} ({dict(total)})")
    print(f"false alarms (flagged in their own language): {sum(false.values())} "
          f"{dict(false)}")
    langs = sorted(total)
    caught, tried = Counter(), Counter()
    for s in samples:
        for other in langs:
            if other != s.lang:
                key = f"{s.lang}->{other}"
                tried[key] += 1
                declared = s.model_copy(update={"lang": other})
                caught[key] += check_source_language(declared) is not None
    print("declared in another language, caught:")
    for key in sorted(tried):
        print(f"  {key:7} {caught[key]:5}/{tried[key]:<5} ({caught[key] / tried[key]:.1%})")
    stream = itertools.islice(itertools.cycle(samples), args.samples)
    start, cpu_start = time.perf_counter(), time.process_time()
    n = sum(1 for s in stream if check_source_language(s) is None)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"speed: {args.samples:,} samples in {seconds:.1f} s wall, {cpu:.1f} s CPU "
          f"({cpu / args.samples * 1e6:.0f} µs CPU a sample, {n:,} passed), one process "
          "(CPU time: other jobs on a shared machine slow the wall clock, not the CPU time)")
    print("rerun: PYTHONPATH=. python benchmarks/precheck_speed.py --samples 257000")


if __name__ == "__main__":
    main()
