from pathlib import Path

from parallelner.align.issues import CODES, markdown_table
from parallelner.align.rules import RULES

README = Path(__file__).resolve().parents[3] / "parallelner" / "align" / "README.md"


def test_readme_documents_every_code_and_rule():
    text = README.read_text(encoding="utf-8")
    for code in CODES.values():
        assert f"| `{code.code}` | {code.action.name} | {code.penalty:g} |" in text, code.code
    for rule in RULES:
        assert f"| `{rule.name}` |" in text, rule.name


def test_readme_code_table_is_the_generated_one():
    """The README's table is ``markdown_table()`` verbatim: regenerate it after editing codes."""
    assert markdown_table() in README.read_text(encoding="utf-8")
