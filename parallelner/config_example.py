"""``settings.example.toml``, generated from the models of :mod:`parallelner.config`.

Every setting appears with its default and the comment written above it in ``config.py``, so the
example cannot drift from the code (``tests/unit/test_config_example.py`` compares the shipped
file with :func:`render_example`). Regenerate with ``python -m parallelner.config_example >
settings.example.toml``. Values that have no default (keys, the endpoint) or depend on the machine
(``data_dir``) are commented out.
"""

from __future__ import annotations

import inspect
import json
import re
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from . import config

# List prices, USD per million tokens, as published by the providers in mid-2025. Check your
# provider's page before a large run: the budget is only as good as these numbers.
PRICES_DATE = "mid-2025"
HOSTED_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "deepseek-chat": (0.27, 1.10),
    "gemini-2.0-flash": (0.10, 0.40),
}
# Commented out, with an example value: no default, or one that depends on the machine.
_EXAMPLES: dict[str, tuple[str, str]] = {
    "data_dir": ('"/path/to/data"', "default: $PARALLELNER_DATA_DIR or ~/.local/share/parallelner"),
    "run.source": ('"data/train.conll"', "default: the shipped sample"),
    "run.source_format": ('"conll"', "default: detected from the file name"),
    "run.split": ('"train"', "default: the split the file name announces"),
    "run.labels": ('["O", "B-PER", "I-PER"]', "default: the names stored with the data"),
    "run.tag_scheme": ('"iob1"', "default: bio"),
    "run.limit": ("100", "default: every sample of a given source; 20 of the shipped sample"),
    "run.dask_address": ('"tcp://127.0.0.1:8786"', "default: no Dask"),
    "run.processes": ("2", "default: one per core from 2,000 samples on; 0: threads"),
    "llm.base_url": ('"https://api.openai.com/v1"', "default: the embedded local model"),
    "llm.api_key": ('""', "never in a file: set OPENAI_API_KEY in the environment"),
    "llm.refine_model": ('"gpt-4o"', "default: none"),
    "llm.budget": ("5.0", "default: no budget"),
    "llm.cache_path": ('"/path/to/cache.sqlite"', "default: <data_dir>/cache/llm-responses.sqlite"),
    "review.api_url": ('"http://127.0.0.1:6900"', "default: the local stack of `review up`"),
    "review.api_key": ('""', "never in a file: set ARGILLA_API_KEY in the environment"),
}
_FIELD = re.compile(r"^    (\w+): ")


def field_comments(model: type[BaseModel]) -> dict[str, list[str]]:
    """The ``#`` lines written right above each field in the model's source."""
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    for line in inspect.getsource(model).splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and line.startswith("    ") and not line.startswith("     "):
            pending.append(stripped)
            continue
        m = _FIELD.match(line)
        if m:
            out[m.group(1)] = pending
        pending = []
    return out


def toml_value(value: Any) -> str:
    """A TOML literal for the plain values settings hold (JSON strings are TOML basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=98, initial_indent="# ", subsequent_indent="# ")


def _section(name: str | None, model: type[BaseModel], skip: set[str]) -> list[str]:
    doc = (inspect.getdoc(model) or "").split("\n\n")[0].replace("\n", " ")
    lines = (_comment(doc) + [f"[{name}]"]) if name else []
    comments = field_comments(model)
    nested: list[str] = []
    for fname, info in model.model_fields.items():
        if fname in skip:
            continue
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel) and name:
            nested += [""] + comments.get(fname, []) + _section(f"{name}.{fname}",
                                                                info.annotation, set())
            continue
        lines.extend(comments.get(fname, []))
        key = f"{name}.{fname}" if name else fname
        if key in _EXAMPLES:
            example, why = _EXAMPLES[key]
            lines.append(f"# {fname} = {example}  # {why}")
            continue
        default = info.get_default(call_default_factory=True)
        if default is None or isinstance(default, SecretStr):
            raise ValueError(f"{key} has no default: give it an example in _EXAMPLES")
        lines.append(f"{fname} = {toml_value(default)}")
    return lines + nested


def _prices() -> list[str]:
    lines = [
        "# Prices per model, in the currency of llm.budget per million tokens. A budget needs a",
        "# price for every model it pays for; a --dry-run estimate warns about a model without",
        f"# one. Hosted models: list prices in USD as of {PRICES_DATE} (check your provider's",
        "# page). The embedded local model costs nothing.",
    ]
    embedded = config.LLMConfig().prices
    for model, price in embedded.items():
        lines += ["", f'[llm.prices."{model}"]',
                  f"input_per_mtok = {toml_value(price.input_per_mtok)}",
                  f"output_per_mtok = {toml_value(price.output_per_mtok)}"]
    for model, (inp, out) in HOSTED_PRICES.items():
        lines += ["", f'[llm.prices."{model}"]', f"input_per_mtok = {toml_value(inp)}",
                  f"output_per_mtok = {toml_value(out)}"]
    return lines


def render_example() -> str:
    """The whole example file: top-level keys, then one table per section, then the prices."""
    parts = [
        "# parallelner settings: every key with its default (generated by `python -m",
        "# parallelner.config_example`; a test keeps it in step with parallelner/config.py).",
        "# Use with `-c settings.example.toml` (or --config) on any command. Precedence:",
        "# defaults < this file < PARALLELNER_<SECTION>__<KEY> environment variables <",
        "# command-line options.",
        "",
    ]
    top = {n for n, f in config.Settings.model_fields.items()
           if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)}
    parts += _section(None, config.Settings, top)
    order = ["run", "llm", "align", "verify", "project", "review", "export"]
    for name in order + sorted(top - set(order)):
        annotation = config.Settings.model_fields[name].annotation
        assert isinstance(annotation, type)
        parts += [""] + _section(name, annotation, {"prices"} if name == "llm" else set())
    parts += [""] + _prices()
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render_example(), end="")
