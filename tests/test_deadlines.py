"""Statutory deadlines with the clock pinned: calendar months, days overdue, holds shown beside the clock,
and times stored in UTC but shown in UK time across the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.models import CaseEvent
from ssgp_dhr.cases.services import advance
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_datetime
from tests import factories


def _at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(datetime(year, month, day, hour, minute, tzinfo=UTC), tick=False)


@pytest.mark.parametrize(("notified", "due"), [
    (date(2025, 1, 31), date(2025, 2, 28)),
    (date(2024, 1, 31), date(2024, 2, 29)),
    (date(2024, 3, 31), date(2024, 4, 30)),
    (date(2024, 12, 15), date(2025, 1, 15)),
])
def test_the_decision_is_due_one_calendar_month_after_notification(notified: date, due: date) -> None:
    with _at(notified.year, notified.month, notified.day):
        review = factories.notified_review(notified_on=notified)
        assert deadlines.decision_deadline(review).due_on == due


def test_days_overdue_count_from_the_due_date_and_show_on_the_case_page(signed_in_as) -> None:
    with _at(2024, 3, 15):
        coordinator = factories.coordinator()
        review = factories.notified_review(coordinator, notified_on=date(2024, 1, 31))
        decision = deadlines.decision_deadline(review)
        assert (decision.due_on, decision.days_overdue(today_uk()), decision.is_overdue(today_uk())) == (
            date(2024, 2, 29), 15, True)

        page = signed_in_as(coordinator).get(f"/cases/{review.reference}")
        assert "15 days overdue" in page.get_text()

    with _at(2024, 3, 20):  # decided late: the deadline is met, five days after it was due
        advance(review, "commission", coordinator, review.version,
                decision_on=date(2024, 3, 5), home_office_told_on=date(2024, 3, 6))
        decision = deadlines.decision_deadline(review)
        assert (decision.pending, decision.days_overdue(today_uk())) == (False, 5)


@pytest.mark.parametrize(("decided", "due"), [
    (date(2024, 1, 20), date(2024, 7, 20)),
    (date(2023, 8, 31), date(2024, 2, 29)),
    (date(2024, 8, 31), date(2025, 2, 28)),
])
def test_the_report_is_due_six_calendar_months_after_the_decision(decided: date, due: date) -> None:
    with _at(decided.year, decided.month, decided.day, 18):
        coordinator = factories.coordinator()
        review = factories.notified_review(coordinator, notified_on=decided.replace(day=1))
        assert deadlines.report_deadline(review) is None  # nothing decided yet
        advance(review, "commission", coordinator, review.version, decision_on=decided, home_office_told_on=decided)
        assert deadlines.report_deadline(review).due_on == due


def test_a_hold_does_not_stop_the_clock_but_its_days_are_shown_beside_it(signed_in_as) -> None:
    with _at(2024, 3, 1):
        coordinator = factories.coordinator()
        review = factories.notified_review(coordinator, notified_on=date(2024, 1, 10))
        advance(review, "commission", coordinator, review.version,
                decision_on=date(2024, 1, 20), home_office_told_on=date(2024, 1, 22))
        advance(review, "pause", coordinator, review.version, hold_reason="criminal_proceedings",
                hold_details="Trial listed.", hold_started_on=date(2024, 2, 1), hold_expected_end_on=date(2024, 6, 1))
        assert deadlines.days_on_hold(review, today_uk()) == 29

    with _at(2024, 8, 4):
        report = deadlines.report_deadline(review)
        assert (report.due_on, report.pending, report.days_overdue(today_uk())) == (date(2024, 7, 20), True, 15)
        assert deadlines.days_on_hold(review, today_uk()) == 185
        text = " ".join(signed_in_as(coordinator).get(f"/cases/{review.reference}").get_text().split())
        assert "15 days overdue" in text
        assert "Days on hold 185 (the statutory clock does not stop)" in text

        advance(review, "resume", coordinator, review.version, hold_ended_on=date(2024, 8, 1))
        assert deadlines.report_deadline(review).due_on == date(2024, 7, 20)

    with _at(2024, 12, 1):  # an ended hold stops counting; the clock itself never did
        assert deadlines.days_on_hold(review, today_uk()) == 182
        assert deadlines.report_deadline(review).days_overdue(today_uk()) == 134


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2024, 3, 31, 0, 59, tzinfo=UTC), "31 March 2024 at 12:59am"),  # last minute of GMT
    (datetime(2024, 3, 31, 1, 0, tzinfo=UTC), "31 March 2024 at 2:00am"),  # clocks go forward
    (datetime(2024, 10, 27, 0, 30, tzinfo=UTC), "27 October 2024 at 1:30am"),  # BST
    (datetime(2024, 10, 27, 1, 30, tzinfo=UTC), "27 October 2024 at 1:30am"),  # the same hour again, GMT
    (datetime(2024, 7, 1, 23, 30, tzinfo=UTC), "2 July 2024 at 12:30am"),  # already tomorrow in the UK
    (datetime(2024, 1, 15, 23, 30, tzinfo=UTC), "15 January 2024 at 11:30pm"),
])
def test_times_are_shown_in_uk_time(moment: datetime, shown: str) -> None:
    assert uk_datetime(moment) == shown


def test_history_times_are_stored_in_utc_and_shown_in_uk_time() -> None:
    with _at(2024, 7, 1, 23, 30):
        assert today_uk() == date(2024, 7, 2)
        review = factories.notified_review(notified_on=date(2024, 7, 2))
    event_id = db.session.scalar(sa.select(CaseEvent.id).where(CaseEvent.review_id == review.id))
    db.session.expire_all()

    event = db.session.get(CaseEvent, event_id)
    raw = db.session.execute(sa.text("SELECT occurred_at FROM case_events WHERE id = :id"), {"id": event_id}).scalar()
    raw = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    assert (raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw) == datetime(2024, 7, 1, 23, 30, tzinfo=UTC)
    assert event.occurred_at == datetime(2024, 7, 1, 23, 30, tzinfo=UTC)
    assert uk_datetime(event.occurred_at) == "2 July 2024 at 12:30am"


def test_the_sql_clocks_agree_with_the_deadlines_at_every_stage(app):
    """My work fetches by deadlines.CLOCKS; each must pick exactly the reviews whose next deadline it is."""
    from ssgp_dhr.cases import workflow
    from ssgp_dhr.cases.models import Review

    reviews = {status: factories.review_at(status) for status in sorted(workflow.STATES)}
    today = today_uk()
    for clock in deadlines.CLOCKS:
        picked = set(db.session.scalars(sa.select(Review.id).where(clock.pending)))
        for status, review in reviews.items():
            due = deadlines.next_deadline(review, today)
            runs = due is not None and due.name == clock.name
            assert (review.id in picked) == runs, (clock.name, status)
            if runs:
                assert due.due_on == deadlines.add_months(getattr(review, clock.runs_from.key), clock.months)
    assert any(deadlines.next_deadline(r, today) for r in reviews.values())  # the stages do have deadlines


def test_the_case_list_reads_the_same_next_deadline_at_every_stage(app):
    """The case list takes each row's next deadline from NEXT_CLOCK and NEXT_RUNS_FROM, not the review."""
    from ssgp_dhr.cases import workflow
    from ssgp_dhr.cases.views import listed_reviews

    reviews = [factories.review_at(status) for status in sorted(workflow.STATES)]
    today = today_uk()
    rows = listed_reviews([review.id for review in reviews])
    assert [row.reference for row in rows] == [review.reference for review in reviews]
    for review, row in zip(reviews, rows, strict=True):
        due, shown = deadlines.next_deadline(review, today), row.next_deadline
        if due is None:
            assert shown is None, review.status
        else:
            assert (shown.name, shown.due_on, shown.days_left(today)) == (due.name, due.due_on, due.days_left(today))


def test_a_review_paused_while_revising_has_already_met_its_report_deadline(app):
    """Revising follows the Home Office's first answer: the report went in, so a hold then (for an
    inquest, say) must not show it, list it as overdue or remind anyone about it as if it had not."""
    from ssgp_dhr.cases.models import Review
    from ssgp_dhr.cases.views import listed_reviews, overdue_clause
    from ssgp_dhr.reminders.sources import reports_due

    coordinator = factories.coordinator()
    review = factories.review_at("revising", by=coordinator)
    advance(review, "pause", coordinator, review.version, **factories.trigger_data(review, "pause"))
    assert review.status == "on_hold"
    today = today_uk()
    report = deadlines.report_deadline(review)
    assert not report.pending and report.met_on == review.qa_rounds[0].submitted_on
    assert deadlines.next_deadline(review, today) is None
    assert listed_reviews([review.id])[0].next_deadline is None
    assert not any(db.session.scalars(sa.select(Review.id).where(clock.pending)).all() for clock in deadlines.CLOCKS)
    assert db.session.scalars(sa.select(Review.id).where(overdue_clause(today))).all() == []
    assert list(reports_due(today)) == []
