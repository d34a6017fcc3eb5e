"""My work: what each person has to do or follow, across the areas of the tracker.

It reads from every area (the panel's requests, the action plan, reminders, case files), so it is a
package of its own: `cases`, which the areas build on, imports none of them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ssgp_dhr.access import signed_in
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.action_plan import monitoring
from ssgp_dhr.action_plan.services import overdue_counts as overdue_recommendation_counts
from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import panel_review_ids
from ssgp_dhr.cases.stages import WITH_OR_PAST_HOME_OFFICE, Stage
from ssgp_dhr.cases.views import (
    declined_clause,
    hold_overrun_clause,
    nearest_deadlines,
    overdue_clause,
    untold_delay_clause,
)
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.panel import services as panel_services
from ssgp_dhr.reminders import services as reminder_services
from ssgp_dhr.retention import services as retention_services

my_work = Blueprint("my_work", __name__, template_folder="templates")

WAITING_ON = {
    Stage.NOTIFIED: "Decision due",
    Stage.HOME_OFFICE_REVIEW: "With the Home Office",
    Stage.APPROVED: "Awaiting publication",
}
WAITING_OTHERWISE = {
    Stage.PANEL: "The panel",
    Stage.ON_HOLD: "Parallel proceedings",
    Stage.PUBLISHED: "Action plan monitoring",
    Stage.SUMMARY_ONLY: "Action plan monitoring",
}
MY_WORK_SHOWN = 25  # open reviews listed on My work, nearest deadline first
IN_PROGRESS_WITH_HOME_OFFICE = (Stage.HOME_OFFICE_REVIEW, Stage.REVISING, Stage.APPROVED)


@my_work.get("/")
@signed_in
def dashboard():  # noqa: ANN201
    today = today_uk()
    coordinated = current_user.partnerships_for(Role.COORDINATOR)
    managed = current_user.partnerships_for(Role.MANAGER)
    context: dict[str, Any] = {"today": today, "next_deadline": deadlines.next_deadline,
                               "stages": workflow.STAGE_BY_NAME, "waiting_on": WAITING_ON,
                               "waiting_otherwise": WAITING_OTHERWISE,
                               "notifications": reminder_services.unread_notifications(current_user),
                               "notifications_shown": reminder_services.NOTIFICATIONS_SHOWN}
    if coordinated:
        context |= _coordinated(_of_partnerships(coordinated), today)
    if managed:
        context |= _managed(_of_partnerships(managed), today)
    shown = [r.id for r in [*context.get("open_reviews", []), *context.get("publications", [])]]
    context["overdue_recommendations"] = overdue_recommendation_counts(shown, today)
    if coordinated or current_user.has_role(Role.PANEL_MEMBER):  # coordinators and chairs take deliveries
        context["to_take"] = panel_services.deliveries_to_take(current_user)
    if current_user.has_role(Role.PANEL_MEMBER):
        context["panel_reviews"] = db.session.scalars(
            sa.select(Review).where(Review.id.in_(panel_review_ids(current_user)))
            .options(selectinload(Review.qa_rounds)).order_by(Review.reference)
        ).unique().all()
        context["my_requests"] = panel_services.open_requests_for(current_user)
        context["owned_recommendations"] = monitoring.owned_count(current_user)
    return render_template("my_work/dashboard.html", **context)


def _of_partnerships(partnership_ids: set[int]) -> sa.ColumnElement[bool]:
    return sa.or_(Review.lead_partnership_id.in_(partnership_ids), Review.joint_partnership_id.in_(partnership_ids))


def _coordinated(in_partnership: sa.ColumnElement[bool], today: date) -> dict[str, Any]:
    is_open = sa.and_(in_partnership, Review.status.in_(workflow.OPEN_STATES))
    return {
        # The nearest deadlines only: the rest are one link away in the case list. The counts are over all.
        "open_reviews": nearest_deadlines(is_open, MY_WORK_SHOWN),
        "open_count": db.session.scalar(sa.select(sa.func.count()).where(is_open)),
        "waiting_counts": dict(db.session.execute(
            sa.select(Review.status, sa.func.count()).where(in_partnership, Review.status.in_(WAITING_ON))
            .group_by(Review.status)).all()),
        "overdue_requests": panel_services.overdue_counts(in_partnership, today),
        "delays": _delay_counts(in_partnership, today),
        "recommendations": monitoring.attention_counts(in_partnership, today),
    }


def _managed(in_partnership: sa.ColumnElement[bool], today: date) -> dict[str, Any]:
    counts = dict(db.session.execute(
        sa.select(Review.status, sa.func.count()).where(in_partnership).group_by(Review.status)).all())
    in_progress = Review.status.in_(IN_PROGRESS_WITH_HOME_OFFICE)
    return {
        "stage_counts": [(stage, counts.get(stage, 0)) for stage in Stage],
        "managed_delays": _delay_counts(in_partnership, today, overdue=True),
        "managed_recommendations": monitoring.attention_counts(in_partnership, today),
        "case_files_due": retention_services.case_files_due(current_user, today),
        # Each partnership managed, for its export: rows, not objects.
        "exported_partnerships": db.session.execute(
            sa.select(Organisation.id, Organisation.name)
            .where(Organisation.id.in_(sorted(current_user.partnerships_for(Role.MANAGER))))
            .order_by(Organisation.name)).all(),
        # Those still in progress first, then the latest published: closed reviews and older
        # publications are on the publication board, so the page stays short at any scale.
        "publications": db.session.scalars(
            sa.select(Review).where(in_partnership, Review.status.in_(WITH_OR_PAST_HOME_OFFICE - {Stage.CLOSED}))
            .order_by(sa.case((in_progress, 0), else_=1), Review.published_on.desc(), Review.reference)
            .limit(MY_WORK_SHOWN)
        ).unique().all(),
    }


def _delay_counts(in_partnership: sa.ColumnElement[bool], today: date, *, overdue: bool = False) -> dict[str, int]:
    """How many of the partnerships' reviews have a delay to act on or explain, in one statement; each
    count is a filter of the case list (its query-string name is the key). Coordinators see what is
    overdue in their list of open reviews, so only managers are given that count."""
    clauses = {"overdue": overdue_clause(today)} if overdue else {}
    clauses |= {"untold": untold_delay_clause(today), "overrun": hold_overrun_clause(today),
                "declined": declined_clause("review_asked")}
    counts = db.session.execute(sa.select(
        *(sa.select(sa.func.count()).where(in_partnership, clause).scalar_subquery() for clause in clauses.values())
    )).one()
    return dict(zip(clauses, counts, strict=True))
