"""Reviews recorded after the event: a review entered today about a death notified years ago shows the
deadlines that had already passed with their dates, "recorded after the event", never as overdue or as a
delay the Home Office was not told of, and nobody is reminded of them. The case pages work this out in
Python and the lists in SQL: both agree."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.deadlines import _day_number, add_months
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.services import InvalidChange, advance
from ssgp_dhr.cases.views import listed_reviews, overdue_clause, untold_delay_clause
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.reminders.sources import decisions_due, reports_due
from tests import factories

YEARS_AGO = timedelta(days=2855)


def _entered_today(coordinator, **fields) -> Review:
    """A review whose notification came 2,855 days ago, first recorded today."""
    return factories.notified_review(coordinator, notified_on=today_uk() - YEARS_AGO, recorded_on=today_uk(), **fields)


def _ids(clause) -> set[int]:
    return set(db.session.scalars(sa.select(Review.id).where(clause)))


def test_a_review_notified_years_ago_and_recorded_today_is_not_overdue(signed_in_as) -> None:
    coordinator = factories.coordinator()
    review = _entered_today(coordinator)
    today = today_uk()
    decision = deadlines.decision_deadline(review)
    assert review.recorded_on == today
    assert decision.pending and decision.recorded_after_event
    assert not decision.is_overdue(today) and not deadlines.untold_delay(review, today)

    page = signed_in_as(coordinator).get(f"/cases/{review.reference}").get_text()
    assert "Recorded after the event" in page
    assert f"the review was recorded on {today.day} " in page
    assert "days overdue" not in page and "Home Office not told" not in page

    listed = signed_in_as(coordinator).get("/cases").get_text()
    assert "Recorded after the event" in listed and "days overdue" not in listed
    mine = signed_in_as(coordinator).get("/").get_text()
    assert "Recorded after the event" in mine and "days overdue" not in mine


def test_a_review_recorded_at_the_time_is_still_overdue(signed_in_as) -> None:
    """The same dates, recorded when the police notified: the deadline is overdue and the Home Office untold."""
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - YEARS_AGO)
    today = today_uk()
    assert deadlines.decision_deadline(review).is_overdue(today) and deadlines.untold_delay(review, today)
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}").get_text()
    assert "days overdue" in page and "Home Office not told" in page
    assert review.id in _ids(overdue_clause(today)) and review.id in _ids(untold_delay_clause(today))
    assert [item.review.id for item in decisions_due(today)] == [review.id]


def test_deadlines_passed_before_recording_raise_no_reminders_and_match_no_overdue_filter(signed_in_as) -> None:
    coordinator = factories.coordinator()
    today = today_uk()
    undecided = _entered_today(coordinator)
    decided = _entered_today(coordinator)
    # Decided years ago too, and entered today: the report to the Home Office was due long before.
    advance(decided, "commission", coordinator, decided.version, decision_on=decided.notified_on + timedelta(days=20),
            home_office_told_on=decided.notified_on + timedelta(days=21))
    report = deadlines.report_deadline(decided)
    assert report.pending and report.recorded_after_event and not report.is_overdue(today)
    decision = deadlines.decision_deadline(decided)
    assert not decision.pending and decision.recorded_after_event and decision.days_late(today) == 0

    assert list(decisions_due(today)) == [] and list(reports_due(today)) == []
    assert _ids(overdue_clause(today)) == set() and _ids(untold_delay_clause(today)) == set()
    for review in (undecided, decided):
        assert listed_reviews([review.id])[0].next_deadline.recorded_after_event
    assert signed_in_as(coordinator).get("/cases?overdue=yes").get_text().count(undecided.reference) == 0
    page = signed_in_as(coordinator).get(f"/cases/{decided.reference}").get_text()
    assert "days late" not in page and "days overdue" not in page
    assert f"met on {decision.met_on.day} " in page


def test_a_deadline_after_the_review_was_recorded_is_chased_as_usual() -> None:
    """Recorded a week after notification: the decision, due three weeks later, is overdue once passed."""
    coordinator = factories.coordinator()
    notified = today_uk() - timedelta(days=60)
    review = factories.notified_review(coordinator, notified_on=notified, recorded_on=notified + timedelta(days=7))
    today = today_uk()
    assert deadlines.decision_deadline(review).is_overdue(today)
    assert review.id in _ids(overdue_clause(today))
    assert [item.review.id for item in decisions_due(today)] == [review.id]


def test_a_review_cannot_be_recorded_in_the_future() -> None:
    with pytest.raises(InvalidChange, match="today or in the past"):
        factories.notified_review(recorded_on=today_uk() + timedelta(days=1))


DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


@settings(max_examples=150, deadline=None)
@given(start=DAYS, months=st.sampled_from([1, 6]), recorded=DAYS)
def test_the_sql_month_arithmetic_agrees_with_add_months(app, start: date, months: int, recorded: date) -> None:
    """Clock.recorded_after_event compares day numbers in SQL; add_months clamps to a month's end in Python."""
    as_sql = sa.select(_day_number(sa.literal(start, sa.Date)) + 32 * months < _day_number(sa.literal(recorded, sa.Date)))
    assert db.session.scalar(as_sql) == (add_months(start, months) < recorded)


def test_the_lists_and_the_case_pages_agree_at_every_stage_whenever_the_review_was_recorded(app) -> None:
    """For a review at each stage, recorded at notification and recorded today: the case list's row, the
    overdue and untold filters and the case page's deadlines say the same."""
    today = today_uk()
    reviews = []
    for status in sorted(workflow.STATES):
        reviews.append(factories.review_at(status))
        reviews.append(factories.review_at(status, recorded_on=today))  # notified 200 days before
    overdue, untold = _ids(overdue_clause(today)), _ids(untold_delay_clause(today))
    rows = {row.id: row for row in listed_reviews([r.id for r in reviews])}
    assert any(deadlines.next_deadline(r, today) and deadlines.next_deadline(r, today).recorded_after_event
               for r in reviews)
    for review in reviews:
        due, shown = deadlines.next_deadline(review, today), rows[review.id].next_deadline
        assert (shown is None) == (due is None), review.status
        if due is not None:
            assert (shown.due_on, shown.recorded_after_event, shown.is_overdue(today)) == (
                due.due_on, due.recorded_after_event, due.is_overdue(today)), review.status
        assert (review.id in overdue) == any(d.is_overdue(today) for d in deadlines.deadlines(review)), review.status
        assert (review.id in untold) == deadlines.untold_delay(review, today), review.status


def test_the_statistics_still_count_a_decision_made_late_before_the_review_was_recorded(signed_in_as) -> None:
    """The annual figures say what happened: a decision made late is late, whenever it was entered."""
    from ssgp_dhr.publication import statistics

    coordinator = factories.coordinator()
    review = _entered_today(coordinator)
    advance(review, "commission", coordinator, review.version, decision_on=review.notified_on + timedelta(days=40),
            home_office_told_on=review.notified_on + timedelta(days=41))
    figures = statistics.delays(statistics.review_facts(Review.id == review.id), today_uk())
    assert (figures.late_decisions, figures.late_reports) == (1, 1)
    signed_in_as(factories.manager()).get("/publication/statistics")  # the page reads the same facts
