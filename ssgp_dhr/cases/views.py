"""Pages for reviews: My work, the case page, and the workflow."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ssgp_dhr.access import signed_in
from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.models import CaseEvent, Review
from ssgp_dhr.cases.policy import can_see_real_names, can_view_review, visible_reviews_clause
from ssgp_dhr.cases.services import explain
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db

cases = Blueprint("cases", __name__, template_folder="templates")


def visible_review_or_404(reference: str) -> Review:
    """The review, if the current user may see it; 404 otherwise, so its existence is not revealed."""
    review = db.session.scalar(
        sa.select(Review).where(Review.reference == reference)
        .options(selectinload(Review.holds), selectinload(Review.qa_rounds), selectinload(Review.panel))
    )
    if review is None or not can_view_review(current_user, review):
        abort(404)
    return review


@cases.get("/")
@signed_in
def dashboard():  # noqa: ANN201
    reviews = db.session.scalars(
        sa.select(Review).where(visible_reviews_clause(current_user))
        .options(selectinload(Review.qa_rounds))
        .order_by(Review.notified_on.desc())
    ).all()
    today = today_uk()
    return render_template("cases/dashboard.html", reviews=reviews, today=today,
                           next_deadline=deadlines.next_deadline, stages=workflow.STAGE_BY_NAME)


@cases.get("/reviews/<reference>")
@signed_in
def case_page(reference: str):  # noqa: ANN201
    review = visible_review_or_404(reference)
    events = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.review_id == review.id).order_by(CaseEvent.seq.desc())
    ).all()
    today = today_uk()
    actions = [(workflow.ACTIONS[t], explain(review, t, current_user))
               for t in workflow.available_triggers(review.status)]
    return render_template(
        "cases/case.html", review=review, events=events, today=today, actions=actions,
        show_real_names=can_see_real_names(current_user, review),
        deadlines=deadlines.deadlines(review), days_on_hold=deadlines.days_on_hold(review, today),
        stages=workflow.STAGE_BY_NAME,
    )


@cases.get("/workflow")
@signed_in
def workflow_page():  # noqa: ANN201
    return render_template("cases/workflow.html", diagram=workflow.mermaid_diagram(), stages=workflow.STAGES,
                           transitions=workflow.TRANSITIONS, actions=workflow.ACTIONS)
