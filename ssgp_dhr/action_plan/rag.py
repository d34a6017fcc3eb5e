"""The RAG status of a recommendation: the one rule, used by the pages, the dashboards and the statistics."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation
from ssgp_dhr.clock import UK, UTCDateTime, to_uk

DUE_SOON_DAYS = 30
QUIET_DAYS = 90

RULE = (
    f"Complete: the coordinator accepted it as done. Red: the target date has passed and it is not complete. "
    f"Amber: not complete, and the target date is within {DUE_SOON_DAYS} days, or nothing has been posted on it "
    f"for {QUIET_DAYS} days (since it was added, if nothing has been posted at all). Green: any other recommendation."
)


class Rag(enum.StrEnum):
    COMPLETE = "complete"
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def tag_class(self) -> str:
        return {"complete": "govuk-tag--blue", "red": "govuk-tag--red", "amber": "govuk-tag--yellow",
                "green": "govuk-tag--green"}[self.value]


def rag_status(recommendation: Recommendation, today: date) -> Rag:
    """See RULE."""
    if recommendation.completed_on is not None:
        return Rag.COMPLETE
    if recommendation.target_on < today:
        return Rag.RED
    last = max((p.posted_at for p in recommendation.progress), default=recommendation.created_at)
    # `today` is a UK date, so the moment is counted on the UK calendar too, not UTC's.
    quiet = to_uk(last).date() < today - timedelta(days=QUIET_DAYS)
    if recommendation.target_on <= today + timedelta(days=DUE_SOON_DAYS) or quiet:
        return Rag.AMBER
    return Rag.GREEN


def last_activity() -> sa.ColumnElement[datetime]:
    """SQL: when progress was last posted on the recommendation, or when it was added if never."""
    latest = sa.select(sa.func.max(ProgressUpdate.posted_at)) \
        .where(ProgressUpdate.recommendation_id == Recommendation.id).scalar_subquery()
    return sa.func.coalesce(latest, Recommendation.created_at)


def rag_sql(today: date) -> sa.ColumnElement[str]:
    """SQL for rag_status: the Rag value of each recommendation, so lists filter and count in the database."""
    # Quiet means last active before the UK day QUIET_DAYS ago began, as rag_status counts it.
    quiet_before = datetime.combine(today - timedelta(days=QUIET_DAYS), time(), tzinfo=UK)
    return sa.case(
        (Recommendation.completed_on.is_not(None), Rag.COMPLETE.value),
        (Recommendation.target_on < today, Rag.RED.value),
        (sa.or_(Recommendation.target_on <= today + timedelta(days=DUE_SOON_DAYS),
                last_activity() < sa.literal(quiet_before, UTCDateTime())), Rag.AMBER.value),
        else_=Rag.GREEN.value)


def is_overdue(recommendation: Recommendation, today: date) -> bool:
    return rag_status(recommendation, today) is Rag.RED
