"""Reminders about action plans: a recommendation's target date to its owning agency, a proposal that it is
complete to the coordinators, and a proposal returned to the owner. Registered by importing this module
(the action plan's init_app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.cases.models import CaseEvent
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import UK, UTCDateTime, to_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.reminders.sources import (
    DAYS_BEFORE,
    RETURNED_WITHIN_DAYS,
    DueItem,
    agency_members,
    coordinators_of,
    deadline_occasion,
    due_in_short,
    reminder_source,
    when_due,
)


@reminder_source("recommendation_due")
def recommendations_due(today: date) -> Iterator[DueItem]:
    """Panel members of the owning agency: a recommendation's target date, 7 days before and weekly once overdue."""
    recommendations = db.session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.completed_on.is_(None), Recommendation.target_on <= today + timedelta(days=DAYS_BEFORE))
        .options(selectinload(Recommendation.review)).order_by(Recommendation.id)
    ).unique().all()
    owed = [(recommendation, occasion) for recommendation in recommendations
            if recommendation.review.status != Stage.CLOSED
            and (occasion := deadline_occasion(recommendation.target_on, today, on_the_day=False))]
    members = agency_members({r.review_id for r, _ in owed}, today)
    for recommendation, occasion in owed:
        review = recommendation.review
        yield DueItem(
            kind="recommendation_due", review=review,
            recipients=members.get((review.id, recommendation.owning_agency_id), []),
            item=f"recommendation:{recommendation.id}", due_on=recommendation.target_on, occasion=occasion,
            subject=f"{review.reference}: recommendation {recommendation.reference} "
                    f"{due_in_short(recommendation.target_on, today)}",
            lines=(f"For review {review.reference} ({review.pseudonym}), recommendation {recommendation.reference} "
                   f"owned by {recommendation.owning_agency.name} is {when_due(recommendation.target_on, today)}.",
                   "Post your progress, or propose it complete with the evidence, in the tracker."),
        )


@reminder_source("recommendation_completion_proposed")
def completions_proposed(today: date) -> Iterator[DueItem]:
    """Coordinators: a recommendation its owner proposed as complete, on the day, then weekly until they accept
    it or return it to the owner."""
    recommendations = db.session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.completed_on.is_(None), Recommendation.completion_proposed_on.is_not(None))
        .options(selectinload(Recommendation.review)).order_by(Recommendation.id)
    ).unique().all()
    owed = [(recommendation, occasion) for recommendation in recommendations
            if (occasion := deadline_occasion(recommendation.completion_proposed_on, today, days_before=0))]
    recipients = coordinators_of({r.review.id: r.review for r, _ in owed}.values())
    for recommendation, occasion in owed:
        review, proposed_on = recommendation.review, recommendation.completion_proposed_on
        yield DueItem(
            kind="recommendation_completion_proposed", review=review, recipients=recipients[review.id],
            item=f"recommendation:{recommendation.id}:proposed", due_on=proposed_on, occasion=occasion,
            subject=f"{review.reference}: recommendation {recommendation.reference} proposed as complete",
            lines=(f"For review {review.reference} ({review.pseudonym}), {recommendation.owning_agency.name} proposed "
                   f"recommendation {recommendation.reference} as complete on {uk_date(proposed_on)}.",
                   "Check the evidence, then accept it as complete or return it to the owner with what is still "
                   "needed."),
            link_path=f"/cases/{review.reference}/action-plan#action-plan",
        )


@reminder_source("recommendation_returned")
def completions_returned(today: date) -> Iterator[DueItem]:
    """Panel members of the owning agency, once: a coordinator returned their proposal that a recommendation
    is complete, so more is asked of them. What is still needed stays in the tracker, not the e-mail."""
    since = datetime.combine(today - timedelta(days=RETURNED_WITHIN_DAYS), time(), tzinfo=UK)
    returns = db.session.execute(
        sa.select(CaseEvent.id, CaseEvent.occurred_at, Recommendation)
        .join(Recommendation, sa.and_(Recommendation.review_id == CaseEvent.review_id,
                                      Recommendation.reference == CaseEvent.to_value))
        .where(CaseEvent.field == "recommendation_returned", CaseEvent.occurred_at >= sa.literal(since, UTCDateTime()),
               Recommendation.completed_on.is_(None))
        .options(selectinload(Recommendation.review)).order_by(CaseEvent.id)
    ).all()
    returned = [(event_id, to_uk(at).date(), recommendation) for event_id, at, recommendation in returns
                if to_uk(at).date() <= today]
    members = agency_members({r.review_id for _, _, r in returned}, today)
    for event_id, returned_on, recommendation in returned:
        review = recommendation.review
        yield DueItem(
            kind="recommendation_returned", review=review,
            recipients=members.get((review.id, recommendation.owning_agency_id), []),
            item=f"recommendation:{recommendation.id}:returned:{event_id}", due_on=returned_on, occasion="returned",
            subject=f"{review.reference}: recommendation {recommendation.reference} returned as not yet complete",
            lines=(f"For review {review.reference} ({review.pseudonym}), the coordinator returned recommendation "
                   f"{recommendation.reference}, owned by {recommendation.owning_agency.name}, on "
                   f"{uk_date(returned_on)}: it is not yet accepted as complete.",
                   "Sign in to read what is still needed, then post your progress or propose it complete again."),
            link_path=f"/cases/{review.reference}/action-plan#action-plan",
        )


