"""Stage 2: parse the LLM's marked translation, align spans, validate, score and route.

``align_sample(sample, config)`` is the one entry point other stages call (refine, flow,
projection); ``align_file`` streams a JSONL file through it (the ``parallelner align`` command).
How confidence and status are computed: ``parallelner/align/README.md``.
"""

from __future__ import annotations

from .pipeline import align_parsed, align_sample

__all__ = ["align_file", "align_parsed", "align_sample"]


def __getattr__(name: str):  # align_file pulls in I/O and multiprocessing: import on use
    if name == "align_file":
        from .stream import align_file

        return align_file
    raise AttributeError(name)
