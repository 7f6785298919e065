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


def test_run_numbers_have_bounds_and_languages_are_checked_once():
    with pytest.raises(ConfigError, match=r"run\.chunk_size"):
        load_settings(overrides={"run": {"chunk_size": 0}}, environ={})
    with pytest.raises(ConfigError, match=r"run\.chunk_size"):
        load_settings(overrides={"run": {"chunk_size": -1}}, environ={})
    with pytest.raises(ConfigError, match=r"llm\.concurrency"):
        load_settings(overrides={"llm": {"concurrency": 0}}, environ={})
    with pytest.raises(ConfigError, match="ISO 639-1.*'english'"):
        load_settings(overrides={"run": {"target_lang": "english"}}, environ={})
    with pytest.raises(ConfigError, match="nothing to translate"):
        load_settings(overrides={"run": {"source_lang": "de", "target_lang": "de"}}, environ={})


def test_the_run_record_is_derived_from_the_settings_with_one_source_of_defaults(tmp_path):
    from parallelner.run.folder import RunParams

    cfg = tmp_path / "c.toml"
    cfg.write_text("[llm]\nrefine_rounds = 1\n[run]\nchunk_size = 7\n")
    params = RunParams.from_settings(load_settings(cfg, environ={}))
    assert (params.refine_rounds, params.chunk_size, params.limit) == (1, 7, 20)
    given = RunParams.from_settings(load_settings(
        overrides={"run": {"source": "x.conll", "split": "dev"}}, environ={}))
    assert given.limit is None and given.split == "dev"


def test_no_key_leaves_through_the_worker_settings():
    s = load_settings(environ={"OPENAI_API_KEY": "sk-zzz", "ARGILLA_API_KEY": "ag-zzz"})
    dumped = str(s.without_secrets())
    assert "sk-zzz" not in dumped and "ag-zzz" not in dumped and "api_key" not in dumped
