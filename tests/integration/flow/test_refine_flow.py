"""The refine loop inside a run, with the real aligner judging every answer (no stand-in).

The endpoint translates two Europarl sentences well but leaves the tags off their last entity,
which the aligner sends to refine. Asked for that entity in the span round, it names the word
of its own translation for the first sentence (so the tag can be placed: accepted after refine)
and a word that is nowhere in the second (never placed; its rewrites repeat the same untagged
answer: the sample goes to review as refine_exhausted).
"""

from __future__ import annotations

import re

import pytest
from run_request import RunRequest, start_run

from parallelner.io import read_jsonl
from parallelner.markup.render import render_markup
from parallelner.schema import ParallelSample

pytestmark = pytest.mark.integration

TAGGED = re.compile(r'<([A-Z]+) id="(\d+)">(.*?)</\1>')


def _untag_last(tagged: str, n_entities: int) -> str:
    """The answer with the tags of entity ``n_entities`` removed, its words kept."""
    return TAGGED.sub(lambda m: m.group(3) if m.group(2) == str(n_entities) else m.group(0),
                      tagged)


def _field(user: str, name: str) -> str:
    return next(line.split(": ", 1)[1] for line in user.splitlines()
                if line.startswith(f"{name}: "))


@pytest.fixture()
def half_tagging_server(llm_server, europarl_pairs):
    by_id = {s.id: (s, t) for s, t in europarl_pairs}
    # Their last entity is no verbatim name the aligner could find untagged by itself.
    pairs = [by_id["europarl-ner-en-test-9"], by_id["europarl-ner-en-test-24"]]
    fixable, stuck = (render_markup(s.text, s.entities) for s, _ in pairs)
    translations = {render_markup(s.text, s.entities): _untag_last(
        render_markup(t.text, t.entities), len(s.entities)) for s, t in pairs}
    last_word = {render_markup(s.text, s.entities): t.text[t.entities[-1].start:
                                                           t.entities[-1].end]
                 for s, t in pairs}
    # The verify stage's round trip: a right German answer reads back as its English source.
    back = {render_markup(t.text, t.entities): render_markup(s.text, s.entities)
            for s, t in pairs}

    def respond(body) -> str:
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        if "Source: " not in user:  # a translate call (or a round trip back to English)
            return translations.get(user.strip()) or back.get(user.strip(), user)
        source = _field(user, "Source")
        if system.startswith("You translate named entities"):  # span round: [1] <name>
            return f"[1] {last_word[source] if source == fixable else 'Zyxwvu'}"
        return _field(user, "Translation")  # a rewrite round: the same answer again

    llm_server.responder = respond
    return llm_server, pairs, (fixable, stuck)


def test_real_aligner_sends_to_refine_accepts_the_fix_and_gives_up_on_the_rest(
        half_tagging_server, tmp_path):
    server, pairs, (fixable, stuck) = half_tagging_server
    src = tmp_path / "two.jsonl"
    src.write_text("".join(s.model_dump_json() + "\n" for s, _ in pairs))
    paths = start_run(RunRequest(
        source=str(src), source_format="jsonl", source_lang="en", target_lang="de",
        base_url=server.url, model="test-model", review=False, chunk_size=4, run_id="refine",
        outputs=tmp_path / "outputs"))

    aligned = {r.id: r for r in read_jsonl(paths.chunk(0, "align"), ParallelSample)}
    final = {r.id: r for r in read_jsonl(paths.final, ParallelSample)}
    (s1, t1), (s2, _) = pairs
    # The aligner saw the untagged entity and sent both samples to refine.
    assert {aligned[s1.id].status.value, aligned[s2.id].status.value} == {"refine"}

    fixed = final[s1.id]
    assert fixed.status.value == "accepted", fixed.issues
    # refined, then the round trip on what refine changed
    assert [a.stage for a in fixed.provenance.attempts] == ["translate", "refine", "verify"]
    assert fixed.target_text == t1.text
    assert sorted((e.start, e.end, e.label) for e in fixed.target_entities) == \
        sorted((e.start, e.end, e.label) for e in t1.entities)

    given_up = final[s2.id]
    assert given_up.status.value == "review"
    assert given_up.issues[-1].code == "refine_exhausted"
    asked = [r.user for r in server.requests if "Source: " in r.user]
    assert sum(_field(u, "Source") == fixable for u in asked) == 1  # one span round sufficed
    assert sum(_field(u, "Source") == stuck for u in asked) >= 2  # span round, then a rewrite
