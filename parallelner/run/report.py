"""Run summaries: counts per status, yield per stage, confidence histogram, issue codes, tokens,
cost.

``summarize`` is pure (records in, a ``RunSummary`` out); ``summarize_run`` reads a run folder
as a stream (memory flat in the number of samples), with calls, tokens and cost from the run's
ledger (the money actually spent, cache hits and failed calls included, across resumes);
``finish_report`` rewrites the report once the run's wall time is known; ``write_plots``
writes the PNG plots; the terminal tables are the CLI's (``parallelner.cli.report``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel, Field

from parallelner.io import iter_jsonl
from parallelner.llm.ledger import ledger_totals
from parallelner.run.folder import RunPaths, load_manifest
from parallelner.schema import ParallelSample

STATUSES = ("accepted", "review", "refine", "rejected")
BINS = 10


class StageYield(BaseModel):
    stage: str
    samples: int
    accepted: int

    @property
    def share(self) -> float:
        return self.accepted / self.samples if self.samples else 0.0


class RunSummary(BaseModel):
    run_id: str = ""
    samples: int = 0
    status: dict[str, int] = Field(default_factory=dict)
    yields: list[StageYield] = Field(default_factory=list)
    confidence_hist: list[int] = Field(default_factory=lambda: [0] * BINS)
    issue_codes: dict[str, int] = Field(default_factory=dict)
    calls: int = 0
    cached_calls: int = 0
    failed_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    human_reviewed: int = 0
    wall_seconds: float = 0.0
    # "ledger": calls, tokens and cost are the run ledger's; "records": summed from the records'
    # attempts (a records file without a ledger; retries of a resumed run are not in them).
    calls_from: str = "records"
    audit: dict | None = None


def _bin(conf: float) -> int:
    return min(int(conf * BINS), BINS - 1)


def summarize(
    final: Iterable[ParallelSample],
    stages: Mapping[str, Iterable[ParallelSample]] | None = None,
    run_id: str = "",
    wall_seconds: float = 0.0,
) -> RunSummary:
    """Summarize the final records; ``stages`` maps stage name -> records after that stage (a
    stage without records is left out). One pass over each iterable: streams are fine. ``calls``
    are calls made to the endpoint; answers from the cache are ``cached_calls``."""
    s = RunSummary(run_id=run_id, wall_seconds=wall_seconds)
    status: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for rec in final:
        s.samples += 1
        status[rec.status.value if rec.status else "untranslated"] += 1
        if rec.confidence is not None:
            s.confidence_hist[_bin(rec.confidence)] += 1
        codes.update({i.code for i in rec.issues})
        if rec.provenance.reviewed_by == "human":
            s.human_reviewed += 1
        for att in rec.provenance.attempts:
            if att.stage == "review":
                continue
            s.calls += int(not att.cached)
            s.cached_calls += int(att.cached)
            s.failed_calls += int(att.error is not None)
            s.prompt_tokens += att.prompt_tokens
            s.completion_tokens += att.completion_tokens
            s.cost += att.cost
    s.status = {k: status.get(k, 0) for k in STATUSES} | {
        k: v for k, v in status.items() if k not in STATUSES
    }
    s.issue_codes = dict(codes.most_common())
    for name, records in (stages or {}).items():
        n = accepted = 0
        for r in records:
            n += 1
            accepted += r.status is not None and r.status.value == "accepted"
        if n:
            s.yields.append(StageYield(stage=name, samples=n, accepted=accepted))
    return s


def _stream(path: Path) -> Iterator[ParallelSample]:
    """The readable records of a JSONL file, one at a time (none if the file is missing)."""
    if not path.exists():
        return
    for ln in iter_jsonl(path, ParallelSample):
        if ln.record is not None:
            yield ln.record


def _chunk_files(paths: RunPaths, stage: str) -> list[Path]:
    return sorted((paths.root / "chunks").glob(f"*/{stage}.jsonl"))


def _stream_files(files: list[Path]) -> Iterator[ParallelSample]:
    for f in files:
        yield from _stream(f)


def _nonempty(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def summarize_run(run_dir: str | Path) -> RunSummary:
    """Read a run folder (finished or not) and summarize what is there, one record at a time."""
    paths, manifest = load_manifest(run_dir)
    stages: dict[str, Iterable[ParallelSample]] = {}
    chunk_files = {stage: _chunk_files(paths, stage) for stage in ("align", "verify", "refine")}
    for stage, files in chunk_files.items():
        if files:
            stages[stage] = _stream_files(files)
    results = paths.results()
    if _nonempty(results):
        final: Iterable[ParallelSample] = _stream(results)
    else:  # not finished yet: the furthest stage there is
        final = _stream_files(chunk_files["refine"] or chunk_files["align"])
    if paths.reviewed.exists():
        stages["review"] = _stream(paths.reviewed)
    summary = summarize(final, stages, run_id=manifest.run_id, wall_seconds=manifest.wall_seconds)
    if paths.ledger.exists():
        use_ledger(summary, paths.ledger)
    audit_file = paths.root / "review_report.json"
    if audit_file.exists():
        summary.audit = json.loads(audit_file.read_text(encoding="utf-8"))
    return summary


def use_ledger(summary: RunSummary, ledger: Path) -> RunSummary:
    """Calls, tokens and cost as the run's ledger records them: every call of every attempt of
    the run (the records keep only the answers they use, so after a resume they tell less)."""
    t = ledger_totals(ledger)
    summary.calls, summary.cached_calls, summary.failed_calls = t.calls, t.cached, t.failed
    summary.prompt_tokens, summary.completion_tokens = t.prompt_tokens, t.completion_tokens
    summary.cost = t.cost
    summary.calls_from = "ledger"
    return summary


def finish_report(run_dir: str | Path) -> RunSummary:
    """The report once the run is over: ``report.json`` as the flow's finish wrote it, with the
    wall time the manifest now holds (the finish writes the report before the run's wall time is
    known), written again with ``report.md``. Reads no record when the report is current; else
    summarizes the folder. The CLI calls this after adding the wall time to the manifest."""
    paths, manifest = load_manifest(run_dir)
    summary = None
    if paths.report_json.exists():
        results = paths.results()
        current = (not results.exists()
                   or paths.report_json.stat().st_mtime >= results.stat().st_mtime)
        if current:
            try:
                summary = RunSummary.model_validate_json(paths.report_json.read_bytes())
            except ValueError:
                summary = None
            if summary is not None and summary.run_id != manifest.run_id:
                summary = None
    if summary is None:
        summary = summarize_run(paths.root)
    summary.wall_seconds = manifest.wall_seconds
    write_report(summary, paths)
    return summary


def write_plots(s: RunSummary, out_dir: str | Path) -> list[Path]:
    """Write confidence_hist.png and yield_per_stage.png; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    written = []
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar([i / BINS for i in range(BINS)], s.confidence_hist, width=1 / BINS, align="edge",
           edgecolor="black")
    ax.set_xlabel("sample confidence")
    ax.set_ylabel("samples")
    ax.set_title(f"Confidence histogram — run {s.run_id}")
    fig.tight_layout()
    p = out / "confidence_hist.png"
    fig.savefig(p, dpi=100)
    plt.close(fig)
    written.append(p)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = [y.stage for y in s.yields] or ["(none)"]
    shares = [100 * y.share for y in s.yields] or [0]
    ax.bar(names, shares, edgecolor="black")
    for i, y in enumerate(s.yields):
        ax.text(i, 100 * y.share + 1, f"{y.accepted}/{y.samples}", ha="center")
    ax.set_ylim(0, 110)
    ax.set_ylabel("% accepted")
    ax.set_title("Yield per stage")
    fig.tight_layout()
    p = out / "yield_per_stage.png"
    fig.savefig(p, dpi=100)
    plt.close(fig)
    written.append(p)
    return written


def write_report(s: RunSummary, paths: RunPaths) -> None:
    """report.json (machine-readable) and report.md (human-readable) in the run folder."""
    tmp = paths.report_json.with_suffix(".json.tmp")
    tmp.write_text(s.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(paths.report_json)
    lines = [f"# Run {s.run_id}", "", f"{s.samples} samples, wall time {s.wall_seconds:.1f} s.", "",
             "| status | samples |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in s.status.items()]
    lines += ["", "| stage | samples | accepted |", "|---|---|---|"]
    lines += [f"| {y.stage} | {y.samples} | {y.accepted} |" for y in s.yields]
    lines += ["", "| issue code | samples |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in s.issue_codes.items()]
    lines += ["", f"LLM calls made {s.calls} ({s.failed_calls} failed), answers from the cache "
              f"{s.cached_calls}, prompt tokens {s.prompt_tokens}, completion tokens "
              f"{s.completion_tokens}, cost {s.cost:.4f} USD (from the {s.calls_from})."]
    if s.audit:
        lines += ["", "Review audit: `" + json.dumps(s.audit) + "`"]
    paths.report_md.write_text("\n".join(lines) + "\n", encoding="utf-8")
