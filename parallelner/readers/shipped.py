"""The source samples shipped inside the package: the embedded default of ``parallelner run``.

Why ship data: the main job must run on a fresh machine with no download. Only source sides are
shipped (UNER PUD English and Chinese, Europarl NER English); target sides stay in ``data/gold`` for
evaluation. Each folder under ``parallelner/data/samples/`` has a ``SOURCE.md`` with licence and
citation.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from parallelner.errors import ConfigError, InputError

SAMPLES_PACKAGE_DIR = ("data", "samples")


@dataclass(frozen=True)
class SampleSource:
    """One shipped source file and what a reader and a dataset card need to know about it."""

    name: str
    relpath: str
    lang: str
    format: str
    dataset: str
    licence: str
    citation: str
    split: str = "test"

    @property
    def path(self) -> Path:
        """The file inside the installed package (a real file: the package is never zipped)."""
        resource = files("parallelner").joinpath(*SAMPLES_PACKAGE_DIR, *self.relpath.split("/"))
        if not isinstance(resource, Path):
            raise ConfigError(f"shipped sample {self.name} is not a file on disk: {resource}")
        return resource

    @property
    def display(self) -> str:
        """The package-relative path, the same on every machine (used in provenance)."""
        return "/".join(("parallelner", *SAMPLES_PACKAGE_DIR, self.relpath))

    @property
    def source_note(self) -> Path:
        """The SOURCE.md (licence, origin, citation) next to the file."""
        return self.path.parent / "SOURCE.md"


_UNER_CITE = (
    "Mayhew et al. (2024), Universal NER: A Gold-Standard Multilingual Named Entity Recognition "
    "Benchmark, NAACL 2024"
)
_EUROPARL_CITE = (
    "Agerri, Chung, Aldabe, Aranberri, Labaka, Rigau (2018), Building Named Entity Recognition "
    "Taggers via Parallel Corpora, LREC 2018; Koehn (2005), Europarl: A Parallel Corpus for "
    "Statistical Machine Translation, MT Summit"
)

_SOURCES: tuple[SampleSource, ...] = (
    SampleSource(
        "uner-pud-en", "uner-pud/en_pud-ud-test.iob2", "en", "uner", "uner-pud",
        "CC BY-SA 3.0", _UNER_CITE,
    ),
    SampleSource(
        "uner-pud-zh", "uner-pud/zh_pud-ud-test.iob2", "zh", "uner", "uner-pud",
        "CC BY-SA 3.0", _UNER_CITE,
    ),
    SampleSource(
        "europarl-en", "europarl-ner/en-europarl.test.conll02", "en", "conll", "europarl-ner",
        "Europarl terms of use", _EUROPARL_CITE,
    ),
)  # fmt: skip


def default_sources() -> list[SampleSource]:
    """The shipped samples, the default for each language first."""
    return list(_SOURCES)


def find_sample(name: str) -> SampleSource | None:
    for source in _SOURCES:
        if source.name == name:
            return source
    return None


def default_sample_for(source_lang: str) -> SampleSource:
    """The first shipped sample in ``source_lang``; an error lists the languages there are."""
    for source in _SOURCES:
        if source.lang == source_lang:
            return source
    langs = sorted({s.lang for s in _SOURCES})
    raise InputError(
        f"no shipped sample in {source_lang!r}; shipped languages: {', '.join(langs)} "
        "(pass --source to read your own data)"
    )
