"""Pure parts of the LLM layer: batching, splitting, few-shot choice, prompts, cache keys and
the changed-prompt refusal, Retry-After parsing, token estimates, issue descriptions."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallelner.config import LLMConfig, ModelPrice
from parallelner.errors import BudgetExceeded, ConfigError
from parallelner.llm.cache import ResponseCache, request_key
from parallelner.llm.client import Completion, Request, RetryPolicy, parse_retry_after
from parallelner.llm.ledger import Ledger, Prices, estimate_tokens
from parallelner.prompts import available, load_prompt, split_messages
from parallelner.schema import EntitySpan, Issue, ParallelSample, SourceSample
from parallelner.stages.refine import (
    RefineTask,
    apply_spans,
    describe_issue,
    faulty_entities,
    parse_span_answer,
)
from parallelner.stages.translate import (
    TranslateTask,
    number_lines,
    plan_batches,
    select_examples,
    split_numbered,
)


def src(i: int, lang: str = "en") -> SourceSample:
    return SourceSample(id=f"s{i}", lang=lang, text=f"Sentence {i} in Paris.",
                        entities=[EntitySpan(start=len(f"Sentence {i} in "),
                                             end=len(f"Sentence {i} in Paris"), label="LOC")])


# -- batching ------------------------------------------------------------------------------------
def test_batches_are_consecutive_same_language_and_bounded():
    samples = [src(0), src(1), src(2, "de"), src(3, "de"), src(4), src(5), src(6)]
    assert plan_batches(samples, 2) == [[0, 1], [2, 3], [4, 5], [6]]
    assert plan_batches(samples, 1) == [[i] for i in range(7)]


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                        min_size=1).filter(lambda t: t.strip()), min_size=1, max_size=8))
def test_numbered_lines_split_back(texts):
    joined = number_lines(texts)
    assert split_numbered(joined, len(texts)) == [" ".join(t.split()) for t in texts]


@pytest.mark.parametrize("reply", [
    "[1] a\n[2] b\n[3] c",
    "Sure! Here are the translations:\n\n[1] a\n[2] b\n\n[3] c\n",
])
def test_split_accepts_leading_chatter_and_blank_lines(reply):
    assert split_numbered(reply, 3) == ["a", "b", "c"]


@pytest.mark.parametrize("reply", [
    "[1] a\n[2] b", "[1] a\n[2] b\n[3] c\n[4] d", "[1] a\n[3] c\n[2] b", "[1] a\n[2]\n[3] c",
    "[1] a\nmore of a\n[2] b\n[3] c", "a\nb\nc", "",
])
def test_split_refuses_to_guess(reply):
    assert split_numbered(reply, 3) is None


# -- prompts -------------------------------------------------------------------------------------
def test_prompts_are_versioned_files():
    assert {"translate.v1", "refine.v1"} <= set(available())
    with pytest.raises(ConfigError, match="unknown prompt 'translate.v9'.*translate.v1"):
        load_prompt("translate.v9")
    p = load_prompt("translate.v1")
    assert len(p.sha256) == 64 and p.examples


def test_split_messages_needs_roles_and_a_final_user_turn():
    assert split_messages("### system\nS\n### user\nU\n") == [
        {"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    with pytest.raises(ConfigError):
        split_messages("stray\n### user\nU")
    with pytest.raises(ConfigError):
        split_messages("### user\nU\n### assistant\nA")


def test_few_shot_examples_match_the_target_and_prefer_the_source():
    ex = load_prompt("translate.v1").examples
    zh = select_examples(ex, "en", "zh")
    assert len(zh) == 2 and all(e["target_lang"] == "zh" and e["source_lang"] == "en" for e in zh)
    de_en = select_examples(ex, "de", "en")
    assert de_en[0]["source_lang"] == "de" and all(e["target_lang"] == "en" for e in de_en)
    assert select_examples(ex, "en", "ru") == []  # zero-shot rather than the wrong language


def test_translate_request_ends_with_the_marked_sentence():
    task = TranslateTask.from_config(LLMConfig(model="m"))
    req = task.request([src(1)], "zh")
    assert req.messages[-1] == ("user", 'Sentence 1 in <LOC id="1">Paris</LOC>.')
    assert req.model == "m" and req.prompt_version == "translate.v1"
    batch = task.request([src(1), src(2)], "zh")
    assert batch.messages[-1][1].splitlines()[1] == '[2] Sentence 2 in <LOC id="1">Paris</LOC>.'
    assert batch.max_tokens == 2 * req.max_tokens
    with pytest.raises(ValueError):
        task.request([src(1), src(2, "de")], "zh")


def test_issue_descriptions_name_the_entity_by_its_tag():
    s = ParallelSample(id="x", source_lang="en", target_lang="zh", source_text="Paris is big.",
                       source_entities=[EntitySpan(start=0, end=5, label="LOC")],
                       issues=[Issue(code="missing", message="not found", entity_index=0),
                               Issue(code="wrong_language")])
    assert describe_issue(s, s.issues[0]) == '<LOC id="1">Paris</LOC>: not found'
    assert describe_issue(s, s.issues[1]) == "wrong_language"
    task = RefineTask.from_config(LLMConfig())
    assert task.problems(s.model_copy(update={"issues": []})) == [
        "the translation did not pass validation"]


# -- cache ---------------------------------------------------------------------------------------
def req(content: str = "hi", **kw) -> Request:
    return Request.of([{"role": "user", "content": content}],
                      **{"model": "m", "prompt_version": "t.v1", **kw})


def test_cache_key_covers_model_prompt_messages_and_parameters():
    base = request_key(req())
    assert request_key(req()) == base
    for other in (req("ho"), req(model="n"), req(prompt_version="t.v2"), req(temperature=0.5),
                  req(max_tokens=9)):
        assert request_key(other) != base


def test_cache_stores_answers_and_refuses_a_changed_prompt(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    assert cache.get(req()) is None
    cache.put(req(), Completion("answer", "m", 10, 3, "stop"))
    hit = cache.get(req())
    assert hit.cached and (hit.text, hit.prompt_tokens, hit.completion_tokens) == ("answer", 10, 3)
    cache.check_prompt("t.v1", "a" * 64)
    cache.check_prompt("t.v1", "a" * 64)
    cache.close()
    reopened = ResponseCache(tmp_path / "c.sqlite")
    assert len(reopened) == 1
    with pytest.raises(ConfigError, match="'t.v1' has changed.*new version"):
        reopened.check_prompt("t.v1", "b" * 64)


# -- retries and money ---------------------------------------------------------------------------
def test_retry_after_forms():
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after({"retry-after": date}) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_is_jittered_and_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    delays = [policy.backoff(r) for r in range(10) for _ in range(20)]
    assert all(0 <= d <= 5.0 for d in delays) and len(set(delays)) > 100


def test_token_estimate_counts_cjk_per_character():
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("北京大学") == 4


def test_budget_reserves_the_worst_case_and_stays_stopped():
    prices = Prices({"m": ModelPrice(input_per_mtok=1e6, output_per_mtok=1e6)})  # 1 per token
    ledger = Ledger(prices, budget=100.0)
    r = req("x" * 40, max_tokens=20)  # worst case: ceil((10+4)*1.25) + 20 = 38
    held = ledger.reserve(r)
    assert held == 38.0
    ledger.reserve(r)  # 76 held
    with pytest.raises(BudgetExceeded):
        ledger.reserve(r)  # 114 > 100
    ledger.release(held)
    with pytest.raises(BudgetExceeded):  # sticky: no later call starts either
        ledger.reserve(r)


def test_budget_needs_prices_for_its_models():
    with pytest.raises(ConfigError, match="no price for model"):
        Prices({}).require(["gpt-x"])


# -- refine: span rounds -------------------------------------------------------------------------
def sample_with(response: str, text: str = "Paris and Berlin met Anna.") -> ParallelSample:
    ents = [EntitySpan(start=0, end=5, label="LOC"), EntitySpan(start=10, end=16, label="LOC"),
            EntitySpan(start=21, end=25, label="PER")]
    return ParallelSample(id="x", source_lang="en", target_lang="de", source_text=text,
                          source_entities=ents, response=response,
                          issues=[Issue(code="a", entity_index=2), Issue(code="b", entity_index=1),
                                  Issue(code="c", entity_index=2), Issue(code="d")])


def test_faulty_entities_are_unique_and_ordered():
    assert faulty_entities(sample_with("")) == [1, 2]


def test_span_answers_drop_tags_and_quotes_and_need_every_line():
    assert parse_span_answer('[1] <LOC id="2">Berlin</LOC>\n[2] "Anna"', 2) == ["Berlin", "Anna"]
    assert parse_span_answer("[1] Berlin", 2) is None
    assert parse_span_answer("[1] Berlin\n[2] <PER></PER>", 2) is None


def test_apply_spans_tags_untagged_text_and_rewrites_wrong_tags():
    s = sample_with('<LOC id="1">Paris</LOC> und <ORG id="2">Berlinn</ORG> trafen Annamaria '
                    "und Anna.")
    out = apply_spans(s, [1, 2], ["Berlin", "Anna"])
    # the wrong tag 2 gets the new text and the source label; "Anna" is tagged on a word
    # boundary (not inside "Annamaria"); tag 1 is left alone
    assert out == ('<LOC id="1">Paris</LOC> und <LOC id="2">Berlin</LOC> trafen Annamaria und '
                   '<PER id="3">Anna</PER>.')


def test_apply_spans_never_tags_inside_another_tag_and_cjk_needs_no_boundary():
    s = sample_with('<LOC id="1">巴黎</LOC>和柏林见了安娜。')
    assert apply_spans(s, [1, 2], ["柏林", "安娜"]) == (
        '<LOC id="1">巴黎</LOC>和<LOC id="2">柏林</LOC>见了<PER id="3">安娜</PER>。')
    inside = sample_with('<LOC id="1">Paris Berlin</LOC> trafen sich.')
    assert apply_spans(inside, [1], ["Berlin"]) is None
