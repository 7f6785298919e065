"""Projection inputs and gold target annotations from the shipped parallel NER corpora.

Two corpora live in ``data/gold``: Europarl NER (en/de/es/it, sentence i of each file translates
sentence i of the others; CoNLL tokens without the original text, so the readers detokenize) and
UNER PUD (en/de/zh; English and German share ``sent_id``, Chinese is mapped through ``pairs.tsv``).

For a language pair we write two ParallelSample JSONL files with the same ids:

* the **input** of projection mode: source text + source entities + the fixed ``target_text``,
  no target entities, ``mode="project"``;
* the **gold**: the same records with the target side's own annotations as ``target_entities``.

Gold spans are paired to source entities only where that is unambiguous, because annotators marked
each language on its own (the corpora disagree in places): for each label, when both sides have the
same number of entities of that label they pair in order; otherwise a target entity pairs with a
source entity of that label whose surface is identical (ignoring case) and unique on both sides.
Everything else gets ``source_index=None`` ("unknown"). Scoring never needs the pairing; it is
there so faithfulness can be read off the gold and for people inspecting it.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parallelner.errors import InputError
from parallelner.io import write_jsonl
from parallelner.schema import EntitySpan, ParallelSample, SourceSample, TargetSpan

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_GOLD_DIR = REPO_DIR / "data" / "gold"


@dataclass(frozen=True)
class Corpus:
    """One shipped parallel corpus: its folder, a file per language, and its default pairs."""

    name: str
    folder: str
    files: dict[str, str]
    default_pairs: tuple[tuple[str, str], ...]
    pairs_file: str | None = None  # sentence pairing table; None: sentence i pairs with i
    shared_ids: frozenset[str] = frozenset()  # languages whose files share sentence ids


CORPORA: dict[str, Corpus] = {
    "europarl": Corpus(
        name="europarl",
        folder="europarl-ner",
        files={lang: f"{lang}-europarl.test.conll02" for lang in ("en", "de", "es", "it")},
        default_pairs=(("en", "de"), ("en", "es"), ("en", "it")),
    ),
    "uner-pud": Corpus(
        name="uner-pud",
        folder="uner-pud",
        files={lang: f"{lang}_pud-ud-test.iob2" for lang in ("en", "de", "zh")},
        default_pairs=(("en", "zh"), ("zh", "en"), ("en", "de")),
        pairs_file="pairs.tsv",
        shared_ids=frozenset({"en", "de"}),
    ),
}


# ---------------------------------------------------------------- pure pairing


def _surface_key(text: str, span: EntitySpan) -> str:
    return " ".join(span.surface(text).split()).casefold()


def pair_entities(
    source_text: str,
    source: Sequence[EntitySpan],
    target_text: str,
    target: Sequence[EntitySpan],
) -> list[int | None]:
    """For each target entity, the index of the source entity it translates, or None if unsure."""
    out: list[int | None] = [None] * len(target)
    src_by: dict[str, list[int]] = defaultdict(list)
    tgt_by: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(source):
        src_by[s.label].append(i)
    for j, t in enumerate(target):
        tgt_by[t.label].append(j)
    for label, tgt_idx in tgt_by.items():
        src_idx = src_by.get(label, [])
        if len(src_idx) == len(tgt_idx):
            for i, j in zip(src_idx, tgt_idx, strict=True):
                out[j] = i
            continue
        src_keys = [_surface_key(source_text, source[i]) for i in src_idx]
        tgt_keys = [_surface_key(target_text, target[j]) for j in tgt_idx]
        for j, key in zip(tgt_idx, tgt_keys, strict=True):
            if tgt_keys.count(key) == 1 and src_keys.count(key) == 1:
                out[j] = src_idx[src_keys.index(key)]
    return out


def make_pair(
    pair_id: str, source: SourceSample, target: SourceSample
) -> tuple[ParallelSample, ParallelSample]:
    """(projection input, gold) for one sentence pair."""
    base = ParallelSample(
        id=pair_id,
        source_lang=source.lang,
        target_lang=target.lang,
        source_text=source.text,
        source_entities=list(source.entities),
        target_text=target.text,
        mode="project",
        source=source.provenance,
    )
    links = pair_entities(source.text, source.entities, target.text, target.entities)
    gold_spans = [
        TargetSpan(start=t.start, end=t.end, label=t.label, source_index=link)
        for t, link in zip(target.entities, links, strict=True)
    ]
    return base, base.model_copy(update={"target_entities": gold_spans})


# ---------------------------------------------------------------- corpus reading


@dataclass
class GoldSet:
    """The inputs and gold of one corpus and language pair, plus what was measured building it."""

    corpus: str
    source_lang: str
    target_lang: str
    inputs: list[ParallelSample] = field(default_factory=list)
    gold: list[ParallelSample] = field(default_factory=list)
    available: int = 0  # sentence pairs in the corpus before limit/sample/filter
    input_path: Path | None = None
    gold_path: Path | None = None

    @property
    def pair(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"

    @property
    def source_entities(self) -> int:
        return sum(len(r.source_entities) for r in self.gold)

    @property
    def gold_entities(self) -> int:
        return sum(len(r.target_entities) for r in self.gold)

    @property
    def paired_entities(self) -> int:
        return sum(1 for r in self.gold for t in r.target_entities if t.source_index is not None)


def _corpus(name: str) -> Corpus:
    if name not in CORPORA:
        raise InputError(f"unknown gold corpus {name!r}; known: {', '.join(CORPORA)}")
    return CORPORA[name]


def _sent_ids(path: Path) -> list[str]:
    """The ``# sent_id`` of every sentence of a CoNLL-U-like file, in file order."""
    prefix = "# sent_id ="
    with path.open(encoding="utf-8") as fh:
        return [line[len(prefix):].strip() for line in fh if line.startswith(prefix)]


