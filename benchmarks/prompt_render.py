"""CPU per rendered translate prompt: compiling the template per request (before) vs the
template compiled once per process (now).

Rerun: ``PYTHONPATH=. .venv/bin/python benchmarks/prompt_render.py``.
"""

from __future__ import annotations

import time

from parallelner.config import LLMConfig
from parallelner.prompts import _ENV, split_messages
from parallelner.schema import EntitySpan, SourceSample
from parallelner.stages.translate import TranslateTask

N = 2000


def main() -> None:
    task = TranslateTask.from_config(LLMConfig(model="m"))
    sample = SourceSample(id="s", lang="en", text="Mr Prodi spoke in Strasbourg.",
                          entities=[EntitySpan(start=3, end=8, label="PER"),
                                    EntitySpan(start=18, end=28, label="LOC")])
    task.request([sample], "de")  # warm
    t = time.perf_counter()
    for _ in range(N):
        task.request([sample], "de")
    now = (time.perf_counter() - t) / N
    p = task.prompt
    variables = {"source_name": "English", "target_name": "German", "batch": False, "shots": [],
                 "text": "x"}
    t = time.perf_counter()
    for _ in range(N // 10):
        split_messages(_ENV.from_string(p.text).render(**variables), p.name)
    compile_each = (time.perf_counter() - t) / (N // 10)
    print(f"translate request built (template compiled once): {1000 * now:.3f} ms")
    print(f"template compiled + rendered per request (before): {1000 * compile_each:.3f} ms")


if __name__ == "__main__":
    main()
