"""One configuration object, validated once at the edge (CLI or flow) and passed down.

Sections are plain pydantic models with ``extra="forbid"`` so a misspelt setting is an error.
Values come from defaults, then an optional TOML file, then ``PARALLELNER_<SECTION>__<KEY>``
environment variables, then explicit CLI options. The API key is a ``SecretStr``: it prints as
``**********`` and is never dumped into logs, caches, outputs or Prefect results.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from .errors import ConfigError
from .schema import _check_lang


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelPrice(_Section):
    """What one model costs, in the currency of ``LLMConfig.budget``, per million tokens."""

    input_per_mtok: float = Field(default=0.0, ge=0.0)
    output_per_mtok: float = Field(default=0.0, ge=0.0)


class LLMConfig(_Section):
    """How to reach an OpenAI-compatible endpoint. No base_url means the embedded local model.

    Operational knobs (retries, timeouts, concurrency) are here; prompt choices (versions, batch
    size, refine rounds) too, because provenance records them with every answer.
    """

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    refine_model: str | None = None
    temperature: float = 0.0
    max_tokens: int = 512
    timeout: float = Field(default=120.0, gt=0.0)
    concurrency: int = Field(default=4, ge=1)
    max_retries: int = Field(default=5, ge=0)
    # Exponential backoff with full jitter: sleep uniform(0, min(max, base * 2**retry)).
    retry_base_delay: float = Field(default=1.0, ge=0.0)
    retry_max_delay: float = Field(default=60.0, ge=0.0)
    # A Retry-After longer than this is not waited for: the call fails with that message.
    max_retry_after: float = Field(default=300.0, ge=0.0)
    budget: float | None = Field(default=None, ge=0.0)
    prices: dict[str, ModelPrice] = Field(
        default_factory=lambda: {"qwen2.5-coder-1.5b-instruct-q4_k_m": ModelPrice()}
    )
    # Prompts (versioned files under parallelner/prompts/) and how they are used.
    translate_prompt: str = "translate.v1"
    refine_prompt: str = "refine.v1"
    refine_spans_prompt: str = "refine_spans.v1"
    batch_size: int = Field(default=1, ge=1, le=50)
    # Refine rounds per model: a model's first round fixes the spans when every problem is
    # span-level, else (and in later rounds) it rewrites the sentence; 0 sends nothing to
    # refine (those samples go to review).
    refine_rounds: int = Field(default=2, ge=0, le=10)
    # Response cache (SQLite); None means <data_dir>/cache/llm-responses.sqlite.
    cache_path: Path | None = None
    # The embedded model served by llama.cpp (xllamacpp) on 127.0.0.1.
    local_threads: int = Field(default=1, ge=1)
    local_ctx: int = Field(default=4096, ge=512)
    local_parallel: int = Field(default=1, ge=1)
    local_port: int = Field(default=0, ge=0, le=65535)
    local_start_timeout: float = Field(default=120.0, gt=0.0)
    # Set by the run when it serves the embedded model itself: that endpoint never gets a key.
    embedded: bool = False


class SampleBounds(_Section):
    """The largest sample taken; beyond, rejected before any LLM call (align/README.md)."""

    max_entities: int = Field(default=200, ge=1)
    max_chars: int = Field(default=5000, ge=1)


class AlignConfig(_Section):
    """Thresholds of the align/validate stage (documented in parallelner/align/README.md)."""

    accept_threshold: float = Field(default=0.85, ge=0.0, le=1.0)
    review_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    fuzzy_cutoff: float = Field(default=88.0, ge=50.0, le=100.0)
    untranslated_similarity: float = Field(default=90.0, ge=50.0, le=100.0)
    length_ratio_min: float = Field(default=0.5, gt=0.0)
    length_ratio_max: float = Field(default=2.5, gt=0.0)
    length_slack_chars: int = Field(default=8, ge=0)
    # Below exp(-k * spread) of the expected length a target is "too short" (length_short).
    length_short_sigmas: float = Field(default=3.5, gt=0.0)
    language_min_letters: int = Field(default=20, ge=1)
    zh_segmenter: Literal["char", "jieba"] = "char"
    workers: int = Field(default=2, ge=1)
    chunk_size: int = Field(default=500, ge=1)
    bounds: SampleBounds = Field(default_factory=SampleBounds)

    @model_validator(mode="after")
    def _ordered(self) -> AlignConfig:
        if self.review_threshold > self.accept_threshold:
            raise ValueError("align.review_threshold must not exceed align.accept_threshold")
        if self.length_ratio_min >= self.length_ratio_max:
            raise ValueError("align.length_ratio_min must be below align.length_ratio_max")
        return self


class ReviewConfig(_Section):
    """Where human review happens (Argilla) and how much accepted data people audit.

    No ``api_url`` means the local stack (``parallelner review up``) with its generated
    credentials; a team's remote Argilla is ``api_url`` + ``ARGILLA_API_KEY``, same code.
    """

    api_url: str | None = None
    api_key: SecretStr | None = None
    audit_fraction: float = Field(default=0.02, ge=0.0, le=1.0)
    workspace: str = Field(default="parallelner", min_length=1)
    dataset_prefix: str = Field(default="parallelner", min_length=1)
    # "run": one dataset per run and pair (runs never share records); "pair": one per language
    # pair shared by runs (record ids then carry the run id, so runs still never collide).
    dataset_per: Literal["pair", "run"] = "run"
    # Span labels offered to reviewers besides those found in the pushed samples.
    labels: list[str] = Field(default_factory=list)
    timeout: float = Field(default=30.0, gt=0)
    # Local stack ports (always bound to 127.0.0.1).
    port: int = Field(default=6900, ge=1, le=65535)
    redis_port: int = Field(default=6379, ge=1, le=65535)
    search_port: int = Field(default=9200, ge=1, le=65535)
    start_timeout: float = Field(default=120.0, gt=0)


class ProjectConfig(_Section):
    """Projection mode: tag a given translation with the source entities (no re-translation).

    ``style`` is what the model is asked for: ``inline``, the given sentence back unchanged with
    the source's tags inserted; ``list``, the words of the given sentence that render each
    source entity (measured far better with the small embedded model, which copies sentences
    faithfully but rarely inserts tags: benchmarks/README.md). In inline style up to
    ``max_edits`` character edits, or ``max_edit_share`` of the sentence's length when that is
    more, count as slips: the spans are re-anchored onto the given text (issue
    ``projection_reanchored``). More is a rewrite (``projection_rewritten``, routed to review).
    """

    style: Literal["inline", "list"] = "list"
    inline_prompt: str = "project.v1"
    list_prompt: str = "project_list.v1"
    max_edits: int = Field(default=3, ge=0)
    max_edit_share: float = Field(default=0.03, ge=0.0, le=1.0)

    @property
    def prompt(self) -> str:
        return self.inline_prompt if self.style == "inline" else self.list_prompt


DEFAULT_SAMPLE_LIMIT = 20


class RunConfig(_Section):
    """What ``parallelner run`` reads and does. The data options (``DATA_OPTIONS``) are what a
    resumed run must keep; the rest (chunking is data too: it fixes the plan) may change.

    This is the one source of the run's defaults: the CLI's options only override them.
    """

    source: str | None = None
    source_format: str | None = None
    # Reader options (see ``parallelner sources show --help``).
    split: str | None = None
    labels: list[str] | None = None
    tag_scheme: str | None = None
    source_lang: str = "en"
    target_lang: str = "zh"
    # None: every sample of a given source; the shipped sample is cut at DEFAULT_SAMPLE_LIMIT.
    limit: int | None = Field(default=None, ge=1)
    mode: Literal["translate", "project"] = "translate"
    chunk_size: int = Field(default=10, ge=1, le=100_000)
    review: bool = True
    dask_address: str | None = None
    dask_workers: int = Field(default=0, ge=0, le=64)
    # Worker processes for the chunk stages: None = auto (one per core for runs of 2,000
    # samples and more, threads below: flows/pipeline.py), 0 or 1 = threads of one process.
    processes: int | None = Field(default=None, ge=0, le=64)

    @model_validator(mode="after")
    def _languages(self) -> RunConfig:
        for name in ("source_lang", "target_lang"):
            try:
                _check_lang(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"run.{name}: {exc}") from None
        if self.source_lang == self.target_lang:
            raise ValueError(
                f"run.target_lang is the source language ({self.source_lang!r}): nothing to "
                "translate"
            )
        return self

    @property
    def effective_limit(self) -> int | None:
        return self.limit if self.limit is not None or self.source else DEFAULT_SAMPLE_LIMIT


class ExportConfig(_Section):
    """What the dataset export writes besides parquet (the Hub's format, always written)."""

    also: list[Literal["jsonl", "disk"]] = Field(default_factory=list)


VerifyMode = Literal["all", "suspicious", "off"]


class VerifyConfig(_Section):
    """The round trip that checks meaning (``parallelner.verify``): whether and how.

    Thresholds are measured on the gold corpora (``benchmarks/verify_quality.py`` prints the
    figures they come from), not tuned to one model.
    """

    # all: every aligned sample makes the round trip; suspicious: only those whose cheap signals
    # fall in the measured band (see ``select``); off: no round trip.
    mode: VerifyMode = "all"
    prompt: str = "back_translate.v1"
    # A source name and its back-translation scoring below this (0-100, see ``compare``) is a
    # different name. On the gold corpora 62 of 63 PER names spelled by another language score
    # 70+ (the one below: "Lucas Cranach dem Älteren"); 98-100% of other names of the same
    # label score below 62 (benchmarks/verify_quality.py part 1).
    name_threshold: float = Field(default=62.0, ge=0.0, le=100.0)
    # An entity that came back without its tag is searched for in the whole back-translation;
    # the best stretch must score this much to count as the name (many stretches get a chance,
    # so the bar is higher than name_threshold; benchmarks/verify_quality.py part 1b).
    search_threshold: float = Field(default=80.0, ge=0.0, le=100.0)
    # A run of words at the end of the source (after its last entity), at least tail_min_words
    # of them (Chinese: characters) and tail_min_share of all, holding tail_min_content content
    # words, of which at most tail_max_recall came back, is a dropped final clause or an early
    # stop.
    tail_min_words: int = Field(default=3, ge=1)
    tail_min_content: int = Field(default=2, ge=1)
    # ... or any such run (one content word lost at the end) when the back-translation has
    # fewer than this share of the source's words.
    short_ratio: float = Field(default=0.7, ge=0.0, le=1.0)
    tail_min_share: float = Field(default=0.0, ge=0.0, le=1.0)
    tail_max_recall: float = Field(default=0.2, ge=0.0, le=1.0)
    # Share of the source's content words that must come back (sentences with at least
    # recall_min_words content words).
    recall_min: float = Field(default=0.45, ge=0.0, le=1.0)
    recall_min_words: int = Field(default=6, ge=1)
    # suspicious mode: the cheap signals' band (see ``select.Signals``); each cut alone selects
    # 3-9% of the right translations the align stage accepts on the gold catalogue, together
    # about a quarter (``benchmarks/verify_quality.py`` part 4 prints the grid they come from).
    suspicious_length_z: float = -1.0
    suspicious_comma_loss: int = Field(default=2, ge=1)
    suspicious_tail_ratio: float = Field(default=0.5, ge=0.0)
    suspicious_name_sound: float = Field(default=30.0, ge=0.0, le=100.0)


class Settings(_Section):
    """The whole configuration of a run."""

    outputs_dir: Path = Path("outputs")
    data_dir: Path = Field(default_factory=lambda: default_data_dir())
    llm: LLMConfig = Field(default_factory=LLMConfig)
    align: AlignConfig = Field(default_factory=AlignConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    project: ProjectConfig = Field(default_factory=ProjectConfig)
    run: RunConfig = Field(default_factory=RunConfig)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)

    def without_secrets(self) -> dict[str, Any]:
        """What may cross into Prefect parameters, results and worker processes: no keys (tasks
        read them from the environment)."""
        return self.model_dump(mode="json", exclude={"llm": {"api_key"}, "review": {"api_key"}})


    export: ExportConfig = Field(default_factory=ExportConfig)


def default_data_dir() -> Path:
    """Large files outside git (model weights, server state): ``$PARALLELNER_DATA_DIR`` or
    ~/.local."""
    env = os.environ.get("PARALLELNER_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "parallelner"


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    prefix = "PARALLELNER_"
    for key, value in environ.items():
        if not key.startswith(prefix) or "__" not in key:
            continue
        section, _, field = key[len(prefix) :].lower().partition("__")
        out.setdefault(section, {})[field] = value
    # Keys under their usual names, read here and only here.
    if "OPENAI_API_KEY" in environ:
        out.setdefault("llm", {}).setdefault("api_key", environ["OPENAI_API_KEY"])
    if "ARGILLA_API_KEY" in environ:
        out.setdefault("review", {}).setdefault("api_key", environ["ARGILLA_API_KEY"])
    if "ARGILLA_API_URL" in environ:
        out.setdefault("review", {}).setdefault("api_url", environ["ARGILLA_API_URL"])
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict):  # merge section by section; None never overrides, at any depth
            base_section = out.get(key)
            out[key] = _merge(base_section if isinstance(base_section, dict) else {}, value)
        elif value is not None:
            out[key] = value
    return out


def load_settings(
    path: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build the one Settings object: defaults < TOML file < environment < explicit overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {p}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: invalid TOML: {exc}") from exc
    data = _merge(data, _env_overrides(dict(os.environ if environ is None else environ)))
    data = _merge(data, overrides or {})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:  # one clear line per field at fault, no pydantic dump
        raise ConfigError("invalid settings: " + "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )) from None
