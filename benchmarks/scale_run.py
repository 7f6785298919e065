"""N samples end to end through ``parallelner run`` against a simulated translator; what it costs.

Starts the simulated gold en→de translator of ``benchmarks/sim_translator.py`` (127.0.0.1), writes N
unique source samples, runs ``parallelner run --source ... --base-url ... --chunk-size 500
--concurrency 64 --no-review`` as a subprocess and samples its whole process tree (CLI, Prefect
server, workers) with psutil every 0.2 s. Prints: wall, time per phase (start-up + plan, chunk
stages, finish, exit), samples/s, CPU seconds per sample, peak RSS of the tree, disk per sample,
requests per sample.

``--kill-half``: kill -9 the whole tree once half of the chunks are refined, resume with the same
command plus ``--run-id``, then count requests the server saw twice and check that every id is in
``final.jsonl`` exactly once.

CPU is summed per process from the last sample before it exits (up to 0.2 s of a process's CPU
may be missed). Rerun: ``PYTHONPATH=. .venv/bin/python benchmarks/scale_run.py --n 2000``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.sim_translator import gold_pairs, make_sources, start_server

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = "scale"


@dataclass
class TreeStats:
    peak_rss: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # pid -> last seen user+system seconds
    marks: dict[str, float] = field(default_factory=dict)  # phase end -> seconds since start


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _phase_marks(run_dir: Path, stats: TreeStats, t: float) -> None:
    """Phase ends, read from the run folder: plan done, all chunks refined, report written."""
    m = stats.marks
    if "plan" not in m:
        try:
            if json.loads((run_dir / "run.json").read_text())["n_chunks"] is not None:
                m["plan"] = t
        except (OSError, ValueError, KeyError):
            return
    if "chunks" not in m and "plan" in m:
        n = json.loads((run_dir / "run.json").read_text())["n_chunks"]
        if len(list((run_dir / "chunks").glob("*/refine.jsonl"))) >= n:
            m["chunks"] = t
    if "finish" not in m and "chunks" in m and (run_dir / "report.json").exists():
        m["finish"] = t


def run_once(cmd: list[str], env: dict[str, str], run_dir: Path, stats: TreeStats,
             kill_at: int | None = None) -> tuple[float, bool]:
    """Run ``cmd``, sampling its tree; kill -9 it once ``kill_at`` chunks are refined.
    Returns (wall seconds, killed)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    killed = False
    while proc.poll() is None:
        procs = _tree(root)
        rss = 0
        for p in procs:
            try:
                rss += p.memory_info().rss
                ct = p.cpu_times()
                stats.cpu[p.pid] = ct.user + ct.system
            except psutil.NoSuchProcess:
                pass
        stats.peak_rss = max(stats.peak_rss, rss)
        _phase_marks(run_dir, stats, time.monotonic() - start)
        if kill_at is not None and not killed:
            if len(list((run_dir / "chunks").glob("*/refine.jsonl"))) >= kill_at:
                for p in procs:
                    try:
                        p.send_signal(signal.SIGKILL)
                    except psutil.NoSuchProcess:
                        pass
                killed = True
        time.sleep(0.2)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0 and not killed:
        raise SystemExit(f"parallelner run failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, killed


def disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def final_ids(path: Path) -> Counter[str]:
    ids: Counter[str] = Counter()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            ids[json.loads(line)["id"]] += 1
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="unique samples")
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--kill-half", action="store_true",
                    help="kill -9 at half way, then resume; count repeated requests")
    ap.add_argument("--cli", default=str(ROOT / ".venv" / "bin" / "parallelner"))
    ap.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--extra", default="", help="more options for `parallelner run`")
    ap.add_argument("--code", type=Path, default=None,
                    help="run the CLI on another checkout (PYTHONPATH), e.g. a `git archive` of "
                    "the commit before, to measure BEFORE figures with the same harness")
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="scale-run-"))
    work.mkdir(parents=True, exist_ok=True)
    pairs = gold_pairs()
    source = work / "source.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for s in make_sources(pairs, args.n):
            fh.write(s.model_dump_json() + "\n")
    server, tally, n_pairs = start_server()
    outputs = work / "outputs"
    shutil.rmtree(outputs, ignore_errors=True)
    run_dir = outputs / RUN_ID
    env = dict(os.environ, PREFECT_HOME=str(work / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING",
               OPENAI_API_KEY="sim", COLUMNS="120",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    if args.code is not None:
        env["PYTHONPATH"] = str(args.code.resolve())
    cmd = [args.cli, "run", "--source", str(source), "--source-lang", "en", "--target-lang", "de",
           "--base-url", server.url, "--model", "sim-translator", "--chunk-size",
           str(args.chunk_size), "--concurrency", str(args.concurrency), "--no-review",
           "--outputs", str(outputs), "--run-id", RUN_ID, *args.extra.split()]
    load_before = os.getloadavg()[0]
    stats = TreeStats()
    n_chunks = -(-args.n // args.chunk_size)
    kill_at = max(1, n_chunks // 2) if args.kill_half else None
    wall, killed = run_once(cmd, env, run_dir, stats, kill_at)
    first_requests = len(tally)
    resume_wall = 0.0
    if killed:
        tally_before = Counter(tally.by_key)
        stats2 = TreeStats()
        resume_wall, _ = run_once(cmd, env, run_dir, stats2)
        stats.peak_rss = max(stats.peak_rss, stats2.peak_rss)
        stats.cpu.update({-pid: c for pid, c in stats2.cpu.items()})  # distinct keys
        again = sum(min(c, tally.by_key[k] - c) for k, c in tally_before.items())
    server.stop()

    n = args.n
    total_wall = wall + resume_wall
    cpu = sum(stats.cpu.values())
    disk = disk_bytes(run_dir)
    ds = disk_bytes(run_dir / "dataset") if (run_dir / "dataset").exists() else 0
    print(f"scale_run: N={n} ({n_pairs} gold pairs), chunk size {args.chunk_size}, concurrency "
          f"{args.concurrency}, {os.cpu_count()} CPUs; code {args.code or ROOT}; load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"  wall                 {total_wall:8.1f} s   ({n / total_wall:,.0f} samples/s)")
    if not killed:
        m = stats.marks
        prev = 0.0
        for name, label in (("plan", "start-up + plan"), ("chunks", "chunk stages"),
                            ("finish", "finish (collect, export, report)")):
            if name in m:
                print(f"    {label:<32} {m[name] - prev:7.1f} s")
                prev = m[name]
        print(f"    {'summary + exit':<32} {wall - prev:7.1f} s")
    print(f"  CPU                  {cpu:8.1f} s   ({1000 * cpu / n:.2f} ms per sample)")
    print(f"  peak RSS (tree)      {stats.peak_rss / 2**20:8.0f} MiB")
    print(f"  run folder           {disk / 2**20:8.1f} MiB ({disk / n / 1024:.1f} KiB per sample; "
          f"dataset/ {ds / n / 1024:.1f} KiB per sample)")
    print(f"  requests             {len(tally):8d}     ({len(tally) / n:.3f} per sample; "
          + ", ".join(f"{k} {v}" for k, v in sorted(tally.kinds.items())) + ")")
    if killed:
        ids = final_ids(run_dir / "final.jsonl")
        once = sum(1 for c in ids.values() if c == 1)
        print(f"  kill -9 after {kill_at}/{n_chunks} chunks ({first_requests} requests, "
              f"{wall:.1f} s), resume {resume_wall:.1f} s")
        print(f"    requests repeated by the resume  {again}")
        print(f"    ids in final.jsonl: {len(ids)} of {n}, exactly once {once}, "
              f"more than once {len(ids) - once}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
