"""Code-style NER (KnowCoder): sentences as code, answers as ``results = [Person("…"), …]``.

Answers are rendered with string literals that Python reads back exactly, and parsed with
``ast`` only: model output is data, never ``eval``-ed. Spans come back by locating each answer's
surface in the sentence, left to right, so repeated surfaces land on the right occurrence.

Pure: no I/O.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence

from .errors import CodeAnswerError
from .ontology import Entity, class_by_name, class_for, label_for, py_literal, render_schema
from .schema import EntitySpan

RESULTS_VAR = "results"

NER_INSTRUCTION = (
    "This is an object-oriented programming task: some Entity Classes are defined above. "
    "Please instantiate all the corresponding Entity Objects in the following sentence."
)
TRANSLATED_INSTRUCTION = (
    "This is an object-oriented programming task: some Entity Classes are defined above. "
    "The Entity Objects of the source sentence are instantiated in source_results. "
    "Please instantiate the corresponding Entity Objects in its translation, target_sentence."
)

_FENCE_RE = re.compile(r"```[A-Za-z0-9_+-]*\n(.*?)```", re.DOTALL)


def answers_to_code(answers: Iterable[Entity], var: str = RESULTS_VAR) -> str:
    """``results = [Person("Barack Obama"), Location("Paris")]`` (one line, in the given order)."""
    return f"{var} = [{', '.join(repr(a) for a in answers)}]"


def _extract(code: str, var: str) -> ast.List:
    """Find the ``var = [...]`` assignment in a (possibly chatty) answer and return its list."""
    candidates = [m.group(1) for m in _FENCE_RE.finditer(code)] + [code]
    for text in candidates:
        start = re.search(rf"^[ \t]*{re.escape(var)}\s*=", text, re.MULTILINE)
        if start is None:
            continue
        lines = text[start.start() :].split("\n")
        # Longest prefix that parses: tolerates prose after the code, not inside it.
        for end in range(len(lines), 0, -1):
            try:
                tree = ast.parse("\n".join(lines[:end]).strip())
            except SyntaxError:
                continue
            for node in tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == var
                ):
                    if not isinstance(node.value, ast.List):
                        raise CodeAnswerError(
                            f"{var} must be a list literal, got {ast.unparse(node.value)[:80]!r}"
                        )
                    return node.value
    raise CodeAnswerError(f"no parsable '{var} = [...]' assignment in the answer: {code[:120]!r}")


def _call_to_entity(node: ast.expr, allowed: set[str] | None) -> Entity:
    shown = ast.unparse(node)[:80]
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise CodeAnswerError(f"expected a call like Person(\"...\"), got {shown!r}")
    name = node.func.id
    args = list(node.args) + [k.value for k in node.keywords if k.arg == "name"]
    if len(args) != 1 or len(node.args) + len(node.keywords) != 1:
        raise CodeAnswerError(f"{name}(...) must have exactly one argument, the name: {shown!r}")
    arg = args[0]
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        raise CodeAnswerError(f"{name}(...) needs a plain string literal: {shown!r}")
    if allowed is not None and name not in allowed:
        known = ", ".join(sorted(allowed))
        raise CodeAnswerError(f"class {name!r} is not in the schema of this task ({known})")
    return class_by_name(name)(arg.value)


def code_to_answers(
    code: str, var: str = RESULTS_VAR, allowed: Iterable[type[Entity]] | None = None
) -> list[Entity]:
    """Parse ``results = [Person("…"), …]`` with ``ast`` into ontology instances (never eval).

    Accepts the list inside a Markdown code fence or followed by prose. ``allowed`` restricts
    the classes (those the prompt showed). Anything else raises :class:`CodeAnswerError`;
    an unknown class name raises :class:`UnknownLabelError`.
    """
    names = None if allowed is None else {c.__name__ for c in allowed}
    return [_call_to_entity(elt, names) for elt in _extract(code, var).elts]


def spans_to_answers(text: str, spans: Sequence[EntitySpan], scheme_name: str) -> list[Entity]:
    """The entities of a sentence as ontology instances, in text order."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    return [class_for(scheme_name, s.label)(text[s.start : s.end]) for s in ordered]


def answers_to_spans(text: str, answers: Sequence[Entity], scheme_name: str) -> list[EntitySpan]:
    """Locate each answer in ``text`` left to right and give it its label in ``scheme_name``.

    An answer whose surface does not occur after the previous one is an error naming it.
    """
    out: list[EntitySpan] = []
    pos = 0
    for i, answer in enumerate(answers):
        if not answer.name:
            raise CodeAnswerError(f"answer {i + 1} {answer!r} has an empty name")
        start = text.find(answer.name, pos)
        if start < 0:
            where = "in the sentence" if pos == 0 else "after the previous answer"
            raise CodeAnswerError(f"answer {i + 1} {answer!r} does not occur {where}")
        end = start + len(answer.name)
        out.append(EntitySpan(start=start, end=end, label=label_for(scheme_name, type(answer))))
        pos = end
    return out


def render_ner_task(schema_code: str, sentence: str) -> str:
    """The KnowCoder NER prompt: class definitions, the instruction, the sentence as code."""
    return f'{schema_code}\n"""\n{NER_INSTRUCTION}\n"""\nsentence = {py_literal(sentence)}\n'


def render_translated_task(
    schema_code: str, source_sentence: str, source_answers: Iterable[Entity], target_sentence: str
) -> str:
    """The cross-lingual "translated instance prediction" prompt (source + answer + target)."""
    return (
        f'{schema_code}\n"""\n{TRANSLATED_INSTRUCTION}\n"""\n'
        f"source_sentence = {py_literal(source_sentence)}\n"
        f"{answers_to_code(source_answers, 'source_results')}\n"
        f"target_sentence = {py_literal(target_sentence)}\n"
    )


__all__ = [
    "NER_INSTRUCTION",
    "RESULTS_VAR",
    "TRANSLATED_INSTRUCTION",
    "answers_to_code",
    "answers_to_spans",
    "code_to_answers",
    "py_literal",
    "render_ner_task",
    "render_schema",
    "render_translated_task",
    "spans_to_answers",
]
