"""Statutory deadlines, always derived from the recorded dates, never stored."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ssgp_dhr.cases.models import DeadlineKind, DelayNotice, Review
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


def _next_clock_case(value: Callable[[int, Clock], Any]) -> sa.Case:
    return sa.case(*((clock.pending, value(index, clock)) for index, clock in enumerate(CLOCKS)), else_=None)


# A review's next pending deadline as two columns (which clock, and the date it runs from), so a
# list of reviews can show it from its rows without loading each review's QA rounds.
NEXT_CLOCK = _next_clock_case(lambda index, _clock: index).label("next_clock")
NEXT_RUNS_FROM = _next_clock_case(lambda _index, clock: clock.runs_from).label("next_runs_from")


def next_deadline_from(clock_index: int | None, runs_from: date | None, recorded_on: date) -> Deadline | None:
    """The next deadline as NEXT_CLOCK and NEXT_RUNS_FROM give it (both None when none is pending), for a
    review first recorded on `recorded_on`."""
    if clock_index is None or runs_from is None:
        return None
    clock = CLOCKS[clock_index]
    return Deadline(name=clock.name, due_on=add_months(runs_from, clock.months), met_on=None, pending=True,
                    kind=clock.kind, recorded_on=recorded_on)
