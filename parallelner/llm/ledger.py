"""Tokens and money: a ledger line per call, a pre-run estimate, and a budget cap.

WHY a reservation scheme: with many calls in flight, checking "spent < budget" before each call
would overshoot by up to ``concurrency`` calls. Instead a call starts only if the money already
spent plus the worst case of every call in flight (this one included) stays within the budget;
the worst case is the estimated prompt plus ``max_tokens`` of output. Once a call is refused the
cap is *sticky*: no later call starts either, so the run stops cleanly in input order and a rerun
(with a higher budget) resumes from the response cache.

Prices are configuration (``[llm.prices."model"]``), per million tokens.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..config import ModelPrice
from ..errors import BudgetExceeded, ConfigError
from .client import Completion, Request

# Rough tokenizer-free estimate: ~4 characters per token for alphabetic scripts, about one token
# per CJK character (true within ~30% for GPT/Qwen BPEs), plus a few tokens per chat message.
_PER_MESSAGE = 4


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def estimate_tokens(text: str) -> int:
    wide = sum(1 for ch in text if _is_cjk(ch))
    return wide + math.ceil((len(text) - wide) / 4)


def estimate_prompt_tokens(request: Request) -> int:
    return sum(estimate_tokens(content) + _PER_MESSAGE for _, content in request.messages)


class Prices:
    """Cost of a call from the configured per-model prices."""

    def __init__(self, prices: dict[str, ModelPrice]) -> None:
        self._prices = dict(prices)

    def known(self, model: str) -> bool:
        return model in self._prices

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        p = self._prices.get(model)
        if p is None:
            return 0.0
        return (prompt_tokens * p.input_per_mtok + completion_tokens * p.output_per_mtok) / 1e6

    def require(self, models: list[str]) -> None:
        """A budget without a price for every model it pays for cannot be enforced."""
        missing = [m for m in models if m not in self._prices]
        if missing:
            raise ConfigError(
                f"a budget is set but there is no price for model(s) {', '.join(missing)}: add "
                '[llm.prices."<model>"] input_per_mtok / output_per_mtok to the settings'
            )


@dataclass
class Estimate:
    """What a run will cost before it starts (cache hits are free)."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def add(self, prices: Prices, request: Request, expected_output: int, cached: bool) -> None:
        if cached:
            self.cached += 1
            return
        pt = estimate_prompt_tokens(request)
        self.calls += 1
        self.prompt_tokens += pt
        self.completion_tokens += expected_output
        self.cost += prices.cost(request.model, pt, expected_output)


@dataclass
class LedgerEntry:
    stage: str
    ids: list[str]
    model: str
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    cost: float
    cached: bool
    retries: int = 0
    error: str | None = None
    time: float = field(default_factory=time.time)


@dataclass
class Totals:
    calls: int = 0
    cached: int = 0
    failed: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0


    def add_entry(self, entry: dict) -> None:
        """Count one ledger line (as written by :meth:`Ledger.record_call`)."""
        if entry.get("cached"):
            self.cached += 1
        else:
            self.calls += 1
            self.prompt_tokens += int(entry.get("prompt_tokens", 0))
            self.completion_tokens += int(entry.get("completion_tokens", 0))
            self.cost += float(entry.get("cost", 0.0))
            self.retries += int(entry.get("retries", 0))
        if entry.get("error") is not None:
            self.failed += 1


