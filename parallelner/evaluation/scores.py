"""Scores of predicted target entities against gold target annotations. Pure logic, no I/O.

Samples are matched by ``id``. Two ways to compare spans, because two modes produce targets:

* **offset** matching: projection mode keeps the given target sentence, so a predicted span and a
  gold span compare by character offsets. *exact* = same start, end and label; *overlap* = same
  label and the character ranges intersect. A sample whose predicted ``target_text`` differs from
  the gold text cannot be compared this way: its gold spans count as misses and its predicted spans
  as false positives (the sentence was rewritten, which projection must not do).
* **surface** matching: translate mode writes a new sentence, so offsets mean nothing; spans compare
  by their text. *exact* = same label and the same surface after Unicode NFKC and whitespace
  normalization; *overlap* = same label and one surface contains the other, ignoring case. This
  works in both modes and is always reported; offset matching is reported when at least one
  predicted text equals its gold text.

Relaxed matches are one-to-one (a maximum bipartite matching per label), so one predicted span never
hits two gold spans, and every exact hit is also a relaxed hit.

A gold sample missing from the predictions, and a prediction with status ``rejected``, predict
nothing. Two views: ``all`` (every gold sample) and ``accepted`` (only the gold samples whose
prediction was accepted). Predictions whose id is not in the gold are counted, never scored.

Faithfulness is the share of predicted samples in which every source entity has a target span
(each ``source_index`` 0..n-1 is covered); a sample without source entities is faithful.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, computed_field

from parallelner.errors import InputError
from parallelner.schema import EntitySpan, ParallelSample, Status

Matching = Literal["offset", "surface"]
T = TypeVar("T", tuple[int, int], str)
VIEWS = ("all", "accepted")
_WS_RE = re.compile(r"\s+")

# label -> (gold spans, predicted spans, exact hits, overlap hits)
PerLabel = dict[str, tuple[int, int, int, int]]


class PRF(BaseModel):
    """Span counts and the micro precision / recall / F1 they give (0 when a denominator is 0)."""

    gold: int = 0
    predicted: int = 0
    correct: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: int, predicted: int, correct: int) -> None:
        self.gold += gold
        self.predicted += predicted
        self.correct += correct


class Scores(BaseModel):
    """Exact and relaxed (overlap) counts of one slice of the data."""

    exact: PRF = Field(default_factory=PRF)
    overlap: PRF = Field(default_factory=PRF)


class Breakdown(BaseModel):
    """Micro scores overall, per label and per language pair (``en-de``) for one matching."""

    overall: Scores = Field(default_factory=Scores)
    per_label: dict[str, Scores] = Field(default_factory=dict)
    per_pair: dict[str, Scores] = Field(default_factory=dict)


class Faithfulness(BaseModel):
    samples: int = 0
    faithful: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def share(self) -> float:
        return self.faithful / self.samples if self.samples else 0.0


class ViewResult(BaseModel):
    """The scores of one view (``all`` gold samples, or only ``accepted`` predictions)."""

    samples: int = 0
    offset: Breakdown | None = None
    surface: Breakdown = Field(default_factory=Breakdown)
    faithfulness: Faithfulness = Field(default_factory=Faithfulness)


class Evaluation(BaseModel):
    """Everything ``parallelner evaluate`` reports; dumps as the ``metrics.json`` file."""

    gold_samples: int = 0
    predicted_samples: int = 0
    missing: int = 0
    extra: int = 0
    same_text: int = 0
    different_text: int = 0
    no_text: int = 0
    primary: Matching = "surface"
    status: dict[str, int] = Field(default_factory=dict)
    views: dict[str, ViewResult] = Field(default_factory=dict)


# ---------------------------------------------------------------- span matching


def max_matching(n_gold: int, n_pred: int, ok: Callable[[int, int], bool]) -> int:
    """Size of a maximum one-to-one matching between gold and predicted items (Kuhn's algorithm).

    Why not greedy: greedy pairing can leave a hit unmatched ("A" takes the only partner of "B"),
    and then a relaxed score could fall below the exact one. Span lists are tiny; this is instant.
    """
    owner = [-1] * n_pred

    def augment(g: int, seen: set[int]) -> bool:
        for p in range(n_pred):
            if p in seen or not ok(g, p):
                continue
            seen.add(p)
            if owner[p] < 0 or augment(owner[p], seen):
                owner[p] = g
                return True
        return False

    return sum(augment(g, set()) for g in range(n_gold))


def normalize_surface(text: str) -> str:
    """NFKC, whitespace runs collapsed to one space, trimmed: what 'the same surface' means."""
    return _WS_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _score_labels(
    gold: dict[str, list[T]], pred: dict[str, list[T]], related: Callable[[T, T], bool]
) -> PerLabel:
    """Per label: exact hits are equal keys (as multisets), overlap hits a maximum matching."""
    out: PerLabel = {}
    for label in gold.keys() | pred.keys():
        g, p = gold.get(label, []), pred.get(label, [])
        exact = sum((Counter(g) & Counter(p)).values())
        overlap = max_matching(len(g), len(p), lambda i, j, g=g, p=p: related(g[i], p[j]))
        out[label] = (len(g), len(p), exact, overlap)
    return out


def _keys(spans: Sequence[EntitySpan], key: Callable[[EntitySpan], T]) -> dict[str, list[T]]:
    out: dict[str, list[T]] = defaultdict(list)
    for s in spans:
        out[s.label].append(key(s))
    return out


def _ranges_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _contains(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return bool(a and b) and (a in b or b in a)


def score_offsets(gold: Sequence[EntitySpan], pred: Sequence[EntitySpan]) -> PerLabel:
    """Per-label counts of spans of one shared text, compared by character offsets."""

    def rng(s: EntitySpan) -> tuple[int, int]:
        return (s.start, s.end)

    return _score_labels(_keys(gold, rng), _keys(pred, rng), _ranges_overlap)


def score_surfaces(
    gold_text: str, gold: Sequence[EntitySpan], pred_text: str, pred: Sequence[EntitySpan]
) -> PerLabel:
    """Per-label counts of spans of two different texts, compared by their normalized surface."""
    return _score_labels(
        _keys(gold, lambda s: normalize_surface(s.surface(gold_text))),
        _keys(pred, lambda s: normalize_surface(s.surface(pred_text))),
        _contains,
    )


def is_faithful(sample: ParallelSample) -> bool:
    """Every source entity has at least one target span pointing at it."""
    covered = {s.source_index for s in sample.target_entities if s.source_index is not None}
    return covered.issuperset(range(len(sample.source_entities)))


# ---------------------------------------------------------------- the evaluation


def index_by_id(records: Iterable[ParallelSample], what: str) -> dict[str, ParallelSample]:
    """Records by id; a repeated id is an error naming it (which one to score would be a guess)."""
    out: dict[str, ParallelSample] = {}
    for rec in records:
        if rec.id in out:
            raise InputError(f"{what}: sample id {rec.id!r} appears more than once")
        out[rec.id] = rec
    return out


def _predicts_nothing(pred: ParallelSample | None) -> bool:
    return pred is None or pred.status == Status.rejected or pred.target_text is None


def _add(bd: Breakdown, pair: str, per_label: PerLabel) -> None:
    for label, (g, p, exact, overlap) in per_label.items():
        for scores in (
            bd.overall,
            bd.per_label.setdefault(label, Scores()),
            bd.per_pair.setdefault(pair, Scores()),
        ):
            scores.exact.add(g, p, exact)
            scores.overlap.add(g, p, overlap)


def _check_pair(gold: ParallelSample, pred: ParallelSample | None) -> None:
    if gold.target_text is None:
        raise InputError(f"gold sample {gold.id!r} has no target_text")
    if pred is not None and (gold.source_lang, gold.target_lang) != (
        pred.source_lang,
        pred.target_lang,
    ):
        raise InputError(
            f"sample {gold.id!r}: prediction is {pred.source_lang}->{pred.target_lang} but the "
            f"gold is {gold.source_lang}->{gold.target_lang}"
        )



def _score_sample(gold: ParallelSample, pred: ParallelSample | None) -> tuple[PerLabel, PerLabel]:
    """(offset, surface) per-label counts of one gold sample and its prediction."""
    if _predicts_nothing(pred):
        nothing = {k: (n, 0, 0, 0)
                   for k, n in Counter(s.label for s in gold.target_entities).items()}
        return nothing, nothing
    assert pred is not None and pred.target_text is not None and gold.target_text is not None
    surface = score_surfaces(
        gold.target_text, gold.target_entities, pred.target_text, pred.target_entities
    )
    if pred.target_text == gold.target_text:
        return score_offsets(gold.target_entities, pred.target_entities), surface
    # A rewritten sentence: nothing can be verified on the given text.
    return {k: (g, p, 0, 0) for k, (g, p, _, _) in surface.items()}, surface


def _faithful(pred: ParallelSample) -> bool:
    return not pred.source_entities or (not _predicts_nothing(pred) and is_faithful(pred))


def evaluate(gold: Iterable[ParallelSample], predictions: Iterable[ParallelSample]) -> Evaluation:
    """Score ``predictions`` against ``gold`` (both ParallelSample records; see the module doc)."""
    gold_by = index_by_id(gold, "gold")
    pred_by = index_by_id(predictions, "predictions")
    ev = Evaluation(gold_samples=len(gold_by))
    ev.extra = sum(1 for pid in pred_by if pid not in gold_by)
    views = {v: ViewResult(offset=Breakdown()) for v in VIEWS}
    status: Counter[str] = Counter()
    for sid, g in gold_by.items():
        pred = pred_by.get(sid)
        _check_pair(g, pred)
        if pred is None:
            status["missing"] += 1
        else:
            status[pred.status.value if pred.status else "none"] += 1
            if pred.target_text is None:
                ev.no_text += 1
            elif not _predicts_nothing(pred):
                same = pred.target_text == g.target_text
                ev.same_text += int(same)
                ev.different_text += int(not same)
        offset, surface = _score_sample(g, pred)
        pair = f"{g.source_lang}-{g.target_lang}"
        accepted = pred is not None and pred.status == Status.accepted
        for view in [views["all"]] + ([views["accepted"]] if accepted else []):
            view.samples += 1
            assert view.offset is not None
            _add(view.offset, pair, offset)
            _add(view.surface, pair, surface)
            if pred is not None:
                view.faithfulness.samples += 1
                view.faithfulness.faithful += int(_faithful(pred))
    ev.missing = status["missing"]
    ev.predicted_samples = len(gold_by) - ev.missing
    if ev.same_text == 0:
        for view in views.values():
            view.offset = None
    ev.primary = "offset" if ev.same_text and not ev.different_text else "surface"
    ev.status = {k: v for k, v in status.items() if v}
    for view in views.values():
        for bd in (view.offset, view.surface):
            if bd is not None:
                bd.per_label = dict(sorted(bd.per_label.items()))
                bd.per_pair = dict(sorted(bd.per_pair.items()))
    ev.views = views
    return ev


__all__ = [
    "PRF",
    "Breakdown",
    "Evaluation",
    "Faithfulness",
    "Scores",
    "ViewResult",
    "evaluate",
    "index_by_id",
    "is_faithful",
    "max_matching",
    "normalize_surface",
    "score_offsets",
    "score_surfaces",
]
