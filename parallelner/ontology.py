"""The entity schema as Python classes (the KnowCoder idea): one ontology across languages.

Every entity type is a real class deriving from :class:`Entity`, with a docstring that holds its
description and examples in English and Chinese, and Wikidata-style parents (``Company`` is an
``Organization``, ``GeopoliticalEntity`` is a ``Location``). The same classes serve three jobs:

- labels of each source dataset map onto them (``class_for("cluener", "company") is Company``);
  an unknown label or scheme raises :class:`UnknownLabelError`, never a guess;
- they render themselves as code text (``render_schema``) for prompts and the code-style export;
- answers in code form, ``results = [Person("…")]``, are instances of them (see ``codestyle``).

Docstring format (checked by the tests, parsed by :func:`describe`)::

    Description: one sentence (may wrap onto more lines).
    Examples (en): a, b, c
    Examples (zh): 甲, 乙

Pure: no I/O.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from .errors import UnknownLabelError
from .schema import Issue, ParallelSample, SourceSample

_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}


def py_literal(text: str) -> str:
    """A double-quoted Python string literal that reads back as exactly ``text``.

    JSON string syntax (``ensure_ascii=False``) is a subset of Python's: quotes, backslashes and
    control characters are escaped, Chinese and other letters stay readable. The three
    non-ASCII line breaks are escaped too, so the code stays one line for any line splitter.
    """
    return json.dumps(text, ensure_ascii=False).translate(_LINE_BREAKS)


class Entity:
    """
    Description: Any named thing, or a number or time expression, mentioned in a sentence.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        # The code-style answer form; json string literals are valid Python literals.
        return f"{type(self).__name__}({py_literal(self.name)})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.name == self.name  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))


# --- people -------------------------------------------------------------------------------


class Person(Entity):
    """
    Description: A human being, real or fictional, referred to by name (full name, given name,
    surname or nickname); a title or role alone is not a person.
    Examples (en): Barack Obama, Kori Schulman, Angela Merkel, Sherlock Holmes
    Examples (zh): 奥巴马, 科瑞·舒尔曼, 鲁迅, 李白
    """


class JobTitle(Entity):
    """
    Description: A position, office, rank or job title that a person holds (the role, not the
    person).
    Examples (en): president, special assistant, prime minister, chief executive, professor
    Examples (zh): 总统, 特别助理, 总经理, 教授, 记者
    """


class NationalReligiousPoliticalGroup(Entity):
    """
    Description: A nationality, religious group or political group, named by a noun or an
    adjective.
    Examples (en): American, Chinese, Christians, Muslims, Republicans, Socialists
    Examples (zh): 美国人, 华人, 基督徒, 穆斯林, 共和党人
    """


# --- organizations ------------------------------------------------------------------------


class Organization(Entity):
    """
    Description: An organized group of people with a name and a purpose: institutions,
    parties, unions, international bodies, schools, sports teams, media outlets.
    Examples (en): European Parliament, United Nations, Red Cross, Harvard University
    Examples (zh): 联合国, 欧洲议会, 红十字会, 北京大学
    """


class Company(Organization):
    """
    Description: A commercial business: firm, corporation, bank, shop or brand name used for
    the company.
    Examples (en): Google, Volkswagen, Goldman Sachs, Alibaba
    Examples (zh): 阿里巴巴, 华为, 中国银行, 谷歌
    """


class GovernmentAgency(Organization):
    """
    Description: A body of a state or government at any level: ministry, department, court,
    police, army, regulator, city government.
    Examples (en): State Council, Ministry of Defence, Federal Reserve, Supreme Court
    Examples (zh): 国务院, 外交部, 北京市公安局, 最高人民法院
    """


# --- places -------------------------------------------------------------------------------


class Location(Entity):
    """
    Description: A named place or geographical area: continent, region, mountain, river, sea,
    or any other place.
    Examples (en): Europe, Mount Everest, Pacific Ocean, Sahara, Yangtze River
    Examples (zh): 欧洲, 珠穆朗玛峰, 太平洋, 撒哈拉沙漠, 长江
    """