class Ledger:
    """Appends one JSON line per call (or cache hit) and enforces the budget.

    Alone, the budget covers this ledger's own calls (plus ``spent``). After
    :meth:`for_whole_run` it covers everything the ledger file records, whoever wrote it, plus
    the calls in flight of every ledger of this process on the same file.
    """

    def __init__(self, prices: Prices, budget: float | None = None, path: Path | None = None,
                 spent: float = 0.0):
        self.prices = prices
        self.budget = budget
        self.path = Path(path) if path is not None else None
        self.totals = Totals()
        self.spent_before = spent
        self._reserved = 0.0
        self.stopped = False
        self._book: LedgerBook | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def for_whole_run(self) -> Ledger:
        """Count the whole ledger file against the budget (a run's chunk stages share one file):
        what it records, read incrementally, and what every ledger of this process holds."""
        if self.path is None:
            raise ValueError("a run ledger needs a path")
        self._book = book(self.path)
        self._book.save()
        return self

    # -- budget ------------------------------------------------------------------------------
    def worst_case(self, request: Request) -> float:
        pt = math.ceil(estimate_prompt_tokens(request) * 1.25)
        return self.prices.cost(request.model, pt, request.max_tokens)

    def reserve(self, request: Request) -> float:
        """Hold the worst-case cost of a call about to start, or raise BudgetExceeded."""
        amount = self.worst_case(request)
        b = self._book
        if b is None:
            self._check(lambda: self.spent_before + self.totals.cost, self._reserved, amount)
            self._reserved += amount
            return amount
        if self.budget is None:
            return 0.0  # nothing to hold against
        with b.lock, b.shared():
            self._check(lambda: b.totals().cost, b.reserved + b.held_elsewhere(), amount)
            b.reserved += amount
            b.publish()
        return amount

    def _check(self, spent: Callable[[], float], held: float, amount: float) -> None:
        if self.budget is None:
            return
        money = spent()
        if self.stopped or money + held + amount > self.budget:
            self.stopped = True
            raise BudgetExceeded(
                f"budget {self.budget:g} reached: spent {money:.4f}, "
                f"{held:.4f} held by calls in flight, the next call may cost up to "
                f"{amount:.4f}. No new calls are made; rerun with a higher budget to resume "
                "(finished calls come from the cache)."
            )

    def release(self, amount: float) -> None:
        b = self._book
        if b is None:
            self._reserved = max(0.0, self._reserved - amount)
            return
        if not amount:
            return
        with b.lock, b.shared():
            b.reserved = max(0.0, b.reserved - amount)
            b.publish()

    # -- records -----------------------------------------------------------------------------
    def record_call(
        self, stage: str, ids: list[str], request: Request, completion: Completion | None,
        error: str | None = None, retries: int = 0,
    ) -> float:
        """Account one call (a cache hit costs nothing); returns its cost."""
        pt = completion.prompt_tokens if completion else 0
        ct = completion.completion_tokens if completion else 0
        cached = bool(completion and completion.cached)
        cost = 0.0 if cached else self.prices.cost(request.model, pt, ct)
        t = self.totals
        if cached:
            t.cached += 1
        else:
            t.calls += 1
            t.prompt_tokens += pt
            t.completion_tokens += ct
            t.cost += cost
            t.retries += completion.retries if completion else retries
        if error is not None:
            t.failed += 1
        entry = LedgerEntry(
            stage=stage, ids=list(ids), model=request.model,
            prompt_version=request.prompt_version, prompt_tokens=pt, completion_tokens=ct,
            cost=cost, cached=cached, retries=completion.retries if completion else retries,
            error=error,
        )
        if self.path is not None:
            book(self.path).append(asdict(entry))
        return cost


# -- the ledger file, summed incrementally ----------------------------------------------------
# WHY an index: a run's chunk stages each need the money spent so far. Re-reading the whole
# ledger.jsonl per chunk made that O(N^2) (0.9 s per read at 270k lines). ``<ledger>.sum`` records
# the totals of the file up to a byte offset (and the bytes just before it, to notice a replaced
# file); a reader adds only the complete lines past that offset. The file stays the truth: the
# index is rewritten atomically and may lag, never lead, so kill -9 at any point loses nothing.
_INDEX_EVERY = 256 * 1024  # rewrite the index once this many new bytes have been summed
_TAIL_CHECK = 64


def index_path(path: Path) -> Path:
    return path.with_name(path.name + ".sum")


def held_path(path: Path) -> Path:
    """``<ledger>.held/``: one file per process, the money its calls in flight hold."""
    return path.with_name(path.name + ".held")


