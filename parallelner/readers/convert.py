"""Any source to our ``SourceSample`` JSON lines: what ``parallelner translate`` reads.

``parallelner sources convert`` wraps this; the run reads sources itself, but the stage commands
(translate, align, refine) work on our JSONL, so a CoNLL, UNER, CLUENER or Hugging Face file is
converted once and then fed to them.
"""

from __future__ import annotations

from pathlib import Path

from ..io import write_jsonl
from . import SourceStream


def convert_source(stream: SourceStream, output: str | Path) -> int:
    """Write every sample of ``stream`` to ``output`` (atomically: a failed read leaves no half
    file behind); returns how many were written. Repairs stay on ``stream.repairs``."""
    return write_jsonl(output, stream)
