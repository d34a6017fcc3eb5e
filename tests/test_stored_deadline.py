"""Each review keeps its next statutory deadline (Review.next_deadline_kind, next_deadline_on) for the lists
to filter and sort on: after any sequence of actions it is what deadlines.next_deadline works out."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.models import DeadlineKind, Review
from ssgp_dhr.cases.services import WorkflowError, advance, update_details
from ssgp_dhr.cases.views import nearest_deadlines, overdue_clause, untold_delay_clause
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.review_import.columns import COLUMNS
from ssgp_dhr.review_import.services import import_reviews
from tests import factories

# Stages a spreadsheet row can bring a review in at, with the dates each needs (relative to the notification).
IMPORTED_STAGES = {
    "notified": {},
    "not_commissioned": {"Date of decision": 20, "Date Home Office told": 22,
                         "Reasons for not holding a review": "The criteria are not met."},
    "commissioned": {"Date of decision": 20, "Date Home Office told": 22},
    "home_office_review": {"Date of decision": 20, "Date Home Office told": 22, "Chair": "Ruth Chair",
                           "Date chair appointed": 30, "Date terms of reference agreed": 40,
                           "Date overview report completed": 150, "Date executive summary completed": 150,
                           "Date action plan completed": 150, "Date panel signed off": 155,
                           "Date partnership signed off": 160, "Date submitted to the Home Office": 170},
}


def _stored(review_id: int) -> tuple[DeadlineKind | None, date | None]:
    row = db.session.execute(sa.select(Review.next_deadline_kind, Review.next_deadline_on)
                             .where(Review.id == review_id)).one()
    return row[0], row[1]


def _spreadsheet(number: int, stage: str, notified_on: date) -> bytes:
    row = {"Partnership reference": f"GLOS/{number:04d}", "Pseudonym": f"Person {number}",
           "Name of the person who died": "Jane Doe", "Date of death": f"{notified_on - timedelta(days=3):%d/%m/%Y}",
           "Date notified": f"{notified_on:%d/%m/%Y}", "Notified by": "Police", "Stage": stage}
    for heading, value in IMPORTED_STAGES[stage].items():
        row[heading] = f"{notified_on + timedelta(days=value):%d/%m/%Y}" if isinstance(value, int) else value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c.heading for c in COLUMNS])
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


IMPORTS = itertools.count(1)


class StoredNextDeadline(RuleBasedStateMachine):
    """Transitions (holds and Home Office rounds among them), date edits and imports on a few reviews."""

    def __init__(self) -> None:
        super().__init__()
        self.partnership = factories.ssgp()
        self.coordinator = factories.coordinator(self.partnership)
        self.ids = [factories.notified_review(self.coordinator, notified_on=today_uk() - timedelta(days=200)).id]

    def _review(self, pick: int) -> Review:
        return db.session.get(Review, self.ids[pick % len(self.ids)])

    @rule(pick=st.integers(0, 5), trigger=st.sampled_from(workflow.TRIGGERS))
    def take_action(self, pick: int, trigger: str) -> None:
        review = self._review(pick)
        if trigger not in workflow.available_triggers(review.status):
            return
        factories.ready_for(review, trigger, self.coordinator)
        # Refused (a requirement this walk did not meet): nothing changed, which the invariant checks too.
        with contextlib.suppress(WorkflowError):
            advance(review, trigger, self.coordinator, review.version, **factories.trigger_data(review, trigger))

    @rule(pick=st.integers(0, 5), days_before=st.integers(0, 400))
    def change_the_notification_date(self, pick: int, days_before: int) -> None:
        review = self._review(pick)
        notified_on = max(review.date_of_death, today_uk() - timedelta(days=days_before))
        with contextlib.suppress(WorkflowError):  # a date the review's later dates rule out
            update_details(review, self.coordinator, review.version, {"notified_on": notified_on})

    @rule(days_ago=st.integers(10, 900))
    def notify(self, days_ago: int) -> None:
        self.ids.append(factories.notified_review(self.coordinator, notified_on=today_uk() - timedelta(days=days_ago)).id)

    # Further back than any notification above, and a different day each: a row with another review's dates
    # would be taken for that review (the import matches what it already holds).
    @rule(stage=st.sampled_from(sorted(IMPORTED_STAGES)), days_ago=st.integers(1000, 3000))
    def bring_in_from_a_spreadsheet(self, stage: str, days_ago: int) -> None:
        self.imported = next(IMPORTS)  # the examples share the database: each row is a review not yet held
        days_ago += 4000 * (self.imported % 2)
        content = _spreadsheet(self.imported, stage, today_uk() - timedelta(days=days_ago))
        result = import_reviews(content, "reviews.csv", self.partnership, self.coordinator, confirm=True)
        assert result.saved, [row.problems for row in result.rows]
        self.ids.append(db.session.scalar(sa.select(Review.id).where(
            Review.partnership_reference == f"GLOS/{self.imported:04d}")))

    @invariant()
    def the_stored_deadline_is_the_one_the_rules_work_out(self) -> None:
        db.session.expire_all()  # the reviews as the database holds them, not as this session last set them
        today = today_uk()
        overdue = set(db.session.scalars(sa.select(Review.id).where(overdue_clause(today))))
        untold = set(db.session.scalars(sa.select(Review.id).where(untold_delay_clause(today))))
        for review_id in self.ids:
            review = db.session.get(Review, review_id)
            due = deadlines.next_deadline(review, today)
            assert _stored(review_id) == ((due.kind, due.due_on) if due else (None, None)), review.status
            assert (review_id in overdue) == bool(due and due.is_overdue(today))
            assert (review_id in untold) == deadlines.untold_delay(review, today)


def test_the_stored_next_deadline_always_equals_the_rules() -> None:
    run_state_machine_as_test(StoredNextDeadline, settings=settings(
        max_examples=25, stateful_step_count=15, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))


def test_a_first_home_office_round_ends_the_report_deadline_and_a_hold_keeps_it(app):
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    report = (DeadlineKind.REPORT, deadlines.add_months(review.decision_on, deadlines.REPORT_MONTHS))
    assert _stored(review.id) == report
    for trigger in ("pause", "resume"):
        advance(review, trigger, coordinator, review.version, **factories.trigger_data(review, trigger))
        assert _stored(review.id) == report
    factories.ready_for(review, "submit", coordinator)
    advance(review, "submit", coordinator, review.version, **factories.trigger_data(review, "submit"))
    assert _stored(review.id) == (None, None)


def test_a_changed_notification_date_moves_the_decision_deadline(app):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=date(2026, 1, 31))
    assert _stored(review.id) == (DeadlineKind.DECISION, date(2026, 2, 28))
    update_details(review, coordinator, review.version, {"notified_on": date(2026, 3, 31)})
    assert _stored(review.id) == (DeadlineKind.DECISION, date(2026, 4, 30))


def test_the_stored_values_follow_next_deadline_for_a_row_of_plain_values():
    """bench/dataset.py inserts reviews in bulk and fills the columns with stored_values from the row's values."""
    row = SimpleNamespace(status="commissioned", notified_on=date(2024, 8, 1), decision_on=date(2024, 8, 31),
                          recorded_on=date(2024, 8, 1), qa_rounds=[])
    assert deadlines.stored_values(row) == (DeadlineKind.REPORT, date(2025, 2, 28))
    row.qa_rounds = [SimpleNamespace(submitted_on=date(2025, 1, 1))]
    assert deadlines.stored_values(row) == (None, None)


def test_my_work_lists_the_nearest_stored_deadlines_first_then_those_without(app):
    coordinator = factories.coordinator()
    today = today_uk()
    later = factories.notified_review(coordinator, notified_on=today - timedelta(days=5))
    sooner = factories.notified_review(coordinator, notified_on=today - timedelta(days=40))
    declined = factories.review_at("not_commissioned", by=coordinator)
    listed = nearest_deadlines(Review.lead_partnership_id == later.lead_partnership_id, 3)
    assert [r.reference for r in listed] == [sooner.reference, later.reference, declined.reference]
    assert [r.reference for r in nearest_deadlines(Review.lead_partnership_id == later.lead_partnership_id, 1)] \
        == [sooner.reference]
