"""Figures for the partnership's annual review, and the Home Office DHR library's metadata rows.

Pure functions over reviews, so the page, the CSV and the tests use the same numbers. They read only
dates, stages, QA rounds, holds, delay causes and the Home Office's answers to decisions:
`review_facts` loads just those columns, so the figures over every review in England and Wales neither
build 10,000 whole reviews nor read a restricted field. Recommendations are counted in the database.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.cases.deadlines import DECISION_MONTHS, REPORT_MONTHS, add_months, decision_deadline, report_deadline
from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.models import (
    DeadlineKind,
    DecisionResponse,
    DecisionResponseOutcome,
    DelayCause,
    DelayNotice,
    QAOutcome,
    QARound,
    Review,
    ReviewHold,
    answers_current_decision,
)
from ssgp_dhr.cases.stages import BEFORE_COMMISSIONING, Stage
from ssgp_dhr.extensions import db


@dataclass(frozen=True)
class RoundFacts:
    submitted_on: date
    letter_on: date | None
    outcome: QAOutcome | None


@dataclass(frozen=True)
class HoldFacts:
    started_on: date
    ended_on: date | None
    first_expected_end_on: date


@dataclass(frozen=True)
class NoticeFacts:
    deadline: DeadlineKind
    cause: DelayCause


@dataclass(frozen=True)
class ResponseFacts:
    outcome: DecisionResponseOutcome


@dataclass(slots=True)
class ReviewFacts:
    """What the figures read of a review, named as on Review so the same functions take either."""

    status: str
    notified_on: date
    decision_on: date | None
    published_on: date | None
    was_reopened: bool = False
    death_kind: DeathKind = DeathKind.DOMESTIC_HOMICIDE
    decision_response: ResponseFacts | None = None  # the Home Office's answer to the current decision
    qa_rounds: list[RoundFacts] = field(default_factory=list)  # in order
    holds: list[HoldFacts] = field(default_factory=list)
    delay_notices: list[NoticeFacts] = field(default_factory=list)
    # The figures count a late decision or report as late whenever the review was recorded: what happened,
    # not what to chase (deadlines.Deadline.recorded_after_event is for the pages and reminders).
    recorded_on: None = None


def review_facts(where: sa.ColumnElement[bool]) -> list[ReviewFacts]:
    """The facts of the reviews `where` selects: five statements, whatever their number.

    Plain rows (Core, on the session's connection): the ORM's result handling was a third of the page's
    time over 10,000 reviews, and nothing here is an ORM object.
    """
    run = db.session.connection().execute
    facts = {id_: ReviewFacts(*values)
             for id_, *values in run(sa.select(Review.id, Review.status, Review.notified_on, Review.decision_on,
                                               Review.published_on, Review.reopen_reason.is_not(None),
                                               Review.death_kind)
                                     .where(where))}
    answers = run(sa.select(DecisionResponse.review_id, DecisionResponse.outcome)
                  .join(Review, answers_current_decision()).where(where))
    for review_id, outcome in answers:
        facts[review_id].decision_response = ResponseFacts(outcome)
    for related, columns, order, make, attribute in (
        (QARound, (QARound.submitted_on, QARound.letter_on, QARound.outcome), QARound.number, RoundFacts, "qa_rounds"),
        (ReviewHold, (ReviewHold.started_on, ReviewHold.ended_on, ReviewHold.first_expected_end_on),
         ReviewHold.started_on, HoldFacts, "holds"),
        (DelayNotice, (DelayNotice.deadline, DelayNotice.cause), DelayNotice.told_on, NoticeFacts, "delay_notices"),
    ):
        rows = run(sa.select(related.review_id, *columns).join(Review, Review.id == related.review_id)
                   .where(where).order_by(related.review_id, order))
        for review_id, *values in rows:
            getattr(facts[review_id], attribute).append(make(*values))
    return list(facts.values())


@dataclass(frozen=True)
class RecommendationCounts:
    total: int
    completed: int
    on_time: int  # completed by their target date (as revised, if it was)
    on_first_target: int  # completed by the target date first agreed
    revised: int  # whose target date was moved


def recommendation_counts(where: sa.ColumnElement[bool]) -> RecommendationCounts:
    """The recommendations of the reviews `where` selects, counted in the database: one row, not one a
    recommendation (18,000 across England and Wales). A moved target makes a late recommendation look
    on time, so completion is also counted against the target first agreed."""
    completed = Recommendation.completed_on.is_not(None)
    first_target = sa.func.coalesce(Recommendation.original_target_on, Recommendation.target_on)
    total, done, in_time, in_first_time, revised = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(Recommendation.completed_on),
                  sa.func.count().filter(completed, Recommendation.completed_on <= Recommendation.target_on),
                  sa.func.count().filter(completed, Recommendation.completed_on <= first_target),
                  sa.func.count(Recommendation.original_target_on))
        .select_from(Recommendation).join(Review, Review.id == Recommendation.review_id).where(where)).one()
    return RecommendationCounts(total, done, in_time, in_first_time, revised)


@dataclass(frozen=True)
class YearRow:
    year: int
    notified: int
    commissioned: int
    published: int


@dataclass(frozen=True)
class Interval:
    name: str
    median_days: float | None
    count: int
    limit: str | None  # the statutory limit in words ("6 months"), None where there is none
    within_limit: int


def per_year(reviews: Iterable[Review | ReviewFacts]) -> list[YearRow]:
    """Reviews notified, commissioned (by decision date) and published, per calendar year."""
    notified, commissioned, published = Counter(), Counter(), Counter()
    for r in reviews:
        notified[r.notified_on.year] += 1
        if r.decision_on and r.status not in BEFORE_COMMISSIONING:
            commissioned[r.decision_on.year] += 1
        if r.published_on:
            published[r.published_on.year] += 1
    return [YearRow(y, notified[y], commissioned[y], published[y])
            for y in sorted(notified.keys() | commissioned.keys() | published.keys())]


@dataclass(frozen=True)
class KindYearRow:
    """One year's figures for one kind of death."""

    year: int
    kind: DeathKind
    notified: int
    commissioned: int
    published: int


def per_year_by_kind(reviews: Iterable[Review | ReviewFacts]) -> list[KindYearRow]:
    """per_year for each kind of death apart: suicides following domestic abuse are now recorded nationally in
    numbers close to domestic homicides, and the partnership's annual review counts them apart. A year lists
    the kinds it has any review of, in the order of DeathKind."""
    by_kind: dict[DeathKind, list[Review | ReviewFacts]] = {}
    for review in reviews:
        by_kind.setdefault(DeathKind(review.death_kind), []).append(review)
    rows = [KindYearRow(y.year, kind, y.notified, y.commissioned, y.published)
            for kind, kept in by_kind.items() for y in per_year(kept)]
    order = list(DeathKind)
    return sorted(rows, key=lambda r: (r.year, order.index(r.kind)))


def _interval(name: str, pairs: list[tuple[date, date]], months: int | None) -> Interval:
    """Within the limit means by the deadline the case pages show: `months` calendar months on, as
    deadlines.add_months counts them, not a number of days (a decision 30 days after a 1 February
    notification is late; one 31 days after 1 March is not)."""
    days = [(end - start).days for start, end in pairs]
    limit = None if months is None else f"{months} month{'' if months == 1 else 's'}"
    within = 0 if months is None else sum(end <= add_months(start, months) for start, end in pairs)
    return Interval(name, statistics.median(days) if days else None, len(days), limit, within)


def intervals(reviews: Iterable[Review | ReviewFacts]) -> list[Interval]:
    """Median days for each step; submission is the first QA round, approval the approving letter."""
    reviews = list(reviews)
    decided = [(r.notified_on, r.decision_on) for r in reviews if r.decision_on]
    submitted = [(r.decision_on, r.qa_rounds[0].submitted_on) for r in reviews if r.decision_on and r.qa_rounds]
    approved = [(r.qa_rounds[0].submitted_on, r.qa_rounds[-1].letter_on) for r in reviews
                if r.qa_rounds and r.qa_rounds[-1].letter_on and r.qa_rounds[-1].outcome
                and r.qa_rounds[-1].outcome.value != "revise"]
    return [
        _interval("Notification to decision", decided, DECISION_MONTHS),
        _interval("Decision to submission", submitted, REPORT_MONTHS),
        _interval("Submission to approval", approved, None),
    ]


@dataclass(frozen=True)
class Delays:
    """Why reviews took longer than the time limits, for the annual review and the Home Office."""

    late_decisions: int  # past the decision deadline: made after it, or still owed after it
    decisions_told: int  # of those, the reviews whose delay in deciding the Home Office was told of
    late_reports: int  # past the report deadline: submitted after it, or still owed after it
    told: int  # of those, the reviews whose delay in reporting the Home Office was told of at least once
    causes: list[tuple[DelayCause, int]]  # reviews naming each cause in a delay notice, most first
    held: int  # reviews put on hold at least once
    holds: int
    median_days_on_hold: float | None  # holds that have ended
    holds_overran: int  # holds that went (or are going) past the end first expected


def delays(reviews: Iterable[Review | ReviewFacts], today: date) -> Delays:
    """Late decisions and reports as the case pages count them (deadlines.decision_deadline and
    report_deadline), whether the Home Office was told of each, the causes reported, and holds."""
    reviews = list(reviews)

    def late(deadline_of: Any, kind: DeadlineKind) -> tuple[int, int]:
        found = [r for r in reviews if (d := deadline_of(r)) and d.days_overdue(today) > 0]
        return len(found), sum(any(n.deadline is kind for n in r.delay_notices) for r in found)

    late_decisions, decisions_told = late(decision_deadline, DeadlineKind.DECISION)
    late_reports, told = late(report_deadline, DeadlineKind.REPORT)
    causes = Counter(cause for r in reviews for cause in {n.cause for n in r.delay_notices})
    order = list(DelayCause)
    holds = [h for r in reviews for h in r.holds]
    ended = [(h.ended_on - h.started_on).days for h in holds if h.ended_on]
    return Delays(
        late_decisions=late_decisions, decisions_told=decisions_told, late_reports=late_reports, told=told,
        causes=sorted(causes.items(), key=lambda item: (-item[1], order.index(item[0]))),
        held=sum(bool(r.holds) for r in reviews), holds=len(holds),
        median_days_on_hold=statistics.median(ended) if ended else None,
        holds_overran=sum((h.ended_on or today) > h.first_expected_end_on for h in holds),
    )


@dataclass(frozen=True)
class Declines:
    """Decisions not to hold a review, and how the Home Office answered those still standing."""

    declined: int  # every review declined, including those later reopened
    reopened: int
    agreed: int  # still declined: the Quality Assurance Panel agreed
    review_asked: int  # still declined: a review was advised or directed, and is yet to be reopened
    awaited: int  # still declined: no answer recorded


def declines(reviews: Iterable[Review | ReviewFacts]) -> Declines:
    reviews = list(reviews)
    standing = [r for r in reviews if r.status == Stage.NOT_COMMISSIONED]
    answers = Counter(r.decision_response.outcome for r in standing if r.decision_response)
    reopened = sum(r.was_reopened for r in reviews)
    return Declines(
        declined=len(standing) + reopened, reopened=reopened, agreed=answers[DecisionResponseOutcome.AGREED],
        review_asked=sum(count for outcome, count in answers.items() if outcome.asks_for_review),
        awaited=len(standing) - sum(answers.values()),
    )


# The Home Office library's metadata, each column with its heading.
LIBRARY_HEADINGS = {
    "reference": "Reference", "review_type": "Review type", "lead_partnership": "Lead partnership",
    "joint_partnership": "Joint partnership", "year_of_death": "Year of death", "pseudonym": "Pseudonym",
    "victim_age": "Victim age", "publication_date": "Publication date", "summary_only": "Summary only",
    "url": "Web address", "home_office_letter_date": "Home Office letter date", "death_kind": "Kind of death"}
LIBRARY_COLUMNS = ("reference", "review_type", "death_kind", "lead_partnership", "joint_partnership", "year_of_death",
                   "pseudonym", "victim_age", "publication_date", "summary_only", "url", "home_office_letter_date")


def library_row(review: Review, summary_only: bool, url: str | None) -> dict[str, object]:
    """A published review as a row of the Home Office DHR library's metadata: nothing restricted."""
    approving = next((q for q in reversed(review.qa_rounds) if q.outcome and q.outcome.value != "revise"), None)
    return {
        "reference": review.reference, "review_type": review.review_type, "death_kind": review.wording.label,
        "lead_partnership": review.lead_partnership.name,
        "joint_partnership": review.joint_partnership.name if review.joint_partnership else "",
        "year_of_death": review.date_of_death.year, "pseudonym": review.pseudonym,
        "victim_age": "" if review.victim_age is None else review.victim_age,
        "publication_date": review.published_on.isoformat() if review.published_on else "",
        "summary_only": "yes" if summary_only else "no", "url": url or "",
        "home_office_letter_date": approving.letter_on.isoformat() if approving and approving.letter_on else "",
    }
