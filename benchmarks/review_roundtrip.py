"""Time `review push` and `review pull` for N samples against the local Argilla stack.

Makes N review samples from the review test fixtures (new ids), pushes them into a throw-away
workspace, answers every record through the API (not timed: a person would), pulls twice (the
first pull also writes each record's verdict back; the second finds nothing to write), then
deletes the workspace, its datasets and its annotator.

Needs the local stack: `parallelner review up`. Rerun:
    PYTHONPATH=. .venv/bin/python benchmarks/review_roundtrip.py [--samples 1000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import argilla as rg

from annotation import rawapi
from annotation.client import connect
from annotation.review import pull_run, push_run
from annotation.users import add_user
from parallelner.config import load_settings
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import ParallelSample, Status

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "review" / "samples.jsonl"


def make_samples(n: int) -> list[ParallelSample]:
    base = [s for s in read_jsonl(FIXTURES, ParallelSample) if s.target_text]
    return [base[i % len(base)].model_copy(update={
        "id": f"bench-{i:05d}", "status": Status.review}) for i in range(n)]


def answer_all(client: rg.Argilla, workspace: str, user: rg.User) -> int:
    """Submit 'yes, usable' for every record as `user`, 100 records per call."""
    ws = client.workspaces(workspace)
    count = 0
    for listed in ws.datasets:
        ds = client.datasets(listed.name, workspace=ws)
        records = list(ds.records(with_suggestions=True))
        for start in range(0, len(records), 100):
            chunk = records[start : start + 100]
            for r in chunk:
                r.responses.add(rg.Response("usable", "yes", user_id=user.id, status="submitted"))
            ds.records.log(chunk)
            count += len(chunk)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    tag = uuid.uuid4().hex[:6]
    settings = load_settings(overrides={"review": {
        "workspace": f"pn-bench-{tag}", "dataset_prefix": f"pn-bench-{tag}",
        "audit_fraction": 0.0}})
    client = connect(settings)
    account = add_user(settings, f"bench-{tag}")
    user = client.users(account.username)
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / f"run-{tag}"
        run.mkdir()
        write_jsonl(run / "aligned.jsonl", make_samples(args.samples))
        try:
            t0 = time.perf_counter()
            push = push_run(run, settings)
            t_push = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = push_run(run, settings)
            t_push_again = time.perf_counter() - t0
            answered = answer_all(client, settings.review.workspace, user)
            t0 = time.perf_counter()
            first = pull_run(run, settings)
            t_pull = time.perf_counter() - t0
            t0 = time.perf_counter()
            second = pull_run(run, settings)
            t_pull_again = time.perf_counter() - t0
        finally:
            ws = client.workspaces(settings.review.workspace)
            for ds in ws.datasets:
                ds.delete()
            user.delete()
            ws.delete()
    assert sum(d.sent for d in push.datasets) == args.samples
    assert sum(d.kept for d in again.datasets) == 0 and answered == args.samples
    # Fixture samples with an unmarked entity make "yes" a refused answer: sent back as drafts.
    assert sum(first.outcomes.values()) == args.samples
    assert second.outcomes.get("returned") == first.outcomes.get("invalid"), second.outcomes
    n = args.samples
    load = os.getloadavg()[0]
    print(f"review round trip, {n} samples, local stack, load avg {load:.2f}; first pull: "
          f"{first.outcomes}, {first.returned} answers sent back")
    for what, sec in (("push (new records)", t_push), ("push again (all re-sent)", t_push_again),
                      ("pull, first (+ verdict written on each record)", t_pull),
                      ("pull again (nothing to write)", t_pull_again)):
        print(f"  {what:48s} {sec:7.1f} s  {n / sec:7.0f} samples/s")
    print(f"  rawapi page size {rawapi.PAGE}; rerun: PYTHONPATH=. .venv/bin/python "
          f"benchmarks/review_roundtrip.py --samples {n}")


if __name__ == "__main__":
    main()
