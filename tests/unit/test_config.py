import pytest

from parallelner.config import load_settings
from parallelner.errors import ConfigError


def test_layers_and_secret(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[llm]\nmodel = "from-file"\nconcurrency = 2\n')
    s = load_settings(cfg, overrides={"llm": {"concurrency": 8}},
                      environ={"PARALLELNER_LLM__TEMPERATURE": "0.3",
                               "OPENAI_API_KEY": "sk-secret"})
    assert s.llm.model == "from-file"
    assert s.llm.concurrency == 8
    assert s.llm.temperature == 0.3
    assert s.llm.api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in s.model_dump_json()
    assert "sk-secret" not in repr(s)


def test_typo_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="modle"):
        load_settings(overrides={"llm": {"modle": "x"}}, environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_none_overrides_are_skipped_even_without_a_file_section():
    s = load_settings(overrides={"llm": {"model": None, "concurrency": 3}}, environ={})
    assert s.llm.model == "qwen2.5-coder-1.5b-instruct-q4_k_m" and s.llm.concurrency == 3
