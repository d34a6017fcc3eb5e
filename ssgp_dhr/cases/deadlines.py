"""Statutory deadlines, derived from the recorded dates; each review keeps its next one (stored_values)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from ssgp_dhr.cases.models import DeadlineKind, DelayNotice, QARound, Review
from ssgp_dhr.cases.stages import BEFORE_COMMISSIONING, Stage

DECISION_MONTHS = 1  # decision whether to hold a review: one month from notification
REPORT_MONTHS = 6  # report to the Home Office: six months from the decision

DECISION_PENDING = frozenset({Stage.NOTIFIED})
# The stages in which the report may still be owed: it is, until the first submission to the Home
# Office (a QA round) is recorded. Revising, and a hold taken while revising, come after one.
REPORT_PENDING = frozenset({Stage.COMMISSIONED, Stage.PANEL, Stage.ON_HOLD, Stage.REVISING})


@lru_cache(maxsize=65536)  # pure; the annual statistics ask it for the same few thousand days again and again
def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadline:
    name: str
    due_on: date
    met_on: date | None
    pending: bool
    kind: DeadlineKind | None = None  # None for a deadline that is not a statutory time limit
    recorded_on: date | None = None  # the day the review was first recorded, for a review's own deadlines

    @property
    def recorded_after_event(self) -> bool:
        """It had passed before the review was recorded: entered after the event, it is shown with its
        dates but is not overdue, not a delay to tell the Home Office of, and nobody is reminded of it."""
        return self.recorded_on is not None and self.due_on < self.recorded_on

    def days_left(self, today: date) -> int | None:
        return (self.due_on - today).days if self.pending else None

    def days_overdue(self, today: date) -> int:
        if self.pending:
            return max(0, (today - self.due_on).days)
        if self.met_on is not None:
            return max(0, (self.met_on - self.due_on).days)
        return 0

    def days_late(self, today: date) -> int:
        """days_overdue as the pages show it: none for a deadline recorded after the event."""
        return 0 if self.recorded_after_event else self.days_overdue(today)

    def is_overdue(self, today: date) -> bool:
        return self.pending and today > self.due_on and not self.recorded_after_event


DECISION = "Decision whether to hold a review"
REPORT = "Report to the Home Office"


def decision_deadline(review: Review) -> Deadline:
    return Deadline(
        name=DECISION,
        due_on=add_months(review.notified_on, DECISION_MONTHS),
        met_on=review.decision_on,
        pending=review.status in DECISION_PENDING,
        kind=DeadlineKind.DECISION,
        recorded_on=review.recorded_on,
    )


def report_deadline(review: Review) -> Deadline | None:
    if review.decision_on is None or review.status in BEFORE_COMMISSIONING:
        return None
    first_round = review.qa_rounds[0] if review.qa_rounds else None
    return Deadline(
        name=REPORT,
        due_on=add_months(review.decision_on, REPORT_MONTHS),
        met_on=first_round.submitted_on if first_round else None,
        pending=review.status in REPORT_PENDING and first_round is None,
        kind=DeadlineKind.REPORT,
        recorded_on=review.recorded_on,
    )


def delay_deadline(review: Review) -> Deadline:
    """The deadline a delay in the review is reported against: the report's once a review is to be held,
    the decision's before (and after a decision not to hold one)."""
    return report_deadline(review) or decision_deadline(review)


def delay_owed(review: Review) -> Deadline | None:
    """The decision or report still to come, whose delay can be reported to the Home Office; None if neither."""
    deadline = delay_deadline(review)
    return deadline if deadline.pending else None


def untold_delay(review: Review, today: date) -> bool:
    """The decision or report is overdue, and the Home Office has not been told when to expect it or that
    date has passed.

    The Home Office expects to be told of a delay, its reasons and when to expect the decision or report
    (DelayNotice); the latest notice is what it now expects. views.untold_delay_clause is the same in SQL.
    """
    if not delay_deadline(review).is_overdue(today):
        return False
    latest = latest_delay_notice(review)
    return latest is None or latest.expected_on < today


def latest_delay_notice(review: Review) -> DelayNotice | None:
    """What the Home Office was last told about the deadline delays are reported against now
    (Review.delay_notices is in the order they were told)."""
    kind = delay_deadline(review).kind
    return next((n for n in reversed(review.delay_notices) if n.deadline is kind), None)


def deadlines(review: Review) -> list[Deadline]:
    found = [decision_deadline(review), report_deadline(review)]
    return [d for d in found if d is not None]


def days_on_hold(review: Review, today: date) -> int:
    """Days paused for parallel proceedings; shown beside the statutory clock, which does not stop."""
    return sum(((hold.ended_on or today) - hold.started_on).days for hold in review.holds)


