"""Figures for the partnership's annual review, and the Home Office DHR library's metadata rows.

Pure functions over reviews (and their recommendations), so the page, the CSV and the tests use the same numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.cases.deadlines import DECISION_MONTHS, REPORT_MONTHS, add_months
from ssgp_dhr.cases.models import Review


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


def per_year(reviews: Iterable[Review]) -> list[YearRow]:
    """Reviews notified, commissioned (by decision date) and published, per calendar year."""
    reviews = list(reviews)
    commissioned = [r for r in reviews if r.decision_on and r.status not in ("notified", "not_commissioned")]
    years = sorted({r.notified_on.year for r in reviews} | {r.decision_on.year for r in commissioned}
                   | {r.published_on.year for r in reviews if r.published_on})
    return [YearRow(y, sum(r.notified_on.year == y for r in reviews),
                    sum(r.decision_on.year == y for r in commissioned),
                    sum(bool(r.published_on and r.published_on.year == y) for r in reviews)) for y in years]


def _interval(name: str, pairs: list[tuple[date, date]], months: int | None) -> Interval:
    """Within the limit means by the deadline the case pages show: `months` calendar months on, as
    deadlines.add_months counts them, not a number of days (a decision 30 days after a 1 February
    notification is late; one 31 days after 1 March is not)."""
    days = [(end - start).days for start, end in pairs]
    limit = None if months is None else f"{months} month{'' if months == 1 else 's'}"
    within = 0 if months is None else sum(end <= add_months(start, months) for start, end in pairs)
    return Interval(name, statistics.median(days) if days else None, len(days), limit, within)


def intervals(reviews: Iterable[Review]) -> list[Interval]:
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


def on_time(recommendations: Iterable[Recommendation]) -> tuple[int, int]:
    """(completed by their target date, completed) among the recommendations."""
    done = [r for r in recommendations if r.completed_on]
    return sum(r.completed_on <= r.target_on for r in done), len(done)


LIBRARY_COLUMNS = ("reference", "review_type", "lead_partnership", "joint_partnership", "year_of_death",
                   "pseudonym", "victim_age", "publication_date", "summary_only", "url", "home_office_letter_date")


def library_row(review: Review, summary_only: bool, url: str | None) -> dict[str, object]:
    """A published review as a row of the Home Office DHR library's metadata: nothing restricted."""
    approving = next((q for q in reversed(review.qa_rounds) if q.outcome and q.outcome.value != "revise"), None)
    return {
        "reference": review.reference, "review_type": review.review_type,
        "lead_partnership": review.lead_partnership.name,
        "joint_partnership": review.joint_partnership.name if review.joint_partnership else "",
        "year_of_death": review.date_of_death.year, "pseudonym": review.pseudonym,
        "victim_age": "" if review.victim_age is None else review.victim_age,
        "publication_date": review.published_on.isoformat() if review.published_on else "",
        "summary_only": "yes" if summary_only else "no", "url": url or "",
        "home_office_letter_date": approving.letter_on.isoformat() if approving and approving.letter_on else "",
    }
