"""Throughput and memory of ``parallelner align`` on a large file (goal: >= 5,000 samples/s for
100,000 samples on 2 cores, memory flat in the input size).

Builds an input JSONL of N contract records from the gold parallel corpora with a realistic mix of
answers (mostly clean, some with chatter, missing ids, untagged names, untranslated, truncated,
wrong language), runs the real command in a subprocess, and samples the resident memory of the
whole process tree (parent + workers) every 50 ms.

CPU seconds of the command are reported too: other jobs on a shared 2-core machine slow the wall
clock, the CPU time per sample does not depend on them.

Run:  PYTHONPATH=. python benchmarks/align_speed.py [--samples 100000] [--also 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks._gold import pairs
from benchmarks.align_quality import build_cases

MIX = {"perfect": 60, "chatter": 8, "missing_ids": 5, "code_fence": 4, "untagged_verbatim": 4,
       "dropped_tag": 4, "untranslated": 4, "truncated": 4, "wrong_language": 3, "span_extended": 2,
       "swapped_ids": 2}


def write_input(path: Path, n: int, seed: int = 7) -> None:
    all_pairs, _ = pairs()
    cases = build_cases(all_pairs)
    by_mode: dict[str, list] = {}
    for c in cases:
        by_mode.setdefault(c.mode, []).append(c)
    rng = random.Random(seed)
    modes = [m for m, w in MIX.items() for _ in range(w)]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            case = rng.choice(by_mode[rng.choice(modes)])
            p = case.pair
            fh.write(json.dumps({
                "id": f"s{i}", "source_lang": p.source.lang, "target_lang": p.target.lang,
                "source_text": p.source.text,
                "source_entities": [e.model_dump() for e in p.source.entities],
                "response": case.response,
            }, ensure_ascii=False) + "\n")


def run(path: Path, out: Path, workers: int) -> tuple[float, float, float, str]:
    cmd = [sys.executable, "-m", "parallelner", "align", str(path), "--output", str(out),
           "--workers", str(workers)]
    env = dict(os.environ, COLUMNS="100")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = parent.memory_info().rss + sum(
                c.memory_info().rss for c in parent.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"parallelner align failed ({proc.returncode}):\n{stdout}")
    return seconds, peak / 2**20, cpu, stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--also", type=int, default=20_000,
                    help="a smaller run to compare memory (0: skip)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="align-speed-") as tmp:
        for n in [x for x in (args.also, args.samples) if x]:
            src, dst = Path(tmp) / f"in-{n}.jsonl", Path(tmp) / f"out-{n}.jsonl"
            write_input(src, n)
            load = os.getloadavg()[0]
            seconds, peak_mb, cpu, stdout = run(src, dst, args.workers)
            lines = sum(1 for _ in dst.open(encoding="utf-8"))
            assert lines == n, f"{lines} output records for {n} inputs"
            print(f"{n:>7} samples: {seconds:6.1f} s wall (incl. start-up) = "
                  f"{n / seconds:,.0f} samples/s; {cpu:.1f} CPU-s in the command "
                  f"({cpu / n * 1e6:.0f} µs/sample, i.e. {n / (cpu / args.workers):,.0f}/s on "
                  f"{args.workers} free cores); peak RSS of the process tree {peak_mb:,.0f} MiB; "
                  f"input {src.stat().st_size / 2**20:,.0f} MiB; load average before {load:.2f}")
        print("\nsummary table of the last run:\n" + stdout)
    print(f"Rerun: PYTHONPATH=. python benchmarks/align_speed.py --samples {args.samples} "
          f"--also {args.also} --workers {args.workers}   ({os.cpu_count()} cores here)")


if __name__ == "__main__":
    main()
