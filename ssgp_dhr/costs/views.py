"""Pages for a review's costs: record one, remove one recorded in error; the case page's costs part.
Thin: services.py writes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, abort
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ssgp_dhr.access import signed_in
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import can_advance
from ssgp_dhr.cases.views import review_form, visible_review_or_404
from ssgp_dhr.costs import forms, services
from ssgp_dhr.costs.models import ReviewCost
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

costs = Blueprint("costs", __name__, template_folder="templates")


def case_costs(review: Review) -> dict[str, Any] | None:
    """What the case page's costs part shows (a template global), or None for someone who may not see costs."""
    if not services.may_see_costs(current_user, review):
        return None
    recorded = services.costs_of(review)
    return {"costs": recorded, "totals": services.totals(recorded), "may_record": can_advance(current_user, review)}


def _coordinated_review_or_404(reference: str) -> Review:
    review = visible_review_or_404(reference)
    if not can_advance(current_user, review):
        abort(403)
    return review


def _funders(review: Review) -> list[SelectChoice]:
    """The review's partnerships first (they usually pay), then every other organisation by name."""
    others = db.session.execute(sa.select(Organisation.id, Organisation.name)
                                .where(Organisation.id.not_in(review.partnership_ids))
                                .order_by(Organisation.kind != OrganisationKind.AGENCY, Organisation.name)).all()
    own = [review.lead_partnership] + ([review.joint_partnership] if review.joint_partnership else [])
    return [SelectChoice("", "Choose who pays it")] + [SelectChoice(str(o.id), o.name) for o in own] + \
        [SelectChoice(str(o.id), o.name) for o in others]


@costs.route("/cases/<reference>/costs/new", methods=["GET", "POST"])
@signed_in
def record_cost(reference: str):  # noqa: ANN201
    review = _coordinated_review_or_404(reference)
    form = forms.CostForm()
    form.funder_id.choices = _funders(review)
    return review_form(
        review, form, template="costs/new.html", first_field="incurred_on", anchor="costs",
        act=lambda version: services.record_cost(
            review, current_user, version, incurred_on=form.incurred_on.data, kind=form.kind.data,
            amount_pence=form.amount.pence, funder_id=int(form.funder_id.data), description=form.description.data),
        done=lambda: "Cost recorded", context=lambda shown: {})


@costs.route("/cases/<reference>/costs/<int:cost_id>/remove", methods=["GET", "POST"])
@signed_in
def remove_cost(reference: str, cost_id: int):  # noqa: ANN201
    review = _coordinated_review_or_404(reference)
    cost = db.session.get(ReviewCost, cost_id)
    if cost is None or cost.review_id != review.id:
        abort(404)
    form = forms.RemoveCostForm()
    return review_form(
        review, form, template="costs/remove.html", first_field="reason", anchor="costs",
        act=lambda version: services.remove_cost(cost, current_user, version, reason=form.reason.data),
        done=lambda: "Cost removed", context=lambda shown: {"cost": cost})


def init_app(app: Flask) -> None:
    app.jinja_env.globals["case_costs"] = case_costs
