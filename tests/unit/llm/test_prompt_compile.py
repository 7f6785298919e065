"""Prompt templates are compiled once per process and render exactly as a fresh compile does."""

from __future__ import annotations

import jinja2
import pytest

from parallelner import prompts
from parallelner.prompts import PromptTemplate, available, load_prompt, split_messages

_FRESH = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                            keep_trailing_newline=True)

VARIABLES = {
    "source_name": "English", "target_name": "German", "batch": False,
    "shots": [],
    "text": 'Mr <PER id="1">Prodi</PER> spoke.', "source": 'Mr <PER id="1">Prodi</PER> spoke.',
    "previous": "Herr Prodi sprach.", "problems": ["tag 1 missing"], "hints": ["Prodi -> Prodi"],
    "entities": [{"id": 1, "label": "PER", "surface": "Prodi"}], "target_lang": "de",
    "sentences": [], "target": "x",
}


@pytest.mark.parametrize("name", available())
def test_every_shipped_prompt_renders_as_a_fresh_compile(name):
    p = load_prompt(name)
    expected = split_messages(_FRESH.from_string(p.text).render(**VARIABLES), name)
    assert p.render(**VARIABLES) == expected
    assert p.render(**VARIABLES) == expected  # second render: from the compiled cache


def test_a_template_is_compiled_once(monkeypatch):
    calls = []
    real = prompts._ENV.from_string

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(prompts._ENV, "from_string", counting)
    p = PromptTemplate(name="t.v1", text="### user\n{{ x }}\n", sha256="abc-once")
    assert [p.render(x=i)[0]["content"] for i in range(3)] == ["0", "1", "2"]
    assert len(calls) == 1


def test_same_name_other_text_is_another_template():
    a = PromptTemplate(name="same", text="### user\nA {{ x }}\n")
    b = PromptTemplate(name="same", text="### user\nB {{ x }}\n")
    assert a.render(x=1)[0]["content"] == "A 1"
    assert b.render(x=1)[0]["content"] == "B 1"
