"""Reminder sources: each is a function that says what is due today, and for whom.

A source is registered with the decorator and has this signature::

    @reminder_source("agency_request_due")
    def agency_requests_due(today: date) -> Iterable[DueItem]:
        ...

It reads the database (it must not write), and yields one DueItem per thing due on `today`: the
review, the people to remind, a stable identifier of the thing, its due date and the occasion
(`deadline_occasion()` works out "7 days before", "on the day" or "overdue, week n" for a deadline).
The text is written here, from the reference, pseudonym and dates only: it goes out by e-mail.
`services.send_reminders` calls every registered source, records one Reminder per recipient (at most
once per recipient, kind, item, due date and occasion) and sends it. Nothing else needs changing
to add a source: importing its module registers it, and each area's init_app imports its own
(panel, action plan, publication and retention each keep theirs in a `reminders.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ssgp_dhr.accounts.models import Role, RoleAssignment, User, not_an_administrator
from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.models import (
    PanelMembership,
    Review,
    ReviewHold,
    answers_current_decision,
)
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date

DAYS_BEFORE = 7  # the first reminder of a deadline: a week before it
OVERDUE_EVERY_DAYS = 7  # then on the day, then weekly while it is overdue
WELCOME_WITHIN_DAYS = 14  # a panel seat that started longer ago than this is not "new"
RETURNED_WITHIN_DAYS = 7  # a proposal returned this long ago is still told of, if a daily run was missed


@dataclass(frozen=True)
class DueItem:
    """One thing due, for the people who should be reminded of it."""

    kind: str  # the registered kind, e.g. "decision_due"
    review: Review
    recipients: Sequence[User]
    item: str  # stable identifier of the thing due, e.g. f"review:{id}:decision", f"agency_request:{id}"
    due_on: date  # the date it is due (for a welcome, the day the panel seat started)
    occasion: str  # which reminder of it this is: "due_soon", "due_today", "overdue_week_2", "welcome"
    subject: str  # e-mail subject and notification heading: no real names, no sensitive facts
    lines: Sequence[str] = field(default_factory=tuple)  # paragraphs of the e-mail body, same rule
    link_path: str = ""  # where to act, relative to the service's address; default: the case page

    def path(self) -> str:
        return self.link_path or f"/cases/{self.review.reference}"


ReminderSource = Callable[[date], Iterable[DueItem]]

SOURCES: dict[str, ReminderSource] = {}



def reminder_source(kind: str) -> Callable[[ReminderSource], ReminderSource]:
    """Register `function(today) -> Iterable[DueItem]` as the source of reminders of `kind`."""
    def register(function: ReminderSource) -> ReminderSource:
        if kind in SOURCES and SOURCES[kind] is not function:
            raise ValueError(f"a reminder source for {kind!r} is already registered")
        SOURCES[kind] = function
        return function
    return register


def registered_sources() -> dict[str, ReminderSource]:
    """Every source registered: the review's own deadlines here, and those each area registers (its
    init_app imports its reminders module)."""
    return dict(SOURCES)


def deadline_occasion(due_on: date, today: date, *, days_before: int = DAYS_BEFORE, on_the_day: bool = True,
                      every: int = OVERDUE_EVERY_DAYS) -> str | None:
    """Which reminder of a deadline `due_on` is owed on `today`, or None between them.

    Each occasion covers a span of days, so a run missed on the exact day (a server down over a
    weekend) is caught up by the next run, once: "due_soon" from `days_before` days before until the
    day before; "due_today" from the day itself for `every` days (when `on_the_day`); then
    "overdue_week_n" for each further `every` days. Without `on_the_day`, overdue weeks start the
    day after the deadline.
    """
    late = (today - due_on).days
    if late < -days_before:
        return None
    if late < 0:
        return "due_soon"
    if on_the_day:
        week = late // every
        return "due_today" if week == 0 else f"overdue_week_{week}"
    if late == 0:
        return None
    return f"overdue_week_{(late + every - 1) // every}"


def when_due(due_on: date, today: date) -> str:
    """'due on 5 March 2026, in 7 days', 'due today, 5 March 2026', 'overdue: it was due on ... (9 days ago)'."""
    days = (due_on - today).days
    if days > 0:
        return f"due on {uk_date(due_on)}, in {_days(days)}"
    if days == 0:
        return f"due today, {uk_date(due_on)}"
    return f"overdue: it was due on {uk_date(due_on)} ({_days(-days)} ago)"


def due_in_short(due_on: date, today: date) -> str:
    """For a subject line: 'due in 7 days', 'due today', '9 days overdue'."""
    days = (due_on - today).days
    if days > 0:
        return f"due in {_days(days)}"
    return "due today" if days == 0 else f"{_days(-days)} overdue"


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def coordinators_of(reviews: Iterable[Review]) -> dict[int, list[User]]:
    """The enabled coordinators of each review's lead and joint partnerships, in one query."""
    reviews = list(reviews)
    partnerships = {p for review in reviews for p in review.partnership_ids}
    by_partnership: dict[int, list[User]] = {}
    if partnerships:
        rows = db.session.execute(
            sa.select(RoleAssignment.partnership_id, User)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role == Role.COORDINATOR, RoleAssignment.partnership_id.in_(partnerships),
                   User.is_enabled.is_(True), not_an_administrator(User.id))
            .order_by(User.id)
        ).unique().all()
        for partnership_id, person in rows:
            by_partnership.setdefault(partnership_id, []).append(person)
    result = {}
    for review in reviews:
        people = {p.id: p for pid in sorted(review.partnership_ids) for p in by_partnership.get(pid, [])}
        result[review.id] = list(people.values())
    return result