class GeopoliticalEntity(Location):
    """
    Description: A place with a government of its own: country, state, province, city, town.
    Examples (en): United States, Germany, California, Beijing
    Examples (zh): 美国, 德国, 加利福尼亚州, 北京
    """


class Address(Location):
    """
    Description: A place written as an address: street, house number, district, or a
    province-city-street chain.
    Examples (en): 10 Downing Street, Fifth Avenue, Haidian District
    Examples (zh): 北京市海淀区中关村大街, 南京路, 朝阳区
    """


class Facility(Location):
    """
    Description: A building, airport, station, highway, bridge or other structure made by
    people.
    Examples (en): Heathrow Airport, Golden Gate Bridge, Berlin Central Station
    Examples (zh): 首都国际机场, 南京长江大桥, 北京南站
    """


class ScenicSpot(Location):
    """
    Description: A tourist attraction or scenic area: park, landmark, sight, resort.
    Examples (en): Yellowstone National Park, Forbidden City, West Lake, Eiffel Tower
    Examples (zh): 故宫, 西湖, 黄山, 埃菲尔铁塔
    """


# --- works --------------------------------------------------------------------------------


class CreativeWork(Entity):
    """
    Description: A product of creative effort identified by its title: texts, artworks,
    films, music, games.
    Examples (en): Wikipedia, Mona Lisa, Hamlet
    Examples (zh): 维基百科, 蒙娜丽莎, 哈姆雷特
    """


class WorkOfArt(CreativeWork):
    """
    Description: The title of a book, song, painting, film, television programme, game or
    other work of art.
    Examples (en): Mona Lisa, Bohemian Rhapsody, The Starry Night
    Examples (zh): 蒙娜丽莎, 梁祝, 星月夜
    """


class Book(WorkOfArt):
    """
    Description: The title of a book, novel, magazine, textbook or other written
    publication.
    Examples (en): Pride and Prejudice, The Three-Body Problem, The Economist
    Examples (zh): 红楼梦, 三体, 经济学人
    """


class Movie(WorkOfArt):
    """
    Description: The title of a film, television series or documentary.
    Examples (en): Titanic, The Godfather, Farewell My Concubine
    Examples (zh): 泰坦尼克号, 教父, 霸王别姬, 流浪地球
    """


class Game(WorkOfArt):
    """
    Description: The title of a video game, computer game, mobile game or board game.
    Examples (en): Minecraft, World of Warcraft, League of Legends
    Examples (zh): 我的世界, 魔兽世界, 英雄联盟, 王者荣耀
    """


# --- other named things -------------------------------------------------------------------


class Event(Entity):
    """
    Description: A named happening: war, battle, election, sports event, festival, disaster,
    conference.
    Examples (en): World War II, Olympic Games, Hurricane Katrina, Brexit
    Examples (zh): 第二次世界大战, 奥运会, 卡特里娜飓风, 春节
    """


class Product(Entity):
    """
    Description: A named object made by people: vehicle, device, food or drink, medicine,
    software product (not a service or a company).
    Examples (en): iPhone, Boeing 747, Coca-Cola, Windows
    Examples (zh): 苹果手机, 波音747, 可口可乐, 神舟五号
    """


class Law(Entity):
    """
    Description: A named legal document: act, treaty, constitution, directive, regulation.
    Examples (en): Treaty of Amsterdam, Civil Rights Act, Kyoto Protocol
    Examples (zh): 阿姆斯特丹条约, 民权法案, 京都议定书
    """


class Language(Entity):
    """
    Description: A named human language or dialect.
    Examples (en): English, Mandarin, Latin, Cantonese
    Examples (zh): 英语, 普通话, 拉丁语, 粤语
    """


class Miscellaneous(Entity):
    """
    Description: A named entity that is not a person, location or organization: nationality,
    event, title of a work, product, language, law, award (the CoNLL MISC type).
    Examples (en): European, Euro, Nobel Prize, Olympic Games
    Examples (zh): 欧洲的, 欧元, 诺贝尔奖, 奥运会
    """


# --- numbers and times (OntoNotes) ---------------------------------------------------------