def _shown(path: Path) -> str:
    """How provenance names a corpus file: repository-relative when it is ours (no machine
    paths)."""
    try:
        return str(path.resolve().relative_to(REPO_DIR))
    except ValueError:
        return str(path)


def _read(corpus: Corpus, lang: str, gold_dir: Path) -> list[SourceSample]:
    from parallelner.readers import read_source

    path = gold_dir / corpus.folder / corpus.files[lang]
    if not path.exists():
        raise InputError("gold corpus file not found", str(path))
    return list(
        read_source(path, lang=lang, dataset=corpus.name, split="test", display=_shown(path))
    )


def _keyed(corpus: Corpus, lang: str, gold_dir: Path) -> dict[str, SourceSample]:
    """The corpus sentences of one language by pairing key: sent_id, or the sentence index."""
    samples = _read(corpus, lang, gold_dir)
    if corpus.pairs_file is None:
        return {str(i): s for i, s in enumerate(samples)}
    path = gold_dir / corpus.folder / corpus.files[lang]
    ids = _sent_ids(path)
    if len(ids) != len(samples) or any(
        not s.id.endswith(sid) for s, sid in zip(samples, ids, strict=True)
    ):
        raise InputError(
            f"the reader's {len(samples)} sentences do not line up with the file's {len(ids)} "
            "'# sent_id' lines",
            str(path),
        )
    return dict(zip(ids, samples, strict=True))


def _sentence_pairs(
    corpus: Corpus, src: str, tgt: str, src_keys: list[str], tgt_keys: list[str], gold_dir: Path
) -> list[tuple[str, str, str]]:
    """(pair key, source key, target key) for every sentence pair of the corpus, in corpus order."""
    if corpus.pairs_file is None:
        if len(src_keys) != len(tgt_keys):
            raise InputError(
                f"{corpus.name}: {src} has {len(src_keys)} sentences but {tgt} has "
                f"{len(tgt_keys)}; sentence i must translate sentence i"
            )
        return [(f"{int(k):04d}", k, k) for k in src_keys]
    if {src, tgt} <= corpus.shared_ids:  # same sentence ids on both sides
        have = set(tgt_keys)
        return [(k, k, k) for k in src_keys if k in have]
    path = gold_dir / corpus.folder / corpus.pairs_file
    if not path.exists():
        raise InputError("sentence pairing table not found", str(path))
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            s, t = row.get(f"{src}_sent_id"), row.get(f"{tgt}_sent_id")
            if s and t:
                out.append((row.get("en_sent_id") or s, s, t))
    return out