def deadline_items(kind: str, today: date, found: Iterable[tuple[Review, deadlines.Deadline]], what: str,
                    item_name: str, more: Callable[[Review], Sequence[str]] = lambda review: ()) -> Iterator[DueItem]:
    owed = [(review, deadline, occasion) for review, deadline in found
            if deadline.pending and not deadline.recorded_after_event
            and (occasion := deadline_occasion(deadline.due_on, today))]
    recipients = coordinators_of(review for review, _, _ in owed)
    for review, deadline, occasion in owed:
        due = when_due(deadline.due_on, today)
        yield DueItem(
            kind=kind, review=review, recipients=recipients[review.id], item=f"review:{review.id}:{item_name}",
            due_on=deadline.due_on, occasion=occasion,
            subject=f"{review.reference}: {deadline.name} {due_in_short(deadline.due_on, today)}",
            lines=(f"For review {review.reference} ({review.pseudonym}), {what} is {due}.", *more(review)),
        )


@reminder_source("decision_due")
def decisions_due(today: date) -> Iterator[DueItem]:
    """Coordinators: the decision whether to hold a review, one month from notification."""
    reviews = db.session.scalars(
        sa.select(Review).where(deadlines.DECISION_CLOCK.pending)
        .options(selectinload(Review.delay_notices)).order_by(Review.id)
    ).unique().all()
    found = ((review, deadlines.decision_deadline(review)) for review in reviews)
    yield from deadline_items("decision_due", today, found, "the decision whether to hold a review", "decision",
                               lambda review: _delay_told(review, today))


@reminder_source("report_due")
def reports_due(today: date) -> Iterator[DueItem]:
    """Coordinators: the report to the Home Office, six months from the decision."""
    reviews = db.session.scalars(
        sa.select(Review)
        .where(deadlines.REPORT_CLOCK.pending)
        .options(selectinload(Review.qa_rounds), selectinload(Review.delay_notices)).order_by(Review.id)
    ).unique().all()
    found = ((review, deadline) for review in reviews if (deadline := deadlines.report_deadline(review)))
    yield from deadline_items("report_due", today, found, "the report to the Home Office", "home_office_report",
                               lambda review: _delay_told(review, today))


def _delay_told(review: Review, today: date) -> tuple[str, ...]:
    """For a late decision or report: whether the Home Office knows when to expect it."""
    deadline = deadlines.delay_deadline(review)
    if deadlines.untold_delay(review, today):
        return (f"The Home Office expects to be told of the delay: tell it why and when to expect "
                f"{deadline.kind.what}, then record that on the case page.",)
    latest = deadlines.latest_delay_notice(review)
    if latest and deadline.is_overdue(today):
        return (f"The Home Office was told on {uk_date(latest.told_on)} to expect {deadline.kind.what} by "
                f"{uk_date(latest.expected_on)}.",)
    return ()


