"""Reminders about the panel's work: a welcome to a new panel member, and their agency's scoping response,
IMR or chronology as its due date comes and goes. Registered by importing this module (the panel's init_app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.models import PanelMembership, PanelRole, Review
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.models import OUTSTANDING, AgencyRequest
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.reminders.sources import (
    DAYS_BEFORE,
    WELCOME_WITHIN_DAYS,
    DueItem,
    agency_members,
    deadline_occasion,
    due_in_short,
    reminder_source,
    when_due,
)

WHAT_IS_ASKED = {
    PanelRole.INDEPENDENT_CHAIR: (
        "As independent chair you lead the panel: agree the terms of reference, chair its meetings, and keep "
        "responsibility for the overview report, executive summary and action plan.",
    ),
    PanelRole.REPORT_AUTHOR: (
        "As report author you write the overview report, executive summary and action plan from the panel's "
        "work, for the chair and the panel to sign off.",
    ),
    PanelRole.AGENCY_REPRESENTATIVE: (
        "As your agency's representative you attend the panel's meetings, return your agency's scoping response, "
        "Individual Management Review (IMR) and chronology by the dates asked, and see your agency's "
        "recommendations through.",
    ),
    PanelRole.ADVOCATE: (
        "As advocate you bring the family's and friends' views to the panel and keep them informed of its work.",
    ),
    PanelRole.OBSERVER: ("As an observer you attend the panel's meetings; you are not asked for written input.",),
}


@reminder_source("panel_welcome")
def new_panel_members(today: date) -> Iterator[DueItem]:
    """A person newly on a review's panel: a welcome saying what is asked of them."""
    memberships = db.session.scalars(
        sa.select(PanelMembership)
        .join(User, User.id == PanelMembership.user_id)
        .where(PanelMembership.started_on <= today, PanelMembership.started_on >= today - timedelta(days=WELCOME_WITHIN_DAYS),
               sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on >= today), User.is_enabled.is_(True))
        .options(selectinload(PanelMembership.review)).order_by(PanelMembership.id)
    ).unique().all()
    for membership in memberships:
        review = membership.review
        yield DueItem(
            kind="panel_welcome", review=review, recipients=[membership.user], item=f"panel_membership:{membership.id}",
            due_on=membership.started_on, occasion="welcome",
            subject=f"{review.reference}: welcome to the review panel",
            lines=(
                f"You are on the panel of review {review.reference} ({review.pseudonym}) from "
                f"{uk_date(membership.started_on)}, as {membership.panel_role.label.lower()} for {membership.agency.name}.",
                *WHAT_IS_ASKED[membership.panel_role],
                "Case material is OFFICIAL-SENSITIVE: read and record it in the tracker, never by e-mail. "
                "Sign in to see the review, its terms of reference and the dates asked of you.",
            ),
        )


@reminder_source("agency_request_due")
def agency_requests_due(today: date) -> Iterator[DueItem]:
    """Panel members: their agency's scoping response, IMR or chronology, 7 days before and weekly once overdue.

    The panel member responsible for the request is reminded; when none is named, everyone on the
    panel for that agency is, so an unassigned request is not forgotten.
    """
    requests = db.session.scalars(
        sa.select(AgencyRequest).join(Review, Review.id == AgencyRequest.review_id)
        .where(AgencyRequest.status.in_(OUTSTANDING), AgencyRequest.due_on <= today + timedelta(days=DAYS_BEFORE),
               Review.status.in_(deadlines.REPORT_PENDING))
        .options(selectinload(AgencyRequest.review)).order_by(AgencyRequest.id)
    ).unique().all()
    owed = [(request, occasion) for request in requests
            if (occasion := deadline_occasion(request.due_on, today, on_the_day=False))]
    members = agency_members({request.review_id for request, _ in owed}, today)
    for request, occasion in owed:
        review = request.review
        responsible = request.responsible
        active = responsible is not None and responsible.is_active_on(today) and responsible.user.is_enabled
        recipients = [responsible.user] if active else members.get((review.id, request.agency_id), [])
        what = request.kind.label
        yield DueItem(
            kind="agency_request_due", review=review, recipients=recipients, item=f"agency_request:{request.id}",
            due_on=request.due_on, occasion=occasion,
            subject=f"{review.reference}: {what} {due_in_short(request.due_on, today)}",
            lines=(f"For review {review.reference} ({review.pseudonym}), {request.agency.name}'s {what} "
                   f"is {when_due(request.due_on, today)}.",
                   "Record it in the tracker, never by e-mail."),
        )


