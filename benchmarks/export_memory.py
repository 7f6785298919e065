"""``export`` of N accepted samples: wall, CPU and peak memory of the export process (issue 13).

Writes N unique accepted records into a temporary run folder (``final.jsonl``): record k is gold
pair k mod P of ``benchmarks/_gold.py`` (Europarl en-de/es/it, UNER en-zh, zh-en, en-de: their
entities paired) with " (ref. k)" appended to both sentences (offsets unchanged), eight records a
document. Then runs ``export(run, formats)`` in a subprocess (``--code DIR``: another checkout on
PYTHONPATH, e.g. the commit before, for BEFORE figures) and prints: wall, CPU seconds (user +
system, from the kernel), peak RSS (the kernel's ``ru_maxrss``, and psutil sampling the process
tree every 0.1 s), rows written per config, disk of the dataset folder, and a digest of its
files (parquet, JSONL, card: the same digest before and after means the same bytes).

Rerun: ``PYTHONPATH=. .venv/bin/python benchmarks/export_memory.py --n 100000``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from benchmarks._gold import Pair, pairs
from parallelner.schema import (
    ParallelSample,
    Provenance,
    SourceProvenance,
    Status,
    TargetSpan,
)

ROOT = Path(__file__).resolve().parents[1]
DOC_SIZE = 8

_EXPORT = """
import json, sys
from parallelner.export.runner import export
also = [a for a in sys.argv[3].split(",") if a]
r = export(sys.argv[1], formats=sys.argv[2].split(","), also=also)
print(json.dumps({"rows": r.rows, "duplicates": r.build.duplicates, "groups": r.build.groups}))
"""


def sample(k: int, pair: Pair) -> ParallelSample:
    """Record k: the pair's sentences with " (ref. k)" appended, its entities paired."""
    src_lang, tgt_lang = pair.corpus.split()[1].split("-")
    suffix = f" (ref. {k})"
    targets = [
        TargetSpan(start=t.start, end=t.end, label=t.label, source_index=pair.mapping.index(j),
                   confidence=0.9)
        for j, t in enumerate(pair.target.entities)
    ]
    return ParallelSample(
        id=f"bench-{k:07d}", source_lang=src_lang, target_lang=tgt_lang,
        source_text=pair.source.text + suffix, source_entities=list(pair.source.entities),
        target_text=pair.target.text + suffix, target_entities=targets,
        confidence=round(0.5 + (k % 50) / 100, 2), status=Status.accepted,
        source=SourceProvenance(dataset=pair.corpus.split()[0], split="test", index=k,
                                document=f"doc-{k // DOC_SIZE}", label_scheme="conll"),
        provenance=Provenance(model="bench-model", prompt_version="v1",
                              reviewed_by="human" if k % 7 == 0 else "machine"),
    )


def records(n: int) -> Iterator[ParallelSample]:
    gold = [p for p in pairs()[0] if len(set(p.mapping)) == len(p.mapping)]
    for k in range(n):
        yield sample(k, gold[k % len(gold)])


def write_records(path: Path, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in records(n):
            fh.write(rec.model_dump_json() + "\n")


def digest(folder: Path) -> str:
    """sha256 over the dataset folder's files (path and bytes), the ``disk`` copy left out:
    its ``state.json`` names a fingerprint that differs between any two builds."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if rel.parts[0] != "disk":
            h.update(str(rel).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def run_export(cmd: list[str], env: dict[str, str]) -> dict:
    """Run the export; wall, CPU and peak RSS (the kernel's and sampled) of its process."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    sampled = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            tree = [root, *root.children(recursive=True)]
            sampled = max(sampled, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"export failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "maxrss": usage.ru_maxrss * 1024, "sampled": sampled,
            **json.loads(out.decode().strip().splitlines()[-1])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000, help="unique accepted samples")
    ap.add_argument("--formats", default="hf,bio,code", help="export formats, comma-separated")
    ap.add_argument("--also", default="", help="extra copies: jsonl,disk")
    ap.add_argument("--code", type=Path, default=None,
                    help="export with another checkout (PYTHONPATH), e.g. the commit before")
    ap.add_argument("--records", type=Path, default=None,
                    help="records file to reuse (written first if missing): the same input "
                    "for BEFORE and AFTER without generating it twice")
    ap.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="export-memory-"))
    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    t0 = time.monotonic()
    source = args.records or run / "final.jsonl"
    if not source.exists():
        write_records(source, args.n)
    if source != run / "final.jsonl":
        (run / "final.jsonl").symlink_to(source.resolve())
    written = time.monotonic() - t0
    code = (args.code or ROOT).resolve()
    env = dict(os.environ, PYTHONPATH=str(code), HF_DATASETS_OFFLINE="1",
               HF_DATASETS_CACHE=str(work / "hf-cache"))
    load = os.getloadavg()
    m = run_export([sys.executable, "-c", _EXPORT, str(run), args.formats, args.also], env)
    dataset = run / "dataset"
    disk = sum(f.stat().st_size for f in dataset.rglob("*") if f.is_file())
    mib = 2**20
    print(f"code: {code}")
    print(f"records: {args.n:,} in {source} ({source.stat().st_size / mib:,.1f} MiB, "
          f"{'written in ' + format(written, '.1f') + ' s' if written > 1 else 'reused'})")
    print(f"export --format {args.formats}{' --also ' + args.also if args.also else ''}: "
          f"wall {m['wall']:.1f} s, CPU {m['cpu']:.1f} s")
    print(f"peak RSS: {m['maxrss'] / mib:,.0f} MiB (kernel, ru_maxrss), "
          f"{m['sampled'] / mib:,.0f} MiB (psutil, sampled every 0.1 s)")
    for config, rows in m["rows"].items():
        per_split = ", ".join(f"{s} {n:,}" for s, n in rows.items())
        print(f"rows {config}: {sum(rows.values()):,} ({per_split})")
    print(f"duplicates removed {m['duplicates']:,}, split groups {m['groups']:,}")
    print(f"dataset folder: {disk / mib:,.1f} MiB; digest {digest(dataset)}")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    extra = f" --code {args.code}" if args.code else ""
    print(f"rerun: PYTHONPATH=. .venv/bin/python benchmarks/export_memory.py --n {args.n} "
          f"--formats {args.formats}{' --also ' + args.also if args.also else ''}{extra}")
    if args.keep:
        print(f"kept: {work}")
    elif args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
