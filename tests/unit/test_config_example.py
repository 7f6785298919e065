"""``settings.example.toml`` at the repository root: generated from parallelner.config, so it
names every setting with its default and loads as valid settings; and the prices it ships."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel

from parallelner.config import Settings, load_settings
from parallelner.config_example import render_example

EXAMPLE = Path(__file__).resolve().parents[2] / "settings.example.toml"


def test_the_shipped_file_is_what_the_generator_writes():
    assert EXAMPLE.read_text(encoding="utf-8") == render_example(), (
        "settings.example.toml is stale: python -m parallelner.config_example > "
        "settings.example.toml"
    )


def _keys_by_section(text: str) -> dict[str, set[str]]:
    """Every key written (set or commented out), per [section] (prices tables left out)."""
    out: dict[str, set[str]] = {"": set()}
    section = ""
    for line in text.splitlines():
        if m := re.match(r"^\[([\w.\"-]+)\]$", line):
            section = m.group(1)
            out.setdefault(section, set())
        elif m := re.match(r"^#? ?(\w+) = ", line):
            out.setdefault(section, set()).add(m.group(1))
    return {k: v for k, v in out.items() if not k.startswith("llm.prices")}


def test_every_field_of_every_section_is_there():
    keys = _keys_by_section(EXAMPLE.read_text(encoding="utf-8"))
    expected: dict[str, set[str]] = {"": set()}
    for name, info in Settings.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            expected[name] = set(ann.model_fields) - ({"prices"} if name == "llm" else set())
            for sub, sub_info in ann.model_fields.items():  # nested sections: [align.bounds]
                sub_ann = sub_info.annotation
                if isinstance(sub_ann, type) and issubclass(sub_ann, BaseModel):
                    expected[name].discard(sub)
                    expected[f"{name}.{sub}"] = set(sub_ann.model_fields)
        else:
            expected[""].add(name)
    assert keys == expected


def test_it_loads_and_every_value_is_the_default():
    loaded = load_settings(EXAMPLE, environ={})
    defaults = load_settings(environ={})
    drop = {"llm": {"prices"}}
    assert loaded.model_dump(exclude=drop) == defaults.model_dump(exclude=drop)


def test_prices_cover_common_hosted_models_and_the_embedded_one_is_free():
    prices = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["llm"]["prices"]
    embedded = Settings().llm.model
    assert prices[embedded] == {"input_per_mtok": 0.0, "output_per_mtok": 0.0}
    for model in ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"):
        assert prices[model]["input_per_mtok"] > 0 < prices[model]["output_per_mtok"]
    assert load_settings(EXAMPLE, environ={}).llm.prices["gpt-4o-mini"].input_per_mtok == 0.15
    assert "as of" in EXAMPLE.read_text(encoding="utf-8")  # the prices carry their date
