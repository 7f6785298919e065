"""Run summaries: counts per status, yield per stage, confidence histogram, issue codes, tokens,
cost.

``summarize`` is pure (records in, a ``RunSummary`` out); ``summarize_run`` reads a run folder;
``write_plots`` writes the PNG plots; the terminal tables are the CLI's
(``parallelner.cli.report.summary_tables``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, Field

from parallelner.io import iter_jsonl
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
    audit: dict | None = None


def _bin(conf: float) -> int:
    return min(int(conf * BINS), BINS - 1)


def summarize(
    final: Iterable[ParallelSample],
    stages: Mapping[str, Iterable[ParallelSample]] | None = None,
    run_id: str = "",
    wall_seconds: float = 0.0,
) -> RunSummary:
    """Summarize the final records; ``stages`` maps stage name -> records after that stage."""
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
            s.calls += 1
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
        recs = list(records)
        s.yields.append(
            StageYield(stage=name, samples=len(recs),
                       accepted=sum(1 for r in recs
                                    if r.status is not None and r.status.value == "accepted"))
        )
    return s


def _read_all(path: Path) -> list[ParallelSample]:
    if not path.exists():
        return []
    return [ln.record for ln in iter_jsonl(path, ParallelSample) if ln.record is not None]


def _read_chunks(paths: RunPaths, stage: str) -> list[ParallelSample]:
    out: list[ParallelSample] = []
    for f in sorted((paths.root / "chunks").glob(f"*/{stage}.jsonl")):
        out.extend(_read_all(f))
    return out


def summarize_run(run_dir: str | Path) -> RunSummary:
    """Read a run folder (finished or not) and summarize what is there."""
    paths, manifest = load_manifest(run_dir)
    stages: dict[str, list[ParallelSample]] = {}
    for stage in ("align", "refine"):
        recs = _read_chunks(paths, stage)
        if recs:
            stages[stage] = recs
    results = paths.results()
    final = _read_all(results) or stages.get("refine") or stages.get("align") or []
    if paths.reviewed.exists():
        stages["review"] = final
    summary = summarize(final, stages, run_id=manifest.run_id, wall_seconds=manifest.wall_seconds)
    audit_file = paths.root / "review_report.json"
    if audit_file.exists():
        summary.audit = json.loads(audit_file.read_text(encoding="utf-8"))
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
    paths.report_json.write_text(s.model_dump_json(indent=2), encoding="utf-8")
    lines = [f"# Run {s.run_id}", "", f"{s.samples} samples, wall time {s.wall_seconds:.1f} s.", "",
             "| status | samples |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in s.status.items()]
    lines += ["", "| stage | samples | accepted |", "|---|---|---|"]
    lines += [f"| {y.stage} | {y.samples} | {y.accepted} |" for y in s.yields]
    lines += ["", "| issue code | samples |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in s.issue_codes.items()]
    lines += ["", f"LLM calls {s.calls} ({s.cached_calls} cached, {s.failed_calls} failed), "
              f"prompt tokens {s.prompt_tokens}, completion tokens {s.completion_tokens}, "
              f"cost {s.cost:.4f} USD."]
    if s.audit:
        lines += ["", "Review audit: `" + json.dumps(s.audit) + "`"]
    paths.report_md.write_text("\n".join(lines) + "\n", encoding="utf-8")