class Date(Entity):
    """
    Description: An absolute or relative date or period of a day or longer: days, months,
    years, decades, ages.
    Examples (en): Monday, 17 December 1999, the 1990s, last year
    Examples (zh): 星期一, 1999年12月17日, 九十年代, 去年
    """


class Time(Entity):
    """
    Description: A time of day or a period shorter than a day.
    Examples (en): 9 a.m., tonight, two hours, midnight
    Examples (zh): 上午九点, 今晚, 两个小时, 午夜
    """


class Percent(Entity):
    """
    Description: A percentage, including the word or sign for per cent.
    Examples (en): 20 percent, 5%, one per cent
    Examples (zh): 百分之二十, 5%, 百分之一
    """


class Money(Entity):
    """
    Description: A monetary value, including its unit or currency.
    Examples (en): $5 million, 100 euros, two billion yuan
    Examples (zh): 五百万美元, 100欧元, 二十亿元
    """


class Quantity(Entity):
    """
    Description: A measurement with a unit: weight, distance, area, volume, speed,
    temperature.
    Examples (en): 10 kilometres, three tons, 30 degrees
    Examples (zh): 十公里, 三吨, 30度
    """


class Ordinal(Entity):
    """
    Description: An ordinal number: first, second, and so on.
    Examples (en): first, third, 21st
    Examples (zh): 第一, 第三, 第二十一
    """


class Cardinal(Entity):
    """
    Description: A number that is none of the other number types (not a date, time, percent,
    amount of money, quantity or ordinal).
    Examples (en): three, 42, dozens, one million
    Examples (zh): 三, 四十二, 几十, 一百万
    """


# The ontology in rendering order: every parent before its children.
CLASSES: tuple[type[Entity], ...] = (
    Entity,
    Person,
    JobTitle,
    NationalReligiousPoliticalGroup,
    Organization,
    Company,
    GovernmentAgency,
    Location,
    GeopoliticalEntity,
    Address,
    Facility,
    ScenicSpot,
    CreativeWork,
    WorkOfArt,
    Book,
    Movie,
    Game,
    Event,
    Product,
    Law,
    Language,
    Miscellaneous,
    Date,
    Time,
    Percent,
    Money,
    Quantity,
    Ordinal,
    Cardinal,
)

_BY_NAME: Mapping[str, type[Entity]] = MappingProxyType({c.__name__: c for c in CLASSES})
_ORDER: Mapping[type[Entity], int] = MappingProxyType({c: i for i, c in enumerate(CLASSES)})


# --- label schemes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """A source dataset family's label set and the class each label maps onto."""

    name: str
    used_by: str
    mapping: Mapping[str, type[Entity]]


SCHEMES: Mapping[str, Scheme] = MappingProxyType(
    {
        s.name: s
        for s in (
            Scheme(
                "conll",
                "CoNLL-2002/2003, Europarl NER, WikiNeural, Universal NER",
                MappingProxyType(
                    {
                        "PER": Person,
                        "LOC": Location,
                        "ORG": Organization,
                        "MISC": Miscellaneous,
                    }
                ),
            ),
            Scheme(
                "cluener",
                "CLUENER2020",
                MappingProxyType(
                    {
                        "name": Person,
                        "company": Company,
                        "government": GovernmentAgency,
                        "organization": Organization,
                        "address": Address,
                        "position": JobTitle,
                        "book": Book,
                        "game": Game,
                        "movie": Movie,
                        "scene": ScenicSpot,
                    }
                ),
            ),
            Scheme(
                "ontonotes",
                "OntoNotes 5.0",
                MappingProxyType(
                    {
                        "PERSON": Person,
                        "NORP": NationalReligiousPoliticalGroup,
                        "FAC": Facility,
                        "ORG": Organization,
                        "GPE": GeopoliticalEntity,
                        "LOC": Location,
                        "PRODUCT": Product,
                        "EVENT": Event,
                        "WORK_OF_ART": WorkOfArt,
                        "LAW": Law,
                        "LANGUAGE": Language,
                        "DATE": Date,
                        "TIME": Time,
                        "PERCENT": Percent,
                        "MONEY": Money,
                        "QUANTITY": Quantity,
                        "ORDINAL": Ordinal,
                        "CARDINAL": Cardinal,
                    }
                ),
            ),
        )
    }
)


