"""A simulated OpenAI-compatible translator for the scale benchmark: gold Europarl en→de answers.

The English sentences of the gold Europarl NER corpus (``data/gold/europarl-ner``) are the source;
each translate request is answered with the aligned German gold sentence in our inline markup
(tag ids paired by the benchmarks' gold pairing, ``benchmarks/_gold.py``). To make N unique
samples from ~800 pairs, sample ``k`` is pair ``k mod P`` with `` (ref. k)`` appended to the English
text and `` (Ref. k)`` to the German answer; the server reads ``k`` back from the request.

Seeded faults on first answers (translate requests), decided by a hash of ``k`` so a resumed run
gets the same answers: 4% drop a tag, 1% come back untranslated (the source echoed). Refine
requests (whole sentence or entity names) are answered right.

It is ``tests/llm_server.ChatServer`` (real HTTP on 127.0.0.1) with this responder, plus a tally
of requests by content so a resume's repeated requests can be counted. Import it, or run it
standalone: ``PYTHONPATH=. python benchmarks/sim_translator.py`` prints ``PORT <n>``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks._gold import _mapping, europarl
from parallelner.markup.render import render_markup
from parallelner.schema import EntitySpan, SourceProvenance, SourceSample
from tests.llm_server import ChatServer, Recorded

DROP_TAG = 0.04
UNTRANSLATED = 0.01
_REF = re.compile(r" \(ref\. (\d+)\)")
_BACK_REF = re.compile(r" \(Ref\. (\d+)\)")  # in our German answers: a round trip asks them back
_ENTITY_LINE = re.compile(r"^\[(\d+)\] (.*)$")
_FIRST_TAG = re.compile(r'<(\w+) id="1">(.*?)</\1>')


@dataclass(frozen=True)
class GoldPair:
    text: str
    entities: tuple[EntitySpan, ...]
    target_markup: str
    source_surfaces: tuple[str, ...]
    target_surfaces: tuple[str, ...]  # index i: the German surface of source entity i


def gold_pairs() -> list[GoldPair]:
    """Every Europarl en-de sentence pair whose entities pair up (label multisets agree)."""
    out = []
    for s, t in zip(europarl("en"), europarl("de"), strict=True):
        mapping = _mapping(s, t)
        if mapping is None:
            continue
        tents = [t.entities[j] for j in mapping]
        out.append(GoldPair(
            text=s.text, entities=s.entities,
            target_markup=render_markup(t.text, tents),
            source_surfaces=tuple(e.surface(s.text) for e in s.entities),
            target_surfaces=tuple(e.surface(t.text) for e in tents),
        ))
    return out


def make_sources(pairs: list[GoldPair], n: int) -> Iterator[SourceSample]:
    """N unique English samples: pair ``k mod P`` with a ``(ref. k)`` suffix (offsets unchanged)."""
    for k in range(n):
        p = pairs[k % len(pairs)]
        yield SourceSample(
            id=f"europarl-sim-{k:07d}", lang="en", text=f"{p.text} (ref. {k})",
            entities=list(p.entities),
            provenance=SourceProvenance(dataset="europarl-sim", split="test", index=k),
        )


def fault(k: int, seed: int = 0) -> str:
    """``drop`` (4%), ``untranslated`` (1%) or ``ok``: a hash of k, the same on every request."""
    u = int.from_bytes(hashlib.blake2b(f"{seed}:{k}".encode(), digest_size=4).digest()) / 2**32
    if u < DROP_TAG:
        return "drop"
    if u < DROP_TAG + UNTRANSLATED:
        return "untranslated"
    return "ok"


class RequestTally:
    """Stands in for ChatServer.requests: counts requests by content instead of keeping them."""

    def __init__(self) -> None:
        self.by_key: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.total = 0

    def append(self, rec: Recorded) -> None:
        body = rec.body
        blob = json.dumps([body.get("model"), body.get("messages")], ensure_ascii=False)
        self.by_key[hashlib.sha1(blob.encode()).hexdigest()] += 1
        self.kinds[_kind(body)] += 1
        self.total += 1

    def clear(self) -> None:
        self.by_key.clear()
        self.kinds.clear()
        self.total = 0

    def __len__(self) -> int:
        return self.total

    @property
    def repeated(self) -> int:
        """Requests asked again with the very same content."""
        return sum(c - 1 for c in self.by_key.values() if c > 1)


def _kind(body: dict[str, Any]) -> str:
    system = next((m["content"] for m in body.get("messages", []) if m["role"] == "system"), "")
    if system.startswith("You translate named entities"):
        return "refine_spans"
    if system.startswith("You repair"):
        return "refine"
    return "translate"


class SimTranslator:
    """The responder: gold answers, seeded faults on translate requests, right refine answers."""

    def __init__(self, pairs: list[GoldPair], seed: int = 0) -> None:
        self.pairs = pairs
        self.seed = seed

    def __call__(self, body: dict[str, Any]) -> str:
        users = [m["content"] for m in body.get("messages", []) if m["role"] == "user"]
        user = users[-1] if users else ""
        m = _REF.search(user)
        back = _BACK_REF.search(user) if m is None else None
        if back is not None:  # the verify stage's round trip: a competent translator reads back
            pair = self.pairs[int(back.group(1)) % len(self.pairs)]
            return f"{render_markup(pair.text, list(pair.entities))} (ref. {back.group(1)})"
        if m is None:
            return user  # not one of ours: echo
        k = int(m.group(1))
        pair = self.pairs[k % len(self.pairs)]
        kind = _kind(body)
        if kind == "refine_spans":
            return self._names(pair, user)
        answer = f"{pair.target_markup} (Ref. {k})"
        if kind == "refine":
            return answer
        f = fault(k, self.seed)
        if f == "drop":
            return _FIRST_TAG.sub(r"\2", answer, count=1)
        if f == "untranslated":
            return user
        return answer

    @staticmethod
    def _names(pair: GoldPair, user: str) -> str:
        lines = user.split("Entities:", 1)[-1].splitlines()
        out = []
        for line in lines:
            m = _ENTITY_LINE.match(line.strip())
            if m is None:
                continue
            surface = m.group(2)
            i = pair.source_surfaces.index(surface) if surface in pair.source_surfaces else -1
            out.append(f"[{m.group(1)}] {pair.target_surfaces[i] if i >= 0 else surface}")
        return "\n".join(out)


def start_server(seed: int = 0) -> tuple[ChatServer, RequestTally, int]:
    """Start the simulated translator on 127.0.0.1; returns (server, tally, gold pairs)."""
    pairs = gold_pairs()
    server = ChatServer()
    tally = RequestTally()
    server.requests = tally  # type: ignore[assignment]
    server.responder = SimTranslator(pairs, seed)
    server.start()
    return server, tally, len(pairs)


def main() -> None:
    import time

    server, _, n = start_server()
    print(f"PORT {server.port} ({n} gold pairs)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