@reminder_source("hold_end_due")
def holds_ending(today: date) -> Iterator[DueItem]:
    """Coordinators: a hold's expected end, 7 days before, on the day, then weekly while the review stays on hold.

    A hold past its expected end is a delay the Home Office expects to be told about: the coordinator
    either resumes the review or records the new expected end and why.
    """
    holds = db.session.scalars(
        sa.select(ReviewHold).join(Review, Review.id == ReviewHold.review_id)
        .where(Review.status == Stage.ON_HOLD, ReviewHold.ended_on.is_(None),
               ReviewHold.expected_end_on <= today + timedelta(days=DAYS_BEFORE))
        .options(selectinload(ReviewHold.review)).order_by(ReviewHold.id)
    ).all()
    owed = [(hold, occasion) for hold in holds if (occasion := deadline_occasion(hold.expected_end_on, today))]
    recipients = coordinators_of(hold.review for hold, _ in owed)
    for hold, occasion in owed:
        review, end = hold.review, hold.expected_end_on
        yield DueItem(
            kind="hold_end_due", review=review, recipients=recipients[review.id], item=f"review_hold:{hold.id}",
            due_on=end, occasion=occasion, subject=f"{review.reference}: {_hold_end_subject(end, today)}",
            lines=(f"Review {review.reference} ({review.pseudonym}) is on hold. {_hold_end_sentence(end, today)}",
                   "If the proceedings have ended, resume the review. If they go on, record the new expected end "
                   "and why, so the delay can be explained to the Home Office."),
        )


def _hold_end_subject(end: date, today: date) -> str:
    late = (today - end).days
    if late < 0:
        return f"hold expected to end in {_days(-late)}"
    return "hold expected to end today" if late == 0 else f"hold {_days(late)} past its expected end"


def _hold_end_sentence(end: date, today: date) -> str:
    late = (today - end).days
    if late < 0:
        return f"The hold is expected to end on {uk_date(end)}, in {_days(-late)}."
    if late == 0:
        return f"The hold is expected to end today, {uk_date(end)}."
    return f"The hold was expected to end on {uk_date(end)}, {_days(late)} ago."


CHASE_EVERY_DAYS = 28  # after the first reminder to chase the Home Office's answer to a decline


@reminder_source("decline_response_awaited")
def declines_unanswered(today: date) -> Iterator[DueItem]:
    """Coordinators: a decision not to hold a review that the Home Office has not answered, DECLINE_RESPONSE_CHASE_WEEKS
    after it was told, then every four weeks until the answer is recorded or the review is reopened.

    Until its Quality Assurance Panel agrees, the decline is not settled: it may still ask for a review.
    """
    wait = timedelta(weeks=current_app.config["DECLINE_RESPONSE_CHASE_WEEKS"])
    reviews = db.session.scalars(
        sa.select(Review)
        .where(Review.status == Stage.NOT_COMMISSIONED, Review.home_office_told_on <= today - wait,
               ~sa.exists().where(answers_current_decision()))
        .order_by(Review.id)
    ).unique().all()
    owed = [(review, chase_on, occasion) for review in reviews
            if (occasion := deadline_occasion(chase_on := review.home_office_told_on + wait, today, days_before=0,
                                              every=CHASE_EVERY_DAYS))]
    recipients = coordinators_of(review for review, _, _ in owed)
    for review, chase_on, occasion in owed:
        yield DueItem(
            kind="decline_response_awaited", review=review, recipients=recipients[review.id],
            item=f"review:{review.id}:decline:{review.decision_on.isoformat()}", due_on=chase_on, occasion=occasion,
            subject=f"{review.reference}: no answer yet from the Home Office to the decision not to hold a review",
            lines=(f"The Home Office was told on {uk_date(review.home_office_told_on)} that the partnership decided "
                   f"on {uk_date(review.decision_on)} not to hold a review for {review.reference} "
                   f"({review.pseudonym}). No answer is recorded {_days((today - review.home_office_told_on).days)} "
                   "later.",
                   "Its Quality Assurance Panel may agree or ask for a review: ask for its answer, then record it on "
                   "the case page."),
        )


def agency_members(review_ids: set[int], today: date) -> dict[tuple[int, int], list[User]]:
    """The enabled people on each review's panel for each agency, by (review id, agency id), in one query."""
    if not review_ids:
        return {}
    seats = db.session.scalars(
        sa.select(PanelMembership).join(User, User.id == PanelMembership.user_id)
        .where(PanelMembership.review_id.in_(review_ids), PanelMembership.started_on <= today,
               sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on > today), User.is_enabled.is_(True))
        .order_by(PanelMembership.id)
    ).unique().all()
    members: dict[tuple[int, int], list[User]] = {}
    for seat in seats:
        people = members.setdefault((seat.review_id, seat.agency_id), [])
        if seat.user not in people:
            people.append(seat.user)
    return members