def schemes() -> tuple[str, ...]:
    """The names of the known label schemes."""
    return tuple(SCHEMES)


def scheme(name: str) -> Scheme:
    """The scheme called ``name``; an unknown name is an error listing the known ones."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise UnknownLabelError(
            f"unknown label scheme {name!r}; known schemes: {', '.join(SCHEMES)}"
        ) from None


def labels(scheme_name: str) -> tuple[str, ...]:
    """The labels of a scheme, in its conventional order."""
    return tuple(scheme(scheme_name).mapping)


def class_for(scheme_name: str, label: str) -> type[Entity]:
    """The ontology class a dataset label maps onto. Exact match only: no case folding, no guess."""
    mapping = scheme(scheme_name).mapping
    try:
        return mapping[label]
    except KeyError:
        raise UnknownLabelError(
            f"unknown label {label!r} in scheme {scheme_name!r}; known labels: "
            f"{', '.join(mapping)}"
        ) from None


def check_labels(sample: SourceSample | ParallelSample) -> Issue | None:
    """The ``unknown_label`` issue of the first source entity whose label its scheme does not
    map (the scheme is the sample's provenance ``label_scheme``), or None. Pure: the plan runs
    it on every sample before any LLM call, the readers at read time; the export would stop on
    the same label after every paid stage."""
    if isinstance(sample, SourceSample):
        scheme_name, text, entities = sample.provenance.label_scheme, sample.text, sample.entities
    else:
        scheme_name = sample.source.label_scheme if sample.source else "conll"
        text, entities = sample.source_text, sample.source_entities
    for k, entity in enumerate(entities):
        try:
            class_for(scheme_name, entity.label)
        except UnknownLabelError as exc:
            return Issue(code="unknown_label", message=f"sample {sample.id!r}, entity {k + 1} "
                         f"({entity.surface(text)!r}): {exc}", entity_index=k)
    return None


def class_by_name(name: str) -> type[Entity]:
    """The ontology class called ``name`` (e.g. ``"Person"``); unknown names are an error."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownLabelError(
            f"unknown entity class {name!r}; known classes: {', '.join(_BY_NAME)}"
        ) from None


def label_for(scheme_name: str, cls: type[Entity] | str) -> str:
    """The label of ``scheme_name`` that maps exactly onto ``cls`` (the inverse of class_for)."""
    target = class_by_name(cls) if isinstance(cls, str) else cls
    mapping = scheme(scheme_name).mapping
    for label, mapped in mapping.items():
        if mapped is target:
            return label
    raise UnknownLabelError(
        f"class {target.__name__} has no label in scheme {scheme_name!r}; it maps "
        f"{', '.join(f'{k}={v.__name__}' for k, v in mapping.items())}"
    )


def nearest_label(scheme_name: str, cls: type[Entity] | str) -> str:
    """The label of the closest ancestor (or the class itself) that ``scheme_name`` maps.

    For comparing across schemes: ``nearest_label("conll", Company) == "ORG"``. A class with no
    mapped ancestor is an error (e.g. ``Book`` in ``conll``), not a guess at MISC.
    """
    target = class_by_name(cls) if isinstance(cls, str) else cls
    for ancestor in target.__mro__:
        if ancestor is Entity:
            break
        try:
            return label_for(scheme_name, ancestor)
        except UnknownLabelError:
            continue
    raise UnknownLabelError(
        f"class {target.__name__} has no label in scheme {scheme_name!r}, nor any of its parents"
    )


def classes_for(scheme_name: str) -> tuple[type[Entity], ...]:
    """The classes a scheme maps onto, in ontology order (what a prompt for it should show)."""
    return tuple(sorted(set(scheme(scheme_name).mapping.values()), key=_ORDER.__getitem__))


# --- descriptions ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInfo:
    """What a class's docstring says: the description and examples per language."""

    name: str
    parent: str | None
    description: str
    examples: Mapping[str, tuple[str, ...]]


