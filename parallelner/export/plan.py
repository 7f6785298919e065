"""Pass 1 of a streamed export: which records go to which split, in which order, in little memory.

``build.assign_splits`` decides on samples held in memory. :class:`SplitPlanner` makes the same
decisions while the records stream past, keeping per accepted sample only fixed-size facts in
flat arrays (no Python object per sample): its byte offset in the input file, 16-byte blake2b
digests of its content key (exact duplicates) and of its group keys (sentences, document), a
digest and the first 24 bytes of its smallest group key, and that key's place in the seeded
split order (``build.group_order``). Two different keys share a 16-byte digest with odds near
1e-27 at a million keys, so the decisions are those of ``build_dataset``; the tests compare both.

A group whose members do not all share one smallest key (two documents tied by a shared
sentence) takes the least by those 24 bytes (UTF-8 sorts as the strings do); only when these tie
between different keys are the keys read back from the input (``first_key``).

Pure: the caller reads the records and reads back the few keys asked for.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..schema import ParallelSample, Status
from .build import (
    SPLITS,
    BuildReport,
    content_key,
    group_keys,
    group_order,
    place_groups,
    split_shares,
)

DIGEST = 16
ORDER = 32  # sha256, the digest behind build.group_order's hex
PREFIX = 24  # bytes of a smallest key kept to compare keys without reading them again


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=DIGEST).digest()


def components(size: int, links: Iterable[tuple[int, int]]) -> np.ndarray:
    """The root of each of ``size`` members after joining the linked pairs (union-find); a root
    is the smallest member of its component."""
    parent = list(range(size))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.fromiter((find(i) for i in range(size)), dtype=np.int64, count=size)


@dataclass
class SplitPlanner:
    """Fed every record once (``add``); then ``plan`` gives each split's records, in row order."""

    seed: int = 0
    by_document: bool = True
    report: BuildReport = field(default_factory=BuildReport)
    _offsets: array = field(default_factory=lambda: array("q"))
    _content: bytearray = field(default_factory=bytearray)
    _links: bytearray = field(default_factory=bytearray)
    _owners: array = field(default_factory=lambda: array("q"))
    _first: bytearray = field(default_factory=bytearray)
    _order: bytearray = field(default_factory=bytearray)
    _prefix: bytearray = field(default_factory=bytearray)  # of the smallest key, UTF-8, padded

    def add(self, offset: int, rec: ParallelSample) -> None:
        """Count the record; keep the facts of an accepted one (read from ``offset``)."""
        self.report.read += 1
        if rec.status is not Status.accepted:
            self.report.skipped_by_status[rec.status.value if rec.status else "untranslated"] += 1
            return
        i = len(self._offsets)
        self._offsets.append(offset)
        self._content += digest(repr(content_key(rec)))
        keys = group_keys(rec, self.by_document)
        for key in keys:
            self._links += digest(key)
            self._owners.append(i)
        first = min(keys)
        self._first += digest(first)
        self._prefix += first.encode()[:PREFIX].ljust(PREFIX, b"\0")
        self._order += bytes.fromhex(group_order(self.seed, first))

    def plan(
        self, fractions: Iterable[float], first_key: Callable[[int], str]
    ) -> dict[str, np.ndarray]:
        """Byte offsets of each split's records in row order (as ``assign_splits`` orders them).
        ``first_key(offset)``: the smallest group key of the record there, read again."""
        shares = split_shares(list(fractions))
        report = self.report
        report.fractions, report.seed = tuple(shares), self.seed
        report.by_document = self.by_document
        offsets = np.frombuffer(self._offsets, dtype=np.int64)
        kept = _first_copies(np.frombuffer(self._content, dtype=f"S{DIGEST}"))
        report.duplicates = len(offsets) - len(kept)
        members, sizes = _groups(kept, self._kept_links(kept))
        report.groups = len(sizes)
        ranked = np.argsort(self._group_orders(kept, members, sizes, first_key), kind="stable")
        split_of = np.empty(len(sizes), dtype=np.int64)
        split_of[ranked] = place_groups(sizes[ranked].tolist(), shares)
        rank = np.empty(len(sizes), dtype=np.int64)
        rank[ranked] = np.arange(len(sizes))
        group_of = np.repeat(np.arange(len(sizes)), sizes)  # per position in members
        by_rank = np.argsort(rank[group_of], kind="stable")  # groups in order, members by input
        rows, row_split = kept[members[by_rank]], split_of[group_of[by_rank]]
        out = {s: offsets[rows[row_split == k]] for k, s in enumerate(SPLITS)}
        report.split_sizes = {s: len(v) for s, v in out.items()}
        return out

    def _kept_links(self, kept: np.ndarray) -> Iterable[tuple[int, int]]:
        """Pairs of kept samples (numbered in ``kept``) that share a group key."""
        position = np.full(len(self._offsets), -1, dtype=np.int64)
        position[kept] = np.arange(len(kept))
        owners = position[np.frombuffer(self._owners, dtype=np.int64)]
        keys = np.frombuffer(self._links, dtype=f"S{DIGEST}")[owners >= 0]
        owners = owners[owners >= 0]
        by_key = np.argsort(keys, kind="stable")
        keys, owners = keys[by_key], owners[by_key]
        same = keys[1:] == keys[:-1]
        return zip(owners[:-1][same].tolist(), owners[1:][same].tolist(), strict=True)

    def _group_orders(
        self, kept: np.ndarray, members: np.ndarray, sizes: np.ndarray,
        first_key: Callable[[int], str],
    ) -> np.ndarray:
        """Each group's place in the split order, from the smallest key of its members."""
        samples = kept[members]
        ends = np.cumsum(sizes)
        starts = ends - sizes
        firsts = np.frombuffer(self._first, dtype=f"S{DIGEST}")
        orders = np.frombuffer(self._order, dtype=f"S{ORDER}")
        out = orders[samples[starts]].copy()
        group_of = np.repeat(np.arange(len(sizes)), sizes)
        differs = np.flatnonzero(firsts[samples[1:]] != firsts[samples[:-1]]) + 1
        differs = differs[group_of[differs] == group_of[differs - 1]]
        for g in np.unique(group_of[differs]).tolist():
            out[g] = self._mixed_order(samples[starts[g] : ends[g]], first_key)
        return out

    def _mixed_order(self, group: np.ndarray, first_key: Callable[[int], str]) -> bytes:
        """The order of a group whose members' smallest keys differ: the least by prefix, and
        only when prefixes tie between different keys, the keys read again."""
        prefixes = np.frombuffer(self._prefix, dtype=f"S{PREFIX}")[group]
        least = group[prefixes == prefixes[np.argsort(prefixes, kind="stable")[0]]]
        firsts = np.frombuffer(self._first, dtype=f"S{DIGEST}")[least]
        if (firsts == firsts[0]).all():
            return bytes(np.frombuffer(self._order, dtype=f"S{ORDER}")[least[0]])
        offsets = np.frombuffer(self._offsets, dtype=np.int64)
        first = min(first_key(int(offsets[i])) for i in least.tolist())
        return bytes.fromhex(group_order(self.seed, first))


def _first_copies(content: np.ndarray) -> np.ndarray:
    """Indices of the first sample of each distinct content, ascending (first one wins)."""
    if not len(content):
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.unique(content, return_index=True)[1]).astype(np.int64)


def _groups(
    kept: np.ndarray, links: Iterable[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Kept samples (positions in ``kept``) gathered by group, in input order within a group,
    and the size of each group."""
    roots = components(len(kept), links)
    members = np.argsort(roots, kind="stable")
    return members, np.unique(roots[members], return_counts=True)[1]
