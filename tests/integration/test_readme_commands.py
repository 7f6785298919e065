"""Every ``parallelner …`` command of README.md's bash blocks, run as a new user would, in order,
so the README cannot go stale.

What stands in for what a test machine does not have:
- the hosted endpoint (``--base-url https://api.openai.com/v1``) and the embedded model (an LLM
  command without ``--base-url``) are our OpenAI-protocol test server (tests/llm_server.py): it
  answers a shipped UNER PUD English sentence with its gold Chinese translation, tagged, and
  echoes anything else (a bad translation the pipeline must survive);
- ``<run-id>`` is the run the README started last (before any, a 3-sample run standing in for
  ``make run``); ``path/to/wikineural`` is a small ``save_to_disk`` folder with integer tags;
- ``parallelner run`` runs as its own process (it owns a Prefect server); the other commands run
  in this process through the real Typer app (same code, without a Python start-up each);
- ``SKIP``: commands that need Argilla, the Hub or the embedded model itself only show --help.
Relative paths (data/, tests/, settings.example.toml) resolve through links in a fresh folder.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HOSTED = "https://api.openai.com/v1"
LLM_COMMANDS = {"run", "translate", "refine", "project"}
SKIP = {  # first words -> why only --help is checked
    ("review",): "needs a running Argilla (tests/integration/review runs these for real)",
    ("publish",): "needs the Hugging Face Hub and a token",
    ("llm",): "the embedded model itself (downloaded once by `make run`)",
}
WIKINEURAL_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC",
                     "I-MISC"]


def readme_lines(text: str) -> list[tuple[list[str], int]]:
    """(argv, exit code the README announces: ``# … exit code N``, else 0) of every
    ``parallelner`` line in fenced bash blocks (continuations joined), in order."""
    found = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv and argv[0] == "parallelner":
                code = re.search(r"#.*exit code (\d)", line)
                found.append((argv[1:], int(code.group(1)) if code else 0))
    return found


def readme_commands(text: str) -> list[list[str]]:
    return [argv for argv, _ in readme_lines(text)]


def skipped(argv: list[str]) -> str | None:
    return next((why for words, why in SKIP.items() if tuple(argv[: len(words)]) == words), None)


def _wikineural(folder: Path) -> None:
    from datasets import Dataset, DatasetDict

    rows = {"tokens": [["Angela", "Merkel", "visited", "Paris", "."],
                       ["The", "UN", "met", "in", "Geneva", "."]],
            "ner_tags": [[1, 2, 0, 5, 0], [0, 3, 0, 0, 5, 0]]}
    DatasetDict({"train_en": Dataset.from_dict(rows)}).save_to_disk(str(folder))


def _last_run(cwd: Path) -> str | None:
    runs = sorted((cwd / "outputs").glob("*/run.json"), key=lambda p: p.stat().st_mtime)
    return runs[-1].parent.name if runs else None


def _prepare(argv: list[str], url: str, cwd: Path) -> list[str]:
    run_id = _last_run(cwd)
    out = []
    for arg in argv:
        if "<run-id>" in arg:
            assert run_id, "the README uses <run-id> before any run"
            arg = arg.replace("<run-id>", run_id)
        out.append(url if arg == HOSTED else arg)
    if out and out[0] in LLM_COMMANDS and "--base-url" not in out and "--help" not in out:
        out += ["--base-url", url]
    return out


def _pud_translator(server) -> None:
    """Gold en->zh answers for the shipped UNER PUD sentences whose labels pair in order."""
    from parallelner.markup.render import render_markup
    from parallelner.readers import read_source

    en, zh = read_source("uner-pud-en", limit=60), read_source("uner-pud-zh", limit=60)
    pairs = [(render_markup(s.text, s.entities), render_markup(t.text, t.entities))
             for s, t in zip(en, zh, strict=False)
             if [e.label for e in s.entities] == [e.label for e in t.entities]]
    answers = dict(pairs)
    assert len(answers) >= 10
    # the verify stage's round trip: a competent translator reads the gold Chinese back as the
    # English source
    answers.update({target: source for source, target in pairs})

    def respond(body) -> str:
        user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        return answers.get(user.strip(), user)

    server.responder = respond


def test_every_readme_command_runs(llm_server, tmp_path, monkeypatch):
    lines = readme_lines((REPO / "README.md").read_text(encoding="utf-8"))
    commands = [argv for argv, _ in lines]
    assert len(commands) >= 15 and any(c[0] == "run" for c in commands)
    assert 3 in {code for _, code in lines}  # the budget stop is shown, and checked
    cwd = tmp_path / "user"
    cwd.mkdir()
    for name in ("data", "tests", "settings.example.toml"):
        (cwd / name).symlink_to(REPO / name)
    _wikineural(cwd / "path" / "to" / "wikineural")
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "160", "OPENAI_API_KEY": "sk-test",
           "PARALLELNER_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "ARGILLA_API_URL": "http://127.0.0.1:9",
           "ARGILLA_API_KEY": "none"}
    env.pop("VIRTUAL_ENV", None)
    _pud_translator(llm_server)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(cwd)
    from typer.testing import CliRunner

    from parallelner.cli import app

    timings: list[tuple[float, str]] = []

    def call(argv: list[str], expected: int = 0) -> None:
        started = time.monotonic()
        if argv[0] == "run":
            done = subprocess.run([sys.executable, "-m", "parallelner", *argv], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=300)
            code, output = done.returncode, done.stdout + done.stderr
        else:
            result = CliRunner().invoke(app, argv, terminal_width=160)
            code, output = result.exit_code, result.output
        timings.append((time.monotonic() - started, " ".join(argv)))
        print(f"{timings[-1][0]:6.1f}s parallelner {timings[-1][1]}", flush=True)
        assert code == expected, f"`parallelner {shlex.join(argv)}` exited {code}\n{output}"

    if any("<run-id>" in a for c in commands if not skipped(c) for a in c):  # `make run`'s
        call(["run", "--limit", "3", "--no-review", "--base-url", llm_server.url])
    for argv, expected in lines:
        if skipped(argv):
            call(_help_of(argv))
            continue
        call(_prepare(argv, llm_server.url, cwd), expected)
    print(f"{sum(t for t, _ in timings):.1f}s for {len(timings)} commands")
    # what the README promises is there afterwards
    assert (cwd / "source.jsonl").exists() and (cwd / "metrics.json").exists()
    assert (cwd / "outputs" / "hosted-demo" / "dataset").is_dir()


def _help_of(argv: list[str]) -> list[str]:
    """The command's own --help: ``review push X`` -> ``review push --help``."""
    words = [a for a in argv if not a.startswith("-")]
    group = words[:2] if words[0] in ("review", "llm") else words[:1]
    return [*group, "--help"]


def test_the_skip_list_is_used_and_small():
    commands = readme_commands((REPO / "README.md").read_text(encoding="utf-8"))
    reasons = [skipped(c) for c in commands]
    assert 0 < sum(r is not None for r in reasons) <= 10
    assert {words[0] for words in SKIP} <= {c[0] for c in commands} | {"llm"}
