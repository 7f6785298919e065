"""The round trip on real answers, against verdicts read by hand.

A run folder's ``final.jsonl`` holds each record's round-trip issues; ``benchmarks/hand/*.tsv``
holds what a person read in the same answers (R right, N wrong name, D doubtful transliteration,
M meaning error). This prints, per verdict, how many the round trip flagged (an issue that sends
the sample to refine) and how many ended accepted, and the codes behind each flag.

    PYTHONPATH=. python benchmarks/verify_real.py outputs/<run> benchmarks/hand/uner-en-zh-90.tsv
    PYTHONPATH=. python benchmarks/verify_real.py benchmarks/hand/uner-en-zh-90.final.jsonl \
        benchmarks/hand/uner-en-zh-90.tsv       # the records the verdicts were read from

The answers come from the model that made them: rerunning the run on another machine or model
gives other answers, so the verdicts only hold for the run folder they were read from (its
``llm_cache.sqlite`` replays it: copy the folder, delete ``chunks/*/{verify,refine}.jsonl`` and
``final.jsonl``, and resume it with ``parallelner run --run-id``).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from parallelner.align.issues import Action
from parallelner.verify.codes import VERIFY_CODES

FLAGS = {c for c, code in VERIFY_CODES.items() if code.action != Action.note}
NAMES = {"R": "right", "N": "wrong name", "D": "doubtful transliteration", "M": "meaning error"}


def verdicts(path: Path) -> dict[str, tuple[str, str]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("id\t"):
            continue
        sid, verdict, *note = line.split("\t")
        out[sid] = (verdict, note[0] if note else "")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path, help="a run folder or its final.jsonl")
    ap.add_argument("verdicts", type=Path)
    ap.add_argument("--show", action="store_true", help="list each sample's verdict and flags")
    args = ap.parse_args()
    hand = verdicts(args.verdicts)
    rows: dict[str, Counter] = defaultdict(Counter)
    codes: dict[str, Counter] = defaultdict(Counter)
    seen = 0
    final = args.run / "final.jsonl" if args.run.is_dir() else args.run
    for line in final.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        key = next((k for k in hand if rec["id"].endswith(k)), None)
        if key is None:
            continue
        seen += 1
        verdict = hand[key][0]
        flags = sorted({i["code"] for i in rec.get("issues", []) if i["code"] in FLAGS})
        rows[verdict]["samples"] += 1
        rows[verdict]["flagged"] += bool(flags)
        rows[verdict]["accepted"] += rec.get("status") == "accepted"
        codes[verdict].update(flags)
        if args.show:
            print(f"{key}  {verdict}  {rec.get('status'):9} {', '.join(flags) or '-':50} "
                  f"{hand[key][1]}")
    missing = len(hand) - seen
    print(f"\n{args.run}: {seen} samples with a verdict"
          + (f" ({missing} verdicts without a record)" if missing else ""))
    print(f"{'verdict':26}{'samples':>9}{'flagged':>9}{'share':>8}{'accepted':>10}  codes")
    for v in ("R", "N", "D", "M"):
        r = rows.get(v)
        if not r:
            continue
        share = r["flagged"] / r["samples"]
        print(f"{NAMES[v]:26}{r['samples']:9}{r['flagged']:9}{share:8.0%}{r['accepted']:10}  "
              + ", ".join(f"{c.removeprefix('roundtrip_')} {n}" for c, n in codes[v].most_common()))
    wrong = sum(rows[v]["samples"] for v in ("N", "M"))
    caught = sum(rows[v]["flagged"] for v in ("N", "M"))
    accepted = sum(rows[v]["accepted"] for v in rows)
    bad_accepted = sum(rows[v]["accepted"] for v in ("N", "M"))
    print(f"wrong (names + meaning) flagged: {caught}/{wrong} = {caught / max(wrong, 1):.0%}; "
          f"right flagged: {rows['R']['flagged']}/{rows['R']['samples']} = "
          f"{rows['R']['flagged'] / max(rows['R']['samples'], 1):.0%}")
    before = wrong / max(seen, 1)
    after = bad_accepted / max(accepted, 1)
    print(f"wrong among what the round trip was given: {wrong}/{seen} = {before:.0%}; "
          f"among what ends accepted: {bad_accepted}/{accepted} = {after:.0%}")
    print(f"Rerun: PYTHONPATH=. python benchmarks/verify_real.py {args.run} {args.verdicts}")


if __name__ == "__main__":
    main()