def next_deadline(review: Review, today: date) -> Deadline | None:
    pending = [d for d in deadlines(review) if d.pending]
    return min(pending, key=lambda d: d.due_on, default=None)


def _day_number(day: sa.ColumnElement[date] | InstrumentedAttribute[date | None]) -> sa.ColumnElement[int]:
    """A date as (year × 12 + month) × 32 + day, in SQL on every database.

    add_months(start, m) < day exactly when _day_number(start) + 32 × m < _day_number(day): the months
    compare first, and within the same month clamping to its end changes nothing, since `day` is never
    past the month's end either. So "had the deadline passed by then" is one comparison of integers.
    """
    return (sa.extract("year", day) * 12 + sa.extract("month", day)) * 32 + sa.extract("day", day)


@dataclass(frozen=True)
class Clock:
    """A pending deadline in SQL: the reviews whose next deadline it is, and the date it runs from.

    The deadline falls `months` after `runs_from`, and add_months never puts a later date before an
    earlier one, so ordering by `runs_from` orders by the deadline: My work fetches only the nearest
    instead of every open review. A review has at most one pending deadline, so the clocks are disjoint.
    """

    name: str
    pending: sa.ColumnElement[bool]
    runs_from: InstrumentedAttribute[date | None]
    months: int
    kind: DeadlineKind

    @property
    def recorded_after_event(self) -> sa.ColumnElement[bool]:
        """SQL for Deadline.recorded_after_event: the deadline had passed before the review was recorded."""
        return _day_number(self.runs_from) + 32 * self.months < _day_number(Review.recorded_on)


DECISION_CLOCK = Clock(DECISION, Review.status.in_(DECISION_PENDING), Review.notified_on, DECISION_MONTHS,
                       DeadlineKind.DECISION)
REPORT_CLOCK = Clock(REPORT, sa.and_(Review.decision_on.is_not(None), Review.status.in_(REPORT_PENDING),
                                     ~Review.qa_rounds.any()), Review.decision_on, REPORT_MONTHS, DeadlineKind.REPORT)
CLOCKS = (DECISION_CLOCK, REPORT_CLOCK)


def next_deadline_from(kind: DeadlineKind | None, due_on: date | None, recorded_on: date) -> Deadline | None:
    """The next deadline as the review stores it (Review.next_deadline_kind and next_deadline_on, both None
    when none is pending), for a review first recorded on `recorded_on`."""
    if kind is None or due_on is None:
        return None
    clock = CLOCK_OF[DeadlineKind(kind)]
    return Deadline(name=clock.name, due_on=due_on, met_on=None, pending=True, kind=clock.kind, recorded_on=recorded_on)


CLOCK_OF = {clock.kind: clock for clock in CLOCKS}


# --- The stored next deadline -------------------------------------------------------------------
# Lists filter and sort reviews by their next deadline; working it out in SQL for every review
# (the stage, the dates, whether a Home Office round exists) cost more than anything else in the
# list's statement. So each review keeps it, and every flush that changes what it derives from
# writes it again, in the same transaction: the services, the import and the demo all write reviews
# through the ORM, so none of them can forget it. bench/dataset.py (bulk inserts) calls stored_values.

# What the next deadline derives from: a change to any of these, or to the QA rounds, recomputes it.
DERIVED_FROM = ("status", "notified_on", "decision_on", "recorded_on", "qa_rounds")


def stored_values(review: Any) -> tuple[DeadlineKind | None, date | None]:
    """(next_deadline_kind, next_deadline_on) for `review`, by next_deadline: anything with a review's
    status, dates and qa_rounds will do, so bulk inserts use the same rule as the pages."""
    due = next_deadline(review, date.min)  # the next deadline does not depend on the day asked
    return (due.kind, due.due_on) if due else (None, None)


def store_next_deadline(review: Review) -> None:
    """Write the review's stored next deadline from its current state (only what changed, so an
    unchanged review is not written)."""
    kind, due_on = stored_values(review)
    if review.next_deadline_kind != kind:
        review.next_deadline_kind = kind
    if review.next_deadline_on != due_on:
        review.next_deadline_on = due_on


def _changed_reviews(session: Session) -> set[Review]:
    changed: set[Review] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Review):
            if obj in session.deleted:
                continue
            state = sa.inspect(obj)
            if obj in session.new or any(state.attrs[name].history.has_changes() for name in DERIVED_FROM):
                changed.add(obj)
        elif isinstance(obj, QARound) and obj.review is not None and obj.review not in session.deleted:
            changed.add(obj.review)
    return changed


@sa.event.listens_for(Session, "before_flush")
def store_next_deadlines(session: Session, _context: Any, _instances: Any) -> None:
    """Before every flush: each review whose stage, dates or rounds changed gets its next deadline again."""
    for review in _changed_reviews(session):
        store_next_deadline(review)
