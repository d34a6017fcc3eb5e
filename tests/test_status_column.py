"""Nothing but the workflow service assigns a review's status: proven from the source and at run time."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from ssgp_dhr import PROJECT_DIR
from ssgp_dhr.cases import services, workflow
from ssgp_dhr.cases.models import Review
from ssgp_dhr.extensions import db
from tests import status_guard
from tests.factories import coordinator, review_at

PACKAGE = Path(PROJECT_DIR) / "ssgp_dhr"
# Calls whose `status=` keyword would write the column: the model itself and SQL update/insert builders.
_WRITING_CALLS = {"Review", "values", "update", "insert"}
_SQL_UPDATE = re.compile(r"update\s+reviews\s+set\b[^;\"']*\bstatus\b", re.IGNORECASE)


def status_writes(source: str, filename: str = "<source>") -> list[str]:
    """Places in `source` that assign a `status` attribute or pass the column to a write."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                # Other records (agency requests, reminders) have a status of their own; a review is always
                # named as one in this code base. The run-time guard below covers every write whatever the name.
                if isinstance(part, ast.Attribute) and part.attr == "status" \
                        and "review" in ast.unparse(part.value).lower():
                    found.append(f"{filename}:{node.lineno}: assigns .status")
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _WRITING_CALLS and any(k.arg == "status" for k in node.keywords):
                found.append(f"{filename}:{node.lineno}: {name}(status=...)")
            if name in _WRITING_CALLS and any(
                    isinstance(k, ast.Attribute) and k.attr == "status"
                    for arg in node.args if isinstance(arg, ast.Dict) for k in arg.keys):
                found.append(f"{filename}:{node.lineno}: {name}({{Review.status: ...}})")
            if name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value == "status":
                found.append(f"{filename}:{node.lineno}: setattr(..., 'status', ...)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_UPDATE.search(node.value):
            found.append(f"{filename}:{node.lineno}: SQL UPDATE of reviews.status")
    return found


def test_the_scan_finds_each_kind_of_status_write() -> None:
    source = """
review.status = "closed"
self.review.status += "x"
Review(reference="X", status="panel")
sa.update(Review).values(status="closed")
sa.update(Review).values({Review.status: "closed"})
setattr(review, "status", "closed")
db.session.execute(sa.text("UPDATE reviews SET status = 'closed'"))
"""
    assert len(status_writes(source)) == 7
    assert status_writes("render_template('x.html', status=404)\nstatus = 200\nreview.status == 'x'\n"
                         "request.status = 'accepted'\n") == []


def test_no_application_code_assigns_the_status_column() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in status_writes(path.read_text(), str(path))]
    assert found == []
    # Dynamic writes (setattr with a field from the request) take only these names: status is never one.
    assert "status" not in services.EDITABLE_FIELDS
    assert all("status" not in action.fields for action in workflow.ACTIONS.values())
    # The machine is the one place wired to the column.
    assert workflow.MACHINE.model_attribute == "status"


def test_the_run_time_guard_catches_a_write_outside_the_service() -> None:
    review = review_at("notified")
    assert status_guard.take_violations() == []  # recording a notification is sanctioned

    review.status = "closed"

    found = status_guard.take_violations()
    assert len(found) == 1 and "'closed' outside the workflow service" in found[0]
    db.session.rollback()


def test_a_status_smuggled_into_the_details_is_refused() -> None:
    review = review_at("notified")
    with pytest.raises(services.WorkflowError, match="These details cannot be edited here: status"):
        services.update_details(review, coordinator(review.lead_partnership), review.version, {"status": "closed"})
    assert db.session.scalar(sa.select(Review.status).where(Review.id == review.id)) == "notified"
