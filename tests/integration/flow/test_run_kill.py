"""`parallelner run` as a user starts it (a subprocess): kill -9 while calls are in flight, then
resume with the same options."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

import pytest
from run_cli import run, run_command, run_env

from parallelner.io import read_jsonl
from parallelner.markup.render import render_markup
from parallelner.run.folder import RunPaths
from parallelner.schema import ParallelSample, SourceSample

pytestmark = pytest.mark.integration


def _mid_chunk(server, paths: RunPaths, chunks: list[set[str]], quiet: float) -> bool:
    """The moment to kill: chunk 0 is written; a later chunk is not, but some of its prompts are
    answered and others in flight; the last answer went out ``quiet`` seconds ago (so the run
    has stored it)."""
    if not paths.chunk(0, "translate").exists() or server.in_flight < 1 or not server.answered:
        return False
    if time.monotonic() - server.answered[-1][0] < quiet:
        return False
    answered = {user for _, user in server.answered}
    return any(answered & prompts for i, prompts in enumerate(chunks)
               if not paths.chunk(i, "translate").exists())


def test_kill_9_mid_chunk_then_resume_asks_no_answered_call_again(gold_translator, prefect_api,
                                                                  source_file, tmp_path):
    """Three chunks of 3 samples, 2 calls at a time per chunk, 1.2 s per answer: kill the run
    (SIGKILL, whole process group) once chunk 0 is translated, while calls of a later chunk are
    in flight. The resumed run asks the server none of the prompts answered before the kill
    (neither those of finished chunk files nor those of the chunk cut in the middle) and writes
    every id once."""
    gold_translator.delay = 1.2
    src = source_file(9)
    sources = read_jsonl(src, SourceSample)
    translate_prompts = {render_markup(s.text, s.entities) for s in sources}
    chunks = [{render_markup(s.text, s.entities) for s in sources[i:i + 3]} for i in (0, 3, 6)]
    out = tmp_path / "outputs"
    cmd = run_command(src, gold_translator.url, out, "killed", "--chunk-size", "3",
                      "--concurrency", "2")
    env = run_env(tmp_path, prefect_api)
    paths = RunPaths(out / "killed")
    log = tmp_path / "killed-run.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while not _mid_chunk(gold_translator, paths, chunks, quiet=0.5):
            assert proc.poll() is None, f"the run ended before the kill:\n{log.read_text()}"
            assert time.monotonic() < deadline, "the run made no calls in time"
            time.sleep(0.02)
        decided = time.monotonic()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # Answers sent at least 0.5 s before the kill, of any stage. (One sent in the instant
    # between the decision and the kill was still in flight for the run: it may be asked again.)
    answered_before = {user for t, user in gold_translator.answered if t <= decided}
    cut = [i for i in range(3) if not paths.chunk(i, "translate").exists()]
    assert any(answered_before & chunks[i] for i in cut), "meant to kill in a chunk's middle"
    assert not paths.final.exists()

    gold_translator.delay = 0.0
    n_before = len(gold_translator.requests)
    done = run(cmd, env)
    assert done.returncode == 0, done.stdout + done.stderr
    asked_after = Counter(r.user for r in gold_translator.requests[n_before:])
    # No prompt answered before the kill is asked again: finished chunk files and the run's
    # cache hold them.
    assert not set(asked_after) & answered_before, (answered_before, asked_after)
    # The other translations, among them the calls in flight at the kill, are asked once.
    after = {u: n for u, n in asked_after.items() if u in translate_prompts}
    assert set(after) == translate_prompts - answered_before and set(after.values()) == {1}
    final = read_jsonl(paths.final, ParallelSample)
    assert [r.id for r in final] == [s.id for s in sources]  # every id once, in source order
