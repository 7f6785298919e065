"""Issue 15 item 2: many entities in one sample must not hang the align stage; a sample beyond
the bounds is rejected with its reason before any LLM call."""

from __future__ import annotations

import time

import pytest

from parallelner.align import align_sample, translit
from parallelner.align.bounds import check_bounds
from parallelner.config import AlignConfig, SampleBounds
from parallelner.schema import EntitySpan, ParallelSample, SourceSample, Status

_SYL = ("ka", "lo", "mi", "ren", "sa", "tor", "vi", "zan", "bel", "dra", "gus", "hel")


def _name(i: int) -> str:
    parts, i = [], i + 144
    while i:
        i, r = divmod(i, len(_SYL))
        parts.append(_SYL[r])
    return "".join(parts).capitalize()


def many(n: int, target: str) -> ParallelSample:
    """One sentence of ``n`` distinct names (PER/LOC alternating) and its tagged answer."""
    src, tgt, ents, pos = [], [], [], 0
    for k in range(n):
        label = "PER" if k % 2 == 0 else "LOC"
        if k:
            src.append(" met ")
            tgt.append(" traf " if target == "de" else "见了")
            pos += 5
        name = _name(k)
        src.append(name)
        ents.append(EntitySpan(start=pos, end=pos + len(name), label=label))
        pos += len(name)
        tgt.append(name if k % 20 == 7 else f'<{label} id="{k + 1}">{name}</{label}>')
    return ParallelSample(id=f"many-{n}", source_lang="en", target_lang=target,
                          source_text="".join(src) + ".", source_entities=ents,
                          response="".join(tgt) + ("." if target == "de" else "。"))


def _unbounded() -> AlignConfig:
    return AlignConfig(bounds=SampleBounds(max_entities=10**7, max_chars=10**8))


def test_sound_swap_compares_each_entity_with_a_bounded_number_of_others(monkeypatch):
    calls = 0
    real = translit.sound_alike

    def counting(a: str, b: str) -> float:
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(translit, "sound_alike", counting)
    n = 400
    align_sample(many(n, "zh"), _unbounded())
    # 4 scores per compared pair; every pair of 200 same-label names would be ~160,000 calls
    assert 0 < calls <= 4 * 16 * n  # at most 16 partners an entity, 4 scores a pair


@pytest.mark.parametrize("target", ["de", "zh"])
def test_four_thousand_entities_align_in_seconds(target):
    sample = many(4000, target)
    align_sample(many(10, target), _unbounded())  # models loaded outside the timing
    start = time.perf_counter()
    out = align_sample(sample, _unbounded())
    seconds = time.perf_counter() - start
    assert out.status is not None and len(out.target_entities) > 3000
    assert seconds < 20, f"{seconds:.1f} s for 4,000 entities"  # was minutes (quadratic rules)


def test_check_bounds_names_the_sample_and_the_setting():
    cfg = AlignConfig(bounds=SampleBounds(max_entities=3, max_chars=40))
    ok = SourceSample(id="s1", lang="en", text="Ann met Bob.",
                      entities=[EntitySpan(start=0, end=3, label="PER")])
    assert check_bounds(ok, cfg) is None
    crowded = many(4, "de")
    issue = check_bounds(crowded, cfg)
    assert issue is not None and issue.code == "sample_too_many_entities"
    assert "'many-4'" in issue.message and "align.bounds.max_entities = 3" in issue.message
    long = SourceSample(id="s2", lang="en", text="word " * 20)
    issue = check_bounds(long, cfg.bounds)
    assert issue is not None and issue.code == "sample_too_long"
    assert "100 characters" in issue.message and "max_chars = 40" in issue.message


def test_align_rejects_a_sample_beyond_the_bounds_without_reading_its_answer():
    sample = many(300, "de")  # the default bound is 200 entities
    out = align_sample(sample, AlignConfig())
    assert out.status is Status.rejected and out.target_text is None
    assert [i.code for i in out.issues] == ["sample_too_many_entities"]


def test_bounds_are_settings_with_a_floor():
    assert AlignConfig().bounds.max_entities >= 100 and AlignConfig().bounds.max_chars >= 2000
    with pytest.raises(ValueError):
        SampleBounds(max_entities=0)