class LedgerBook:
    """One ledger file as seen by this process: its running totals and the calls in flight.

    Every ledger of the process writing to the file goes through one book (:func:`book`), so
    appends are single ``write`` calls of whole lines under one lock, and the budget sees every
    reservation of the process. Other processes (process-pool or Dask workers on this machine)
    append to the same file; their lines are read as they come, and their calls in flight are
    published in ``<ledger>.held/<pid>`` under a file lock, so a budget counts every process's
    calls in flight (:meth:`held_elsewhere`). Workers on other machines need a shared folder.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.reserved = 0.0
        self.lock = threading.RLock()  # Ledger.reserve/release hold it too
        self._totals = Totals()
        self._offset = 0
        self._indexed = -1  # offset of the index on disk (-1: not read yet)
        self._checked_end = False

    # -- reading -----------------------------------------------------------------------------
    def totals(self) -> Totals:
        """Totals of every complete line of the file, reading only what is new."""
        with self.lock:
            if self._indexed < 0:
                self._load_index()
            self._read_tail()
            if self._offset - self._indexed >= _INDEX_EVERY:
                self._write_index()
            return replace(self._totals)

    def save(self) -> Totals:
        """Bring the totals and the index on disk up to date."""
        with self.lock:
            t = self.totals()
            if self._offset != self._indexed:
                self._write_index()
            return t

    def _load_index(self) -> None:
        self._totals, self._offset, self._indexed = Totals(), 0, 0
        try:
            data = json.loads(index_path(self.path).read_text(encoding="utf-8"))
            offset = int(data["offset"])
            tail = bytes.fromhex(data["tail"])
            totals = Totals(**data["totals"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return  # no index or a broken one: sum from the start
        try:
            with self.path.open("rb") as fh:
                fh.seek(max(0, offset - len(tail)))
                if fh.read(len(tail)) != tail or offset > self.path.stat().st_size:
                    return  # the ledger file was replaced or cut: sum from the start
        except FileNotFoundError:
            return
        self._totals, self._offset, self._indexed = totals, offset, offset

    def _read_tail(self) -> None:
        try:
            with self.path.open("rb") as fh:
                if os.fstat(fh.fileno()).st_size < self._offset:  # cut or replaced: start over
                    self._load_index()
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1  # a line without its newline is not complete yet
        for line in data[:end].splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by a killed process (see append)
            if isinstance(entry, dict):
                self._totals.add_entry(entry)
        self._offset += end

    def _write_index(self) -> None:
        with self.path.open("rb") as fh:
            fh.seek(max(0, self._offset - _TAIL_CHECK))
            tail = fh.read(min(self._offset, _TAIL_CHECK))
        data = {"offset": self._offset, "tail": tail.hex(), "totals": asdict(self._totals)}
        target = index_path(self.path)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(target)
        self._indexed = self._offset

    # -- calls in flight of every process ----------------------------------------------------
    @property
    def held_dir(self) -> Path:
        return held_path(self.path)

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """Exclusive across processes: reading the totals, every process's holdings and
        publishing ours happen as one step, so two processes cannot both take the last money."""
        self.held_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.held_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def held_elsewhere(self) -> float:
        """Money held by calls in flight of the other living processes of this ledger."""
        total = 0.0
        for f in self.held_dir.iterdir():
            if not f.name.isdigit() or int(f.name) == os.getpid():
                continue
            try:
                os.kill(int(f.name), 0)
            except ProcessLookupError:
                f.unlink(missing_ok=True)  # a process that died holding money holds none now
                continue
            except PermissionError:
                pass
            with contextlib.suppress(OSError, ValueError):
                total += float(f.read_text(encoding="utf-8") or 0.0)
        return total

    def publish(self) -> None:
        """Write what this process holds now (called under :meth:`shared`)."""
        mine = self.held_dir / str(os.getpid())
        if self.reserved > 0:
            mine.write_text(repr(self.reserved), encoding="utf-8")
        else:
            mine.unlink(missing_ok=True)

    # -- writing -----------------------------------------------------------------------------
    def append(self, entry: dict) -> None:
        """Append one line in one ``write``. The first append of the process ends a line cut by a
        killed writer, so the new line is not glued to it (the cut line stays unreadable)."""
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if not self._checked_end:
                    self._checked_end = True
                    size = os.fstat(fd).st_size
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        line = b"\n" + line
                os.write(fd, line)
            finally:
                os.close(fd)


def clear_holdings(path: Path) -> None:
    """Forget the calls in flight that processes of an earlier attempt published: a run starts
    (or resumes) with none, and a pid of a killed worker may belong to another process now."""
    shutil.rmtree(held_path(Path(path)), ignore_errors=True)


_BOOKS: dict[Path, LedgerBook] = {}
_BOOKS_LOCK = threading.Lock()


def book(path: Path) -> LedgerBook:
    """The process's one book of a ledger file."""
    key = Path(os.path.abspath(path))
    with _BOOKS_LOCK:
        b = _BOOKS.get(key)
        if b is None:
            b = _BOOKS[key] = LedgerBook(key)
        return b


def ledger_totals(path: Path) -> Totals:
    """Calls, cached calls, failed calls, tokens and money according to a ledger file (all zero
    if there is none yet); reads only what is new since the last read (see ``<ledger>.sum``)."""
    return book(Path(path)).save()


def ledger_cost(path: Path) -> float:
    """Money already spent according to a ledger file (0 if there is none yet)."""
    return ledger_totals(path).cost
