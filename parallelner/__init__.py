"""parallelner: monolingual NER datasets in, a trustworthy bilingual parallel NER dataset out."""

from importlib.metadata import PackageNotFoundError, version

from .schema import (
    Attempt,
    EntitySpan,
    Issue,
    ParallelSample,
    Provenance,
    SourceProvenance,
    SourceSample,
    Status,
    TargetSpan,
)

try:
    __version__ = version("parallelner")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = [
    "Attempt",
    "EntitySpan",
    "Issue",
    "ParallelSample",
    "Provenance",
    "SourceProvenance",
    "SourceSample",
    "Status",
    "TargetSpan",
    "__version__",
]
