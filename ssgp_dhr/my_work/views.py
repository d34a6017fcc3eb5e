"""My work: what each person has to do or follow, across the areas of the tracker.

It reads from every area (the panel's requests, the action plan, reminders, case files), so it is a
package of its own: `cases`, which the areas build on, imports none of them.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from ssgp_dhr.access import signed_in
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.action_plan import monitoring
from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import panel_review_ids
from ssgp_dhr.cases.stages import WITH_OR_PAST_HOME_OFFICE, Stage
from ssgp_dhr.cases.views import (
    declined_clause,
    hold_overrun_clause,
    listed_reviews,
    nearest_deadline_ids,
    overdue_clause,
    untold_delay_clause,
)
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.layout import review_url
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.panel import services as panel_services
from ssgp_dhr.panel.models import AgencyRequest
from ssgp_dhr.presentation import uk_date
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
    context: dict[str, Any] = {"today": today, "stages": workflow.STAGE_BY_NAME, "waiting_on": WAITING_ON,
                               "waiting_otherwise": WAITING_OTHERWISE,
                               "notifications": reminder_services.unread_notifications(current_user),
                               "notifications_shown": reminder_services.NOTIFICATIONS_SHOWN}
    if coordinated or managed:
        context |= _counts(today, coordinated, managed)
    if coordinated:
        # The nearest deadlines only: the rest are one link away in the case list. The counts are over all.
        context["open_reviews"] = listed_reviews(db.session.scalars(
            _NEAREST_OPEN, {"coordinated": sorted(coordinated), "shown": MY_WORK_SHOWN}).all())
    if managed:
        context |= _managed(_of_partnerships(managed), today)
    context |= _overdue_on_the_rows(context.get("open_reviews", []), context.get("publications", []), today)
    if coordinated:
        context["open_rows"] = open_review_rows(context["open_reviews"], today, context["overdue_requests"],
                                                context["overdue_recommendations"])
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


# --- The open reviews' rows -------------------------------------------------------------------------
# Each row's cells are worked out here in one pass: the deadline macro, the filters and the lookups per
# row were a third of the page's time. The markup is the one cases/_deadline.html and the tags write.

class OpenReviewRow(NamedTuple):
    url: str
    reference: str
    pseudonym: str
    status: str
    stage: str
    waiting_on: str
    deadline: Markup


def open_review_rows(open_reviews: list[Any], today: date, overdue_requests: dict[int, int],
                     overdue_recommendations: dict[int, int]) -> list[OpenReviewRow]:
    """The table rows of the open reviews listed, with what is overdue beside each one's next deadline."""
    return [OpenReviewRow(
        url=review_url(review.reference), reference=review.reference, pseudonym=review.pseudonym,
        status=str(review.status), stage=workflow.STAGE_BY_NAME[review.status].label,
        waiting_on=WAITING_ON.get(review.status) or WAITING_OTHERWISE.get(review.status, "The coordinator"),
        deadline=deadline_cell(review.next_deadline, today, overdue_requests.get(review.id, 0),
                               overdue_recommendations.get(review.id, 0)),
    ) for review in open_reviews]


def deadline_cell(due: deadlines.Deadline | None, today: date, requests_overdue: int,
                  recommendations_overdue: int) -> Markup:
    """A review's next deadline as cases/_deadline.html shows it, then its overdue agency reports and
    recommendations as red tags."""
    if due is None:
        cell = "None pending"
    else:
        cell = f"{escape(due.name)}: {uk_date(due.due_on)}"
        if due.recorded_after_event:
            cell += ' <strong class="govuk-tag govuk-tag--grey app-after-event">Recorded after the event</strong>'
        elif due.is_overdue(today):
            cell += f' <strong class="govuk-tag govuk-tag--red">{due.days_overdue(today)} days overdue</strong>'
        else:
            cell += f" ({due.days_left(today)} days left)"
    if requests_overdue:
        cell += (' <strong class="govuk-tag govuk-tag--red app-agency-overdue">'
                 f"{requests_overdue} agency {'report' if requests_overdue == 1 else 'reports'} overdue</strong>")
    if recommendations_overdue:
        cell += (' <strong class="govuk-tag govuk-tag--red app-overdue-recommendations">'
                 f"{recommendations_overdue} recommendation{'s' if recommendations_overdue > 1 else ''} overdue</strong>")
    return Markup(cell)  # noqa: S704 - every value in it is escaped above, a date or a number


def _of_partnerships(partnership_ids: set[int]) -> sa.ColumnElement[bool]:
    return sa.or_(Review.lead_partnership_id.in_(partnership_ids), Review.joint_partnership_id.in_(partnership_ids))