def build_gold(
    corpus: str,
    source_lang: str,
    target_lang: str,
    gold_dir: str | Path | None = None,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    with_entities: bool = False,
) -> GoldSet:
    """Projection inputs and gold for one corpus and pair.

    ``with_entities`` keeps only pairs where either side has an entity; ``sample`` draws that many
    pairs at random with ``seed`` (kept in corpus order); ``limit`` then keeps the first ones.
    """
    spec = _corpus(corpus)
    for lang in (source_lang, target_lang):
        if lang not in spec.files:
            raise InputError(
                f"corpus {corpus!r} has no {lang!r} side; languages: {', '.join(spec.files)}"
            )
    if source_lang == target_lang:
        raise InputError(f"source and target language are both {source_lang!r}")
    gdir = Path(gold_dir) if gold_dir is not None else DEFAULT_GOLD_DIR
    src, tgt = _keyed(spec, source_lang, gdir), _keyed(spec, target_lang, gdir)
    out = GoldSet(corpus, source_lang, target_lang)
    pairs = []
    for key, s_key, t_key in _sentence_pairs(
        spec, source_lang, target_lang, list(src), list(tgt), gdir
    ):
        if s_key not in src or t_key not in tgt:
            raise InputError(f"{corpus}: sentence pair {key!r} names a sentence the corpus lacks")
        pid = f"{corpus}-{source_lang}-{target_lang}-{key}"
        pairs.append(make_pair(pid, src[s_key], tgt[t_key]))
    out.available = len(pairs)
    if with_entities:
        pairs = [(i, g) for i, g in pairs if i.source_entities or g.target_entities]
    if sample is not None and sample < len(pairs):
        keep = sorted(random.Random(seed).sample(range(len(pairs)), sample))
        pairs = [pairs[k] for k in keep]
    if limit is not None:
        pairs = pairs[:limit]
    out.inputs = [i for i, _ in pairs]
    out.gold = [g for _, g in pairs]
    return out


def write_gold_sets(
    corpus: str,
    pairs: Sequence[str],
    out_dir: str | Path,
    **options: Any,
) -> list[GoldSet]:
    """Build and write ``<corpus>.<src>-<tgt>.{input,gold}.jsonl`` for each pair (default: all)."""
    spec = _corpus(corpus)
    wanted = [parse_pair(p) for p in pairs] or list(spec.default_pairs)
    out = []
    for src, tgt in wanted:
        gs = build_gold(corpus, src, tgt, **options)
        stem = Path(out_dir) / f"{corpus}.{src}-{tgt}"
        gs.input_path, gs.gold_path = Path(f"{stem}.input.jsonl"), Path(f"{stem}.gold.jsonl")
        write_jsonl(gs.input_path, gs.inputs)
        write_jsonl(gs.gold_path, gs.gold)
        out.append(gs)
    return out


def parse_pair(text: str) -> tuple[str, str]:
    """``en-de`` -> ("en", "de")."""
    parts = text.strip().lower().split("-")
    if len(parts) != 2 or not all(parts):
        raise InputError(f"a language pair looks like 'en-de', got {text!r}")
    return parts[0], parts[1]


__all__ = [
    "CORPORA",
    "DEFAULT_GOLD_DIR",
    "Corpus",
    "GoldSet",
    "build_gold",
    "make_pair",
    "pair_entities",
    "write_gold_sets",
    "parse_pair",
]
