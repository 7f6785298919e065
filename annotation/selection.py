"""Which samples go to people: every ``review`` sample plus a stable audit share of ``accepted``
ones.

The audit is chosen by a hash of the sample id, not at random: the same run always sends the same
samples, a larger fraction sends a superset, and no state is needed to stay idempotent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from parallelner.align.issues import CODES, Action
from parallelner.schema import ParallelSample, Status


def audit_position(sample_id: str) -> float:
    """A number in [0, 1) fixed by the id: the sample is audited when it is below the fraction."""
    digest = hashlib.sha256(sample_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_audited(sample: ParallelSample, fraction: float) -> bool:
    return sample.status == Status.accepted and audit_position(sample.id) < fraction


def select_for_review(
    samples: Iterable[ParallelSample], audit_fraction: float
) -> list[ParallelSample]:
    """The review queue, in input order: status ``review``, then the audited ``accepted`` ones."""
    return [s for s in samples if s.status == Status.review or is_audited(s, audit_fraction)]


def _worst_action(sample: ParallelSample) -> int:
    """The most severe action among the sample's issue codes (codes the aligner does not know,
    e.g. refine's or review's own, count as 'review')."""
    return max((int(CODES[i.code].action) if i.code in CODES else int(Action.review)
                for i in sample.issues), default=0)


def priority_order(samples: Iterable[ParallelSample]) -> list[ParallelSample]:
    """Most severe issues first, then lowest confidence, then most issues; ties by id.

    Pushed in this order and numbered (metadata ``priority``, 1 = first), so sorting by priority
    in Argilla shows what matters most first.
    """
    def key(s: ParallelSample) -> tuple[int, float, int, str]:
        conf = s.confidence if s.confidence is not None else 0.0
        return (-_worst_action(s), conf, -len(s.issues), s.id)

    return sorted(samples, key=key)
