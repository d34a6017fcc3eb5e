"""Random walks through the workflow with complete, incomplete and wrong data: the invariants always hold."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ssgp_dhr.cases import deadlines, history, workflow
from ssgp_dhr.cases.models import CaseEvent, EventKind
from ssgp_dhr.cases.services import (
    NotAllowedNow,
    NotPermitted,
    RequirementsNotMet,
    StaleReview,
    WorkflowError,
    advance,
    update_details,
)
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories
from tests.factories import EXPECTED_MOVES, stored_state, trigger_data

PUBLISHING = ("publish", "publish_summary")
FLAWS = ("none", "none", "drop_one", "nothing", "unexpected_field", "unknown_choice", "before_notification",
         "stale", "outsider")


def months_later(day: date, months: int) -> date:
    """The same day `months` months on, or that month's last day: worked out apart from the code under test."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, min(day.day, (first_of_next - timedelta(days=1)).day))


class ReviewLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.coordinator = factories.coordinator()
        self.manager = factories.manager()
        self.review = factories.notified_review(self.coordinator, notified_on=today_uk() - timedelta(days=200))
        self.paused_from: str | None = None
        self.pauses = 0

    def _flawed(self, trigger: str, flaw: str, pick: int) -> dict:
        data = trigger_data(self.review, trigger)
        if flaw == "drop_one":
            del data[sorted(data)[pick % len(data)]]
        elif flaw == "nothing":
            data = {}
        elif flaw == "unexpected_field":
            data["status"] = "closed"
        elif flaw == "unknown_choice":
            data.update({k: "whenever" for k in ("hold_reason", "qa_outcome") if k in data})
        elif flaw == "before_notification":
            data.update({k: self.review.notified_on - timedelta(days=30) for k, v in data.items() if isinstance(v, date)})
        return data

    @rule(trigger=st.sampled_from(workflow.TRIGGERS), flaw=st.sampled_from(FLAWS), pick=st.integers(0, 10))
    def take_action(self, trigger: str, flaw: str, pick: int) -> None:
        # The records and documents other parts of the tracker require; the action's own data is what varies.
        factories.ready_for(self.review, trigger, self.coordinator)
        before = stored_state(self.review)
        source = before["status"]
        actor = self.manager if flaw == "outsider" else self.coordinator
        version = before["version"] - 1 if flaw == "stale" else before["version"]
        allowed = (source, trigger) in EXPECTED_MOVES

        try:
            advance(self.review, trigger, actor, version, **self._flawed(trigger, flaw, pick))
        except WorkflowError as refused:
            assert stored_state(self.review) == before, "a refused action changed the review"
            expected_error = {"outsider": NotPermitted, "stale": StaleReview}.get(
                flaw, RequirementsNotMet if allowed else NotAllowedNow)
            if flaw == "unexpected_field" and allowed:
                expected_error = WorkflowError
            assert isinstance(refused, expected_error), f"{trigger} from {source} with {flaw}: {refused!r}"
            assert not (allowed and flaw == "none"), f"{trigger} from {source} with complete data was refused: {refused}"
            return

        after = stored_state(self.review)
        assert allowed and flaw not in ("outsider", "stale", "unexpected_field", "nothing")
        assert after["status"] == (EXPECTED_MOVES[(source, trigger)] or self.paused_from)
        assert after["version"] == before["version"] + 1
        # One transition an action; publishing also records each document it puts online, in the same commit.
        added = history.newest_events(self.review, limit=after["events"] - before["events"])
        assert [e.kind for e in added].count(EventKind.TRANSITION) == 1
        assert all(e.kind is EventKind.TRANSITION or (trigger in PUBLISHING and e.field == "documents") for e in added)
        if trigger == "pause":
            self.paused_from, self.pauses = source, self.pauses + 1

    @rule(contact=st.sampled_from(["Local paper", "Regional TV", ""]))
    def edit_details(self, contact: str) -> None:
        update_details(self.review, self.coordinator, self.review.version, {"press_contact": contact or None})

    @invariant()
    def status_is_a_known_stage(self) -> None:
        assert self.review.status in workflow.STATES

    @invariant()
    def history_chain_verifies_and_ends_at_the_status(self) -> None:
        events = list(db.session.scalars(
            sa.select(CaseEvent).where(CaseEvent.review_id == self.review.id).order_by(CaseEvent.seq)))
        assert history.verify_review_chain(self.review, events) is None
        moves = [e for e in events if e.field == "status" and e.kind in (EventKind.CREATED, EventKind.TRANSITION)]
        assert moves[-1].to_value == self.review.status
        assert all(m.from_value == earlier.to_value for earlier, m in itertools.pairwise(moves))

    @invariant()
    def deadlines_follow_the_recorded_dates(self) -> None:
        review = self.review
        decision = deadlines.decision_deadline(review)
        assert decision.due_on == months_later(review.notified_on, 1)
        assert decision.pending == (review.status == "notified")
        report = deadlines.report_deadline(review)
        if review.status in ("notified", "not_commissioned"):
            assert report is None
        else:
            assert review.decision_on is not None
            assert report.due_on == months_later(review.decision_on, 6)
        assert len(review.holds) == self.pauses
        assert deadlines.days_on_hold(review, today_uk()) >= 0


def test_random_walks_keep_the_workflow_invariants() -> None:
    run_state_machine_as_test(ReviewLifecycle, settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))


def test_months_later_counts_calendar_months() -> None:
    assert months_later(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert months_later(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert months_later(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert months_later(date(2024, 12, 15), 1) == date(2025, 1, 15)
