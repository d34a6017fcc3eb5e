"""The structure the areas rely on: `cases` imports none of them, and stages are named only by Stage."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ssgp_dhr.cases.stages import Stage

PACKAGE = Path(__file__).resolve().parents[1] / "ssgp_dhr"
AREAS = ("panel", "documents", "publication", "action_plan", "costs", "retention", "reminders", "my_work")


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_cases_imports_no_other_area():
    """The areas build on the review: its code and templates name none of them, so each area plugs in
    (cases/areas.py) without cases knowing it."""
    wrong = [f"{path.relative_to(PACKAGE)} imports {name}"
             for path in (PACKAGE / "cases").rglob("*.py") for name in _imports(path)
             if any(name == f"ssgp_dhr.{area}" or name.startswith(f"ssgp_dhr.{area}.") for area in AREAS)]
    assert wrong == []
    included = re.compile(r"""{%-?\s*(?:include|import|from|extends)\s+["'](""" + "|".join(AREAS) + ")/")
    templates = [path.relative_to(PACKAGE) for path in (PACKAGE / "cases" / "templates").rglob("*.html")
                 if included.search(path.read_text())]
    assert templates == []


STAGE_VALUES = {stage.value for stage in Stage}


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and n.value in STAGE_VALUES]


def _is_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr in ("status", "status_before_hold")


def test_stages_are_named_by_the_enumeration_not_by_string_literals():
    """A review's stage compared with, or listed as, a literal string: each should be a Stage member."""
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "stages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and any(_is_status(n) for n in [node.left, *node.comparators]):
                wrong += [f"{path.relative_to(PACKAGE)}:{node.lineno} {s!r}" for s in _strings(node)]
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_"
                    and _is_status(node.func.value)):
                wrong += [f"{path.relative_to(PACKAGE)}:{node.lineno} {s!r}" for s in _strings(node)]
    literal = re.compile(r"status[a-z_]*\s*(?:==|!=|in|not in)\s*\(?\s*['\"]")
    for path in PACKAGE.rglob("*.html"):
        wrong += [f"{path.relative_to(PACKAGE)}: {line.strip()[:80]}" for line in path.read_text().splitlines()
                  if literal.search(line)]
    assert wrong == []
