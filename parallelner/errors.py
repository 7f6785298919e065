"""The error hierarchy. Every message names the item at fault (file, line, sample id)."""

from __future__ import annotations


class ParallelNERError(Exception):
    """Base of all errors the product raises on purpose; the CLI prints them without a traceback."""


class InputError(ParallelNERError):
    """A source or stage file cannot be read as asked: names the file and, where known, the line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class UnknownLabelError(ParallelNERError):
    """A label that the entity schema does not map: an error, never a guess."""


class ConfigError(ParallelNERError):
    """Settings that cannot work together, caught once at the edge."""


class CodeAnswerError(ParallelNERError):
    """A code-style answer (``results = [Person("…")]``) that cannot be read as entities."""


class PublishError(ParallelNERError):
    """Publishing to the Hub cannot start or failed: no token, offline, unreachable, refused."""


class LLMError(ParallelNERError):
    """An LLM endpoint could not give an answer; the message says what to fix where it can."""


class EndpointError(LLMError):
    """The endpoint is down, or refuses every call (wrong key, model or URL): stop the run."""


class BudgetExceeded(LLMError):
    """The cost cap was reached: no new calls are made; a rerun resumes from the cache."""


class ModelSetupError(ParallelNERError):
    """The embedded local model could not be assembled, verified or started."""
