"""Watches every write of Review.status while the tests run: only the workflow service may make one.

The shared machine sets the column from inside `services._transition` (which `advance` and
`record_after_the_event` run), and `new_review` (which `record_notification` runs) sets the first
stage; a write from anywhere else is recorded here and fails the test that made it.
"""

from __future__ import annotations

import sys
import traceback

import sqlalchemy as sa

from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import Review

SANCTIONED = frozenset({services._transition.__code__, services.new_review.__code__})
violations: list[str] = []


def _on_status_set(target: Review, value: str, oldvalue: object, initiator: object) -> None:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code in SANCTIONED:
            return
        frame = frame.f_back
    where = "".join(traceback.format_stack(limit=6)[:-1])
    violations.append(f"Review.status set to {value!r} outside the workflow service:\n{where}")


def install() -> None:
    if not sa.event.contains(Review.status, "set", _on_status_set):
        sa.event.listen(Review.status, "set", _on_status_set)


def take_violations() -> list[str]:
    found = list(violations)
    violations.clear()
    return found
