import json

import pytest

from parallelner.cli.report import summary_tables
from parallelner.io import write_jsonl
from parallelner.run.folder import RunMismatchError, RunParams, load_manifest, open_run
from parallelner.run.report import (
    summarize,
    summarize_run,
    write_plots,
    write_report,
)
from parallelner.schema import Attempt, EntitySpan, Issue, ParallelSample, Provenance, Status


def _rec(i, status, conf, codes=(), human=False, cached=False):
    return ParallelSample(
        id=f"s{i}", source_lang="en", target_lang="de", source_text="Paris is nice.",
        source_entities=[EntitySpan(start=0, end=5, label="LOC")],
        target_text="Paris ist schön.", confidence=conf, status=status,
        issues=[Issue(code=c, message=c) for c in codes],
        provenance=Provenance(reviewed_by="human" if human else "machine",
                              attempts=[Attempt(stage="translate", prompt_tokens=100,
                                                completion_tokens=20, cost=0.001, cached=cached)]),
    )


def test_resume_refuses_changed_data_parameters_but_allows_operational_ones(tmp_path):
    p = RunParams(source_lang="en", target_lang="zh", limit=10)
    paths, m, resumed = open_run(tmp_path, "r1", p)
    assert not resumed and paths.manifest.exists()
    _, _, resumed = open_run(tmp_path, "r1",
                             p.model_copy(update={"concurrency": 16, "budget": 5.0}))
    assert resumed
    with pytest.raises(RunMismatchError, match=r"limit: 10 -> 20"):
        open_run(tmp_path, "r1", p.model_copy(update={"limit": 20}))
    assert load_manifest(paths.root)[1].params.concurrency == 16


def test_summary_counts_and_histogram():
    recs = [_rec(0, Status.accepted, 0.95), _rec(1, Status.accepted, 0.91, human=True),
            _rec(2, Status.review, 0.42, ["align.fuzzy_match"]), _rec(3, Status.rejected, 0.05,
            ["validate.untranslated", "align.fuzzy_match"], cached=True)]
    s = summarize(recs, {"align": recs[:2] + [_rec(9, Status.refine, 0.3)] * 2, "final": recs})
    assert s.samples == 4
    assert s.status == {"accepted": 2, "review": 1, "refine": 0, "rejected": 1}
    assert s.confidence_hist[9] == 2 and s.confidence_hist[4] == 1 and s.confidence_hist[0] == 1
    assert s.issue_codes == {"align.fuzzy_match": 2, "validate.untranslated": 1}
    assert (s.calls, s.cached_calls, s.prompt_tokens) == (3, 1, 400)  # calls made; cache apart
    assert s.human_reviewed == 1
    assert [(y.stage, y.accepted, y.samples) for y in s.yields] == \
        [("align", 2, 4), ("final", 2, 4)]
    assert len(summary_tables(s)) == 5


def test_run_folder_report_and_plots(tmp_path):
    paths, _, _ = open_run(tmp_path, "r2", RunParams())
    recs = [_rec(i, Status.accepted if i % 3 else Status.review, i / 10) for i in range(10)]
    write_jsonl(paths.chunk(0, "align"), recs)
    write_jsonl(paths.final, recs)
    s = summarize_run(paths.root)
    assert s.samples == 10 and s.status["review"] == 4
    write_report(s, paths)
    assert json.loads(paths.report_json.read_text())["samples"] == 10
    for png in write_plots(s, paths.root):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_reader_counts_chunks_and_tails_the_ledger(tmp_path):
    from parallelner.run.progress import ProgressReader

    paths, _, _ = open_run(tmp_path, "p", RunParams())
    reader = ProgressReader(paths)
    assert reader.read().done == {"translate": 0, "align": 0, "verify": 0, "refine": 0}
    write_jsonl(paths.chunk(0, "refine"),
                [_rec(0, Status.accepted, 0.9), _rec(1, Status.review, 0.4)])
    with paths.ledger.open("w") as fh:
        fh.write('{"prompt_tokens": 10, "completion_tokens": 2, "cost": 0.5, "cached": false}\n')
        fh.write('{"prompt_tokens": 10, "completion_tokens": 2, "cost": 0.0, "cached": true}\n')
        fh.write('{"prompt_tokens": 7')  # a line being written: not read yet
    p = reader.read()
    assert p.done["refine"] == 2 and p.accepted == 1
    assert (p.calls, p.cached, p.tokens, p.cost) == (1, 1, 12, 0.5)
    with paths.ledger.open("a") as fh:
        fh.write(', "completion_tokens": 1, "cost": 0.25}\n')
    p = reader.read()
    assert (p.calls, p.tokens, p.cost) == (2, 20, 0.75)


def test_projection_mode_honours_the_limit(tmp_path):
    from parallelner.run.chunks import read_sources

    src = tmp_path / "p.jsonl"
    write_jsonl(src, [ParallelSample(id=f"p{i}", source_lang="en", target_lang="de",
                                     source_text="Berlin.", source_entities=[
                                         EntitySpan(start=0, end=6, label="LOC")],
                                     target_text="Berlin.", mode="project") for i in range(5)])
    params = RunParams(source=str(src), mode="project", target_lang="de", limit=2)
    assert [s.id for s in read_sources(params)] == ["p0", "p1"]


def test_a_run_folder_is_found_by_its_run_id(tmp_path):
    from parallelner.errors import ParallelNERError
    from parallelner.run.folder import resolve_run_dir

    paths, _, _ = open_run(tmp_path, "rid", RunParams())
    assert resolve_run_dir("rid", tmp_path) == paths.root
    assert resolve_run_dir(paths.root) == paths.root
    with pytest.raises(ParallelNERError, match="nor a run id"):
        resolve_run_dir("nope", tmp_path)


def test_only_transient_failures_are_retried():
    from pydantic import ValidationError

    from flows.pipeline import is_transient
    from parallelner.errors import EndpointError

    assert is_transient(ConnectionResetError()) and is_transient(TimeoutError())
    assert not is_transient(ValueError("bad span"))
    assert not is_transient(EndpointError("bad key"))
    try:
        RunParams(chunk_size="x")
    except ValidationError as exc:
        assert not is_transient(exc)