def describe(cls: type[Entity]) -> ClassInfo:
    """Parse a class's docstring (format in the module docstring); a malformed one is an error."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    description: list[str] = []
    examples: dict[str, tuple[str, ...]] = {}
    current: list[str] | None = None
    for line in doc.splitlines():
        line = line.strip()
        if line.startswith("Description:"):
            current = description
            current.append(line.removeprefix("Description:").strip())
        elif line.startswith("Examples ("):
            lang, sep, rest = line.removeprefix("Examples (").partition("):")
            if not sep:
                raise ValueError(f"{cls.__name__}: malformed examples line {line!r}")
            examples[lang] = tuple(e.strip() for e in rest.split(",") if e.strip())
            current = None
        elif line and current is not None:
            current.append(line)
        elif line:
            raise ValueError(f"{cls.__name__}: unexpected docstring line {line!r}")
    if not description:
        raise ValueError(f"{cls.__name__}: docstring has no 'Description:' line")
    parent = cls.__bases__[0].__name__ if cls is not Entity else None
    return ClassInfo(cls.__name__, parent, " ".join(description), MappingProxyType(examples))


# --- rendering as code --------------------------------------------------------------------

_BASE_CODE = "class Entity:\n{i}def __init__(self, name: str):\n{i}{i}self.name = name\n"


def with_ancestors(classes: Iterable[type[Entity]]) -> tuple[type[Entity], ...]:
    """The classes plus all their ontology ancestors, in ontology order (parents first)."""
    wanted: set[type[Entity]] = set()
    for cls in classes:
        if cls not in _ORDER:
            raise UnknownLabelError(f"{cls!r} is not a class of the ontology")
        wanted.update(c for c in cls.__mro__ if c in _ORDER)
    return tuple(sorted(wanted, key=_ORDER.__getitem__))


def _docstring_body(text: str) -> str:
    # Docstrings here never hold these, but a rendered schema must parse whatever it is given.
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def render_class(
    cls: type[Entity],
    languages: Sequence[str] | None = ("en", "zh"),
    indent: str = "    ",
    docstring: bool = True,
) -> str:
    """One class definition in KnowCoder style: name, parent, docstring, ``pass``."""
    if cls is Entity:
        return _BASE_CODE.format(i=indent)
    info = describe(cls)
    lines = [f"class {info.name}({info.parent}):"]
    if docstring:
        langs = list(info.examples) if languages is None else list(languages)
        examples = [e for la in langs for e in info.examples.get(la, ())]
        lines += [f'{indent}"""', f"{indent}Description: {_docstring_body(info.description)}"]
        if examples:
            lines.append(f"{indent}Examples: {_docstring_body(', '.join(examples))}")
        lines.append(f'{indent}"""')
    lines += [f"{indent}pass", ""]
    return "\n".join(lines)


def render_schema(
    classes: Iterable[type[Entity]] | None = None,
    languages: Sequence[str] | None = ("en", "zh"),
    indent: str = "    ",
) -> str:
    """Class definitions as Python source text, for prompts and the code-style export.

    Ancestors are added so the code is complete (``Company`` brings ``Organization`` and
    ``Entity``); they render bare (``pass``), as in KnowCoder, so a prompt describes only the
    classes it asks for. Order is the ontology's, so the same input always renders the same
    text. ``languages`` picks the examples shown (None: all).
    """
    asked = set(CLASSES if classes is None else classes)
    return "\n".join(
        render_class(c, languages, indent, docstring=c in asked) for c in with_ancestors(asked)
    )


def render_scheme(scheme_name: str, languages: Sequence[str] | None = ("en", "zh")) -> str:
    """The schema text for the classes one label scheme maps onto."""
    return render_schema(classes_for(scheme_name), languages)


__all__ = [
    "CLASSES",
    "SCHEMES",
    "ClassInfo",
    "Entity",
    "Scheme",
    "check_labels",
    "class_by_name",
    "class_for",
    "classes_for",
    "describe",
    "label_for",
    "labels",
    "nearest_label",
    "render_class",
    "render_schema",
    "render_scheme",
    "scheme",
    "schemes",
    "with_ancestors",
] + [c.__name__ for c in CLASSES[1:]]
