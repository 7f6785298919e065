"""How far people agree with each other and with the machine: pure arithmetic, no I/O.

- Inter-annotator agreement on records answered by two people: span F1 (exact start, end and
  label; micro-averaged over records) and Cohen's kappa on the "usable" answer.
- The machine's accuracy on audited accepted samples against people: the share people left
  unchanged, with a Wilson score interval. Its complement is the run's measured silent-error rate
  (accepted samples that were wrong without any check noticing).

Written out here (a few lines each) rather than pulling in a statistics package for two formulas.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95 %


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion; None without observations."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels; None without pairs, 1.0 when both always agree on a
    single label (no chance disagreement to correct for)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1 - expected)


SpanSet = frozenset[tuple[int, int, str]]


def span_f1(pairs: Sequence[tuple[SpanSet, SpanSet]]) -> float | None:
    """Micro-averaged F1 of exact span matches between two annotators (symmetric)."""
    matched = sum(len(a & b) for a, b in pairs)
    total = sum(len(a) + len(b) for a, b in pairs)
    if not pairs:
        return None
    return 1.0 if total == 0 else 2 * matched / total


@dataclass(frozen=True)
class Agreement:
    """Agreement between pairs of annotators on the records both answered."""

    records: int  # answer pairs compared (one per record answered by two people)
    span_f1: float | None
    usable_kappa: float | None
    usable_agreement: float | None  # raw share of identical "usable" answers


def agreement(spans: Sequence[tuple[SpanSet, SpanSet]],
              usable: Sequence[tuple[str, str]]) -> Agreement:
    raw = sum(a == b for a, b in usable) / len(usable) if usable else None
    return Agreement(len(usable), span_f1(spans), cohen_kappa(usable), raw)


@dataclass(frozen=True)
class MachineAccuracy:
    """Audited accepted samples that people answered: how many the machine had right."""

    answered: int
    correct: int  # left unchanged by people
    accuracy: float | None
    accuracy_ci95: tuple[float, float] | None
    silent_error_rate: float | None  # 1 - accuracy
    silent_error_ci95: tuple[float, float] | None


def machine_accuracy(correct: int, answered: int) -> MachineAccuracy:
    ci = wilson(correct, answered)
    if ci is None:
        return MachineAccuracy(answered, correct, None, None, None, None)
    acc = correct / answered
    return MachineAccuracy(answered, correct, acc, ci, 1 - acc, (1 - ci[1], 1 - ci[0]))