def _managed(in_partnership: sa.ColumnElement[bool], today: date) -> dict[str, Any]:
    counts = dict(db.session.execute(
        sa.select(Review.status, sa.func.count()).where(in_partnership).group_by(Review.status)).all())
    in_progress = Review.status.in_(IN_PROGRESS_WITH_HOME_OFFICE)
    return {
        "stage_counts": [(stage, counts.get(stage, 0)) for stage in Stage],
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


# --- The counts, in one statement ------------------------------------------------------------------

def _in_partnerships(name: str) -> sa.ColumnElement[bool]:
    """The reviews led or jointly held by the partnerships bound as `name` (a list of ids)."""
    ids = sa.bindparam(name, expanding=True)
    return sa.or_(Review.lead_partnership_id.in_(ids), Review.joint_partnership_id.in_(ids))


COORDINATED, MANAGED = _in_partnerships("coordinated"), _in_partnerships("managed")
# The open reviews of the partnerships coordinated whose next deadline is nearest.
_NEAREST_OPEN = nearest_deadline_ids(sa.and_(COORDINATED, Review.status.in_(workflow.OPEN_STATES)), sa.bindparam("shown"))
# Every statutory deadline is pending at one of these stages only. Saying so beside the delays' own
# clauses changes no count, but lets the database find the partnerships' reviews at these stages by
# the (partnership, status) indexes instead of reading every review they ever had (735 for the busiest).
DEADLINE_STAGES = Review.status.in_(deadlines.DECISION_PENDING | deadlines.REPORT_PENDING)


def _count(*where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(Review).where(*where).scalar_subquery()


def _delay_columns(in_partnership: sa.ColumnElement[bool], today: date, *, overdue: bool) -> dict[str, sa.ScalarSelect[int]]:
    """How many of the partnerships' reviews have a delay to act on or explain; each count is a filter of the
    case list (its query-string name is the key). Coordinators see what is overdue in their list of open
    reviews, so only managers are given that count."""
    clauses = {"overdue": sa.and_(DEADLINE_STAGES, overdue_clause(today))} if overdue else {}
    clauses |= {"untold": sa.and_(DEADLINE_STAGES, untold_delay_clause(today)), "overrun": hold_overrun_clause(today),
                "declined": declined_clause("review_asked")}
    return {key: _count(in_partnership, clause) for key, clause in clauses.items()}


def _columns(prefix: str, in_partnership: sa.ColumnElement[bool], today: date, *,
             coordinated: bool) -> tuple[list[sa.ColumnElement[Any]], sa.Subquery]:
    """The counts of one section of the page, each labelled `prefix` + its name, and the single row of
    the recommendations' counts they read from."""
    recommendations = monitoring.attention_counts_row(in_partnership, today).subquery(f"{prefix}recommendations")
    columns: list[sa.ColumnElement[Any]] = [recommendations.c.red.label(f"{prefix}recommendations:red"),
                                           recommendations.c.proposed.label(f"{prefix}recommendations:proposed")]
    columns += [count.label(f"{prefix}delays:{key}")
                for key, count in _delay_columns(in_partnership, today, overdue=not coordinated).items()]
    if coordinated:
        columns += [_count(in_partnership, Review.status.in_(workflow.OPEN_STATES)).label("open_count"),
                    sa.select(sa.func.count()).select_from(AgencyRequest).join(Review, Review.id == AgencyRequest.review_id)
                    .where(in_partnership, panel_services.overdue_clause(today)).scalar_subquery()
                    .label("overdue_requests_total"),
                    *(_count(in_partnership, Review.status == stage).label(f"waiting_counts:{stage.value}")
                      for stage in WAITING_ON)]
    return columns, recommendations


@functools.lru_cache(maxsize=6)
def _counts_statement(today: date, coordinated: bool, managed: bool) -> sa.Select:
    """Every count My work shows, for a coordinator, a manager or both, as one statement of one row.

    Built once a day (the dates in it are the day's): building its clauses took longer than running it.
    """
    columns: list[sa.ColumnElement[Any]] = []
    rows: list[sa.Subquery] = []
    for wanted, prefix, in_partnership in ((coordinated, "", COORDINATED), (managed, "managed_", MANAGED)):
        if wanted:
            section, row = _columns(prefix, in_partnership, today, coordinated=prefix == "")
            columns += section
            rows.append(row)
    statement = sa.select(*columns).select_from(rows[0])
    for row in rows[1:]:
        statement = statement.join(row, sa.true())
    return statement


def _counts(today: date, coordinated: set[int], managed: set[int]) -> dict[str, Any]:
    """The counts for the page's sections, by name: `delays`, `recommendations` and `waiting_counts` are
    dictionaries (`managed_` first for the managers' section)."""
    row = db.session.execute(_counts_statement(today, bool(coordinated), bool(managed)),
                             {"coordinated": sorted(coordinated), "managed": sorted(managed)}).one()
    context: dict[str, Any] = {}
    for name, value in row._mapping.items():
        group, _, key = name.partition(":")
        if key:
            context.setdefault(group, {})[Stage(key) if group == "waiting_counts" else key] = value
        else:
            context[group] = value
    return context


def _overdue_on_the_rows(open_reviews: list[Any], publications: list[Any], today: date) -> dict[str, dict[int, int]]:
    """The overdue agency requests of each open review listed, and the overdue recommendations of each
    review listed, in one statement."""
    counts: dict[str, dict[int, int]] = {"overdue_requests": {}, "overdue_recommendations": {}}
    shown = [r.id for r in open_reviews], [r.id for r in [*open_reviews, *publications]]
    if shown[1]:  # the open reviews are listed too: none listed, none open
        for kind, review_id, count in db.session.execute(
                _overdue_on_rows_statement(today), {"open": shown[0], "listed": shown[1]}):
            counts[kind][review_id] = count
    return counts


@functools.lru_cache(maxsize=2)
def _overdue_on_rows_statement(today: date) -> sa.CompoundSelect:
    # The kinds are written into the SQL: PostgreSQL cannot tell the type of a parameter in a union's columns.
    return sa.union_all(
        sa.select(sa.literal_column("'overdue_requests'"), AgencyRequest.review_id, sa.func.count())
        .where(AgencyRequest.review_id.in_(sa.bindparam("open", expanding=True)), panel_services.overdue_clause(today))
        .group_by(AgencyRequest.review_id),
        sa.select(sa.literal_column("'overdue_recommendations'"), Recommendation.review_id, sa.func.count())
        .where(Recommendation.review_id.in_(sa.bindparam("listed", expanding=True)), Recommendation.completed_on.is_(None),
               Recommendation.target_on < today)
        .group_by(Recommendation.review_id),
    )
