"""Live progress of a run, read from its folder: works the same for threads and a Dask cluster.

The flow writes chunk files atomically and the LLM layer appends one ledger line per call; a poller
turns those into counts (samples per stage, accepted so far, tokens, cost) without touching the
running tasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from parallelner.run.folder import STAGES, RunPaths


@dataclass
class RunProgress:
    done: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STAGES})
    accepted: int = 0
    calls: int = 0
    cached: int = 0
    tokens: int = 0
    cost: float = 0.0


class ProgressReader:
    """Incremental reader: each finished chunk file is parsed once; the ledger is tailed."""

    def __init__(self, paths: RunPaths) -> None:
        self.paths = paths
        self._seen: dict[Path, tuple[str, int, int]] = {}
        self._ledger_pos = 0
        self._ledger = RunProgress()

    def _count(self, path: Path) -> tuple[int, int]:
        n = acc = 0
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                n += 1
                if '"status":"accepted"' in line.replace(" ", ""):
                    acc += 1
        return n, acc

    def _tail_ledger(self) -> None:
        ledger = self.paths.ledger
        if not ledger.exists():
            return
        with ledger.open(encoding="utf-8") as fh:
            fh.seek(self._ledger_pos)
            while True:
                line = fh.readline()
                if not line or not line.endswith("\n"):
                    break
                self._ledger_pos = fh.tell()
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if entry.get("cached"):
                    self._ledger.cached += 1
                    continue
                self._ledger.calls += 1
                self._ledger.tokens += int(entry.get("prompt_tokens", 0)) + int(
                    entry.get("completion_tokens", 0)
                )
                self._ledger.cost += float(entry.get("cost", 0.0))

    def read(self) -> RunProgress:
        chunks = self.paths.root / "chunks"
        if chunks.exists():
            for stage in STAGES:
                for f in chunks.glob(f"*/{stage}.jsonl"):
                    if f not in self._seen:
                        n, acc = self._count(f)
                        self._seen[f] = (stage, n, acc)
        self._tail_ledger()
        p = RunProgress(calls=self._ledger.calls, cached=self._ledger.cached,
                        tokens=self._ledger.tokens, cost=self._ledger.cost)
        for stage, n, acc in self._seen.values():
            p.done[stage] += n
            if stage == "refine":
                p.accepted += acc
        return p
