"""Stage 2b: check meaning, not only form, by a round trip through the LLM.

The tagged target is translated back into the source language (``backtranslate``), compared with
the source (``compare``: names, content, numbers), and the differences become issues that lower
confidence and send the sample to refine (``apply``). ``select`` decides which samples are worth
the call; ``run.verify_samples`` makes the calls through the LLM service. Settings: ``config``.
"""

from ..config import VerifyConfig
from .apply import apply, findings_for
from .backtranslate import BackTranslateTask, BackTranslation, parse_back, tagged_target
from .codes import VERIFY_CODES
from .compare import compare, coverage, name_score
from .run import estimate_requests, verify_samples
from .select import is_suspicious, selected, signals

__all__ = ["VERIFY_CODES", "BackTranslateTask", "BackTranslation", "VerifyConfig", "apply",
           "compare", "coverage", "estimate_requests", "findings_for", "is_suspicious",
           "name_score", "parse_back", "selected", "signals", "tagged_target", "verify_samples"]
