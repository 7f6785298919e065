"""How many worker processes a run's chunk stages get (flows/pipeline.py)."""

from __future__ import annotations

import pytest

from flows.pipeline import PROCESSES_FROM, chunk_processes


@pytest.mark.parametrize(("processes", "n_samples", "n_chunks", "cores", "expected"), [
    (None, 20, 2, 2, 0),                         # make run's sample: threads
    (None, PROCESSES_FROM - 1, 40, 2, 0),        # below the size that pays for the start-up
    (None, PROCESSES_FROM, 4, 2, 2),             # one process per core
    (None, 257_000, 514, 8, 8),
    (None, 50_000, 1, 2, 0),                     # one chunk: nothing to share
    (None, 50_000, 100, 1, 0),                   # one core
    (0, 50_000, 100, 2, 0),                      # asked for threads
    (1, 50_000, 100, 2, 0),                      # one process is this one
    (4, 20, 2, 2, 2),                            # asked for, but never more than chunks
])
def test_processes_by_size_cores_and_choice(processes, n_samples, n_chunks, cores, expected):
    assert chunk_processes(processes, n_samples, n_chunks, cores) == expected
