"""Projection mode on the gold parallel corpora: span P/R/F1 of the projected target entities.

For each language pair: a fixed sample of sentence pairs with entities (``parallelner gold build
--sample N --with-entities --seed S``), projected with ``parallelner project`` (the embedded local
model unless ``--base-url`` is given; answers are cached, so a rerun is free), scored with
``parallelner evaluate`` (offset matching: projection keeps the given target text).

Anchors (published, large models, Europarl en->de/es/it): T-Projection 91 F1, awesome-align 87.

Rerun: PYTHONPATH=$PWD .venv/bin/python benchmarks/projection_gold.py [--n 100] [--seed 0]
       [--pairs europarl:en-de,uner-pud:en-zh] [--base-url URL --model NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from parallelner.cli._llmrun import progress_bar
from parallelner.config import Settings, load_settings
from parallelner.evaluation.gold import build_gold, parse_pair
from parallelner.evaluation.scores import evaluate
from parallelner.io import read_jsonl, write_jsonl
from parallelner.schema import ParallelSample
from parallelner.stages.project import align_projection, project_file

DEFAULT_PAIRS = ("europarl:en-de,europarl:en-es,europarl:en-it,"
                 "uner-pud:en-zh,uner-pud:zh-en,uner-pud:en-de")


def no_model_f1(
    gold: list[ParallelSample], inputs: list[ParallelSample], settings: Settings
) -> float:
    """Exact F1 with no model at all: the aligner only searches the source surfaces in the given
    text (what an answer without any tag leads to). The floor the model has to beat."""
    untagged = [align_projection(r.model_copy(update={"response": r.target_text}),
                                 settings.project, settings.align, style="inline") for r in inputs]
    offset = evaluate(gold, untagged).views["all"].offset
    return offset.overall.exact.f1 if offset is not None else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", default=DEFAULT_PAIRS, help="corpus:src-tgt, comma-separated")
    parser.add_argument("--n", type=int, default=100, help="sentence pairs per language pair")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--style", choices=("list", "inline"), default=None,
                        help="answer style (default: the settings', i.e. list)")
    parser.add_argument("--out-dir", type=Path, default=Path("outputs/bench/projection_gold"))
    parser.add_argument("--no-script-fold", action="store_true",
                        help="search without folding traditional to simplified Chinese (what "
                             "the folding adds)")
    args = parser.parse_args()
    if args.no_script_fold:
        import parallelner.align.matching as matching

        matching.fold = lambda text: text  # the search's only use of the folding
    console = Console()
    llm = {"base_url": args.base_url, "model": args.model, "concurrency": args.concurrency}
    overrides: dict = {"llm": {k: v for k, v in llm.items() if v is not None}}
    if args.style:
        overrides["project"] = {"style": args.style}
    settings = load_settings(overrides=overrides)
    who = args.base_url or "the embedded local model"
    console.print(f"model {settings.llm.model} via {who}, {settings.project.style} answers; "
                  f"{args.n} pairs per language pair, "
                  f"seed {args.seed}; load average {os.getloadavg()[0]:.2f}")

    table = Table(title="Projection onto gold translations (offset matching, all samples, %)",
                  title_justify="left")
    for col in ("corpus", "pair", "samples", "gold", "pred", "P", "R", "F1", "F1 overlap",
                "F1 no model", "faithful", "accepted", "s/sample"):
        table.add_column(col, justify="left" if col in ("corpus", "pair") else "right")
    results = []
    for item in args.pairs.split(","):
        corpus, _, pair = item.partition(":")
        src, tgt = parse_pair(pair)
        gs = build_gold(corpus, src, tgt, sample=args.n, seed=args.seed, with_entities=True)
        stem = args.out_dir / f"{corpus}.{src}-{tgt}"
        write_jsonl(f"{stem}.input.jsonl", gs.inputs)
        write_jsonl(f"{stem}.gold.jsonl", gs.gold)
        started = time.perf_counter()
        with progress_bar(f"project {corpus} {src}-{tgt}") as bar:
            rep = project_file(f"{stem}.input.jsonl", f"{stem}.output.jsonl", settings,
                               ledger_path=f"{stem}.ledger.jsonl", report=console.print,
                               progress_factory=bar)
        seconds = time.perf_counter() - started
        ev = evaluate(gs.gold, read_jsonl(f"{stem}.output.jsonl", ParallelSample))
        floor = no_model_f1(gs.gold, gs.inputs, settings)
        view = ev.views["all"]
        assert view.offset is not None
        e, o = view.offset.overall.exact, view.offset.overall.overlap
        accepted = ev.status.get("accepted", 0)
        table.add_row(corpus, f"{src}-{tgt}", str(len(gs.gold)), str(e.gold), str(e.predicted),
                      f"{100 * e.precision:.1f}", f"{100 * e.recall:.1f}", f"{100 * e.f1:.1f}",
                      f"{100 * o.f1:.1f}", f"{100 * floor:.1f}",
                      f"{100 * view.faithfulness.share:.1f}",
                      f"{accepted}/{len(gs.gold)}", f"{seconds / max(1, len(gs.gold)):.2f}")
        results.append({"corpus": corpus, "pair": f"{src}-{tgt}", "seconds": seconds,
                        "calls": rep.totals.calls, "cached": rep.totals.cached,
                        "counts": dict(rep.counts), "no_model_f1": floor,
                        "metrics": ev.model_dump(mode="json")})
    console.print(table)
    out = args.out_dir / "summary.json"
    out.write_text(json.dumps({"model": settings.llm.model, "base_url": args.base_url,
                               "style": settings.project.style,
                               "n": args.n, "seed": args.seed, "results": results}, indent=2),
                   encoding="utf-8")
    console.print(f"wrote {out}; rerun: PYTHONPATH=$PWD .venv/bin/python "
                  f"benchmarks/projection_gold.py --n {args.n} --seed {args.seed} "
                  f"--style {settings.project.style} "
                  f"--pairs {args.pairs}")


if __name__ == "__main__":
    main()
