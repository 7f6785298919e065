"""Measure the readers on the gold corpora: reading speed, and how natural detokenized text is.

UNER PUD files carry each sentence's original text, so they tell how often our detokenizer
(used for CoNLL and Hugging Face sources, which have no text) rebuilds the original exactly.

Rerun: PYTHONPATH=$PWD .venv/bin/python benchmarks/readers_gold.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from parallelner.readers import read_source
from parallelner.readers.detok import detokenize

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold"


def uner_tokens(path: Path) -> list[tuple[str, list[str]]]:
    """(original text, tokens) per sentence, parsed directly from the file."""
    out, text, tokens = [], "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# text = "):
            text = line[len("# text = ") :]
        elif line and not line.startswith("#"):
            tokens.append(line.split("\t")[1])
        elif not line and tokens:
            out.append((text, tokens))
            tokens = []
    if tokens:
        out.append((text, tokens))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    console = Console()
    files = sorted(p for p in GOLD.glob("*/*") if p.suffix in (".conll02", ".iob2"))

    speed = Table(title=f"Reading every gold file (best of {args.repeat})", title_justify="left")
    for col in ("file", "sentences", "entities", "repairs", "ms", "sentences/s"):
        speed.add_column(col, justify="left" if col == "file" else "right")
    total = 0.0
    for path in files:
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            stream = read_source(path)
            samples = list(stream)
            best = min(best, time.perf_counter() - started)
        total += best
        n_ent = sum(len(s.entities) for s in samples)
        speed.add_row(
            path.name, str(len(samples)), str(n_ent), str(len(stream.repairs)),
            f"{best * 1000:.0f}", f"{len(samples) / best:,.0f}",
        )  # fmt: skip
    speed.add_section()
    speed.add_row("all", "", "", "", f"{total * 1000:.0f}", "")
    console.print(speed)

    detok = Table(title="Detokenizer vs UNER's original text", title_justify="left")
    for col in ("lang", "sentences", "identical", "share"):
        detok.add_column(col, justify="left" if col == "lang" else "right")
    for lang in ("en", "de", "zh"):
        pairs = uner_tokens(GOLD / "uner-pud" / f"{lang}_pud-ud-test.iob2")
        same = sum(detokenize(tokens, lang).text == text for text, tokens in pairs)
        detok.add_row(lang, str(len(pairs)), str(same), f"{100 * same / len(pairs):.1f}%")
    console.print(detok)
    console.print(
        "Remaining differences are mostly UD's split hyphens ('two - year' vs 'two-year'), "
        "which CoNLL files like Europarl NER do not split."
    )


if __name__ == "__main__":
    main()
