"""Pages for the action plan: add a recommendation, post progress, accept completion. Thin: services.py writes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ssgp_dhr.access import signed_in
from ssgp_dhr.action_plan import forms, rag, services
from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.cases import forms as case_forms
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import can_advance
from ssgp_dhr.cases.services import StaleReview, WorkflowError
from ssgp_dhr.cases.views import visible_review_or_404
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

action_plan = Blueprint("action_plan", __name__, template_folder="templates")


def case_action_plan(review: Review) -> dict[str, Any]:
    """What the case page's action plan section shows (a template global)."""
    today = today_uk()
    items = services.recommendations(review)
    return {"recommendations": [(r, rag.rag_status(r, today), services.may_post_progress(current_user, r)) for r in items],
            "rule": rag.RULE, "may_add": can_advance(current_user, review)
            and review.status in services.OPEN_FOR_RECOMMENDATIONS}


def _recommendation_or_404(reference: str, recommendation_id: int) -> Recommendation:
    review = visible_review_or_404(reference)
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None or recommendation.review_id != review.id:
        abort(404)
    return recommendation


def _page(template: str, review: Review, form: case_forms.VersionedForm, save: Any, done: str, **context: Any) -> Any:
    if request.method == "GET":
        form.version.data = str(review.version)
    errors: list[dict[str, str]] = []
    status = 200
    if form.validate_on_submit():
        try:
            save(int(form.version.data or 0))
        except StaleReview as stale:
            form.version.data = str(stale.review.version)
            errors, status = [{"text": "This case changed while you were working on it: check and save again",
                               "href": "#text"}], 409
        except WorkflowError as refused:
            first = next(n for n in form._fields if n not in ("csrf_token", "version"))
            errors, status = [{"text": str(refused), "href": f"#{first}"}], 400
        else:
            flash(done)
            return redirect(url_for("cases.case_page", reference=review.reference, _anchor="action-plan"))
    elif form.errors:
        errors, status = case_forms.error_list(form), 400
    return render_template(template, review=review, form=form, errors=errors, **context), status


@action_plan.route("/cases/<reference>/recommendations/new", methods=["GET", "POST"])
@signed_in
def new_recommendation(reference: str):  # noqa: ANN201
    review = visible_review_or_404(reference)
    if not can_advance(current_user, review):
        abort(403)
    form = forms.RecommendationForm()
    agencies = db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrganisationKind.AGENCY)
                                  .order_by(Organisation.name)).all()
    form.owning_agency_id.choices = [SelectChoice("", "Choose an agency")] + [SelectChoice(str(a.id), a.name) for a in agencies]

    def save(version: int) -> None:
        services.add_recommendation(
            review, current_user, version, reference=form.reference.data.strip(), text=form.text.data.strip(),
            level=form.level.data, owning_agency_id=int(form.owning_agency_id.data),
            actions=(form.actions.data or "").strip(), target_on=form.target_on.data,
            evidence=(form.evidence.data or "").strip() or None)
    return _page("action_plan/new.html", review, form, save, "Recommendation added")


@action_plan.route("/cases/<reference>/recommendations/<int:recommendation_id>/progress", methods=["GET", "POST"])
@signed_in
def progress(reference: str, recommendation_id: int):  # noqa: ANN201
    recommendation = _recommendation_or_404(reference, recommendation_id)
    if not services.may_post_progress(current_user, recommendation):
        abort(403)
    form = forms.ProgressForm()
    return _page("action_plan/progress.html", recommendation.review, form, lambda _v: services.post_progress(
        recommendation, current_user, text=form.text.data.strip(), evidence=(form.evidence.data or "").strip() or None,
        propose_completion=bool(form.propose_completion.data)), "Progress posted", recommendation=recommendation)


@action_plan.route("/cases/<reference>/recommendations/<int:recommendation_id>/complete", methods=["GET", "POST"])
@signed_in
def complete(reference: str, recommendation_id: int):  # noqa: ANN201
    recommendation = _recommendation_or_404(reference, recommendation_id)
    if not can_advance(current_user, recommendation.review):
        abort(403)
    form = forms.CompletionForm()
    return _page("action_plan/complete.html", recommendation.review, form, lambda _v: services.accept_completion(
        recommendation, current_user, completed_on=form.completed_on.data), "Recommendation accepted as complete",
        recommendation=recommendation)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["case_action_plan"] = case_action_plan
