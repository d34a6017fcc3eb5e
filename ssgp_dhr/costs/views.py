"""Pages for a review's costs: record one, correct or remove one recorded wrongly, agree how they are shared,
record or remove a recharge between funders; the case page's costs part. Thin: services.py writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, request
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ssgp_dhr.cases import areas, history
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import can_advance, coordinates
from ssgp_dhr.cases.routes import part_of_review_or_404, review_rule
from ssgp_dhr.cases.stages import BEFORE_COMMISSIONING
from ssgp_dhr.cases.views import review_form
from ssgp_dhr.costs import forms, services
from ssgp_dhr.costs.models import CostRecharge, CostSharing, ReviewCost
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

costs = Blueprint("costs", __name__, template_folder="templates")


def case_costs(review: Review) -> dict[str, Any] | None:
    """What the case page's costs part shows (a template global), or None for someone who may not see costs."""
    if not services.may_see_costs(current_user, review):
        return None
    recorded = services.costs_of(review)
    sharing = services.cost_sharing_of(review)
    recharges = services.recharges_of(review)
    return {"costs": recorded, "totals": services.totals(recorded), "may_record": can_advance(current_user, review),
            "sharing": sharing, "recharges": recharges,
            "balances": services.balances(sharing, recorded, recharges) if sharing else None}


def _funders(review: Review, blank: str = "Choose who pays it") -> list[SelectChoice]:
    """The review's partnerships first (they usually pay), then every other organisation by name."""
    others = db.session.execute(sa.select(Organisation.id, Organisation.name)
                                .where(Organisation.id.not_in(review.partnership_ids))
                                .order_by(Organisation.kind != OrganisationKind.AGENCY, Organisation.name)).all()
    own = [review.lead_partnership] + ([review.joint_partnership] if review.joint_partnership else [])
    return [SelectChoice("", blank)] + [SelectChoice(str(o.id), o.name) for o in own] + \
        [SelectChoice(str(o.id), o.name) for o in others]


@costs.route("/cases/<reference>/costs/new", methods=["GET", "POST"])
@review_rule(can_advance)
def record_cost(review: Review):  # noqa: ANN201
    form = forms.CostForm()
    form.funder_id.choices = _funders(review)
    return review_form(
        review, form, template="costs/new.html", first_field="incurred_on", anchor="costs",
        act=lambda version: services.record_cost(
            review, current_user, version, incurred_on=form.incurred_on.data, kind=form.kind.data,
            amount_pence=form.amount.pence, funder_id=int(form.funder_id.data), description=form.description.data),
        done=lambda: "Cost recorded", context=lambda shown: {})


@costs.route("/cases/<reference>/costs/<int:cost_id>/correct", methods=["GET", "POST"])
@review_rule(can_advance)
def correct_cost(review: Review, cost_id: int):  # noqa: ANN201
    cost = part_of_review_or_404(review, ReviewCost, cost_id)
    form = forms.CorrectCostForm()
    form.funder_id.choices = _funders(review)
    if request.method == "GET":
        form.incurred_on.data, form.kind.data, form.funder_id.data = cost.incurred_on, cost.kind.value, str(cost.funder_id)
        form.amount.data = _in_pounds(cost.amount_pence)
        form.description.data = cost.description
    return review_form(
        review, form, template="costs/correct.html", first_field="incurred_on", anchor="costs",
        act=lambda version: services.correct_cost(
            cost, current_user, version, reason=form.reason.data, incurred_on=form.incurred_on.data,
            kind=form.kind.data, amount_pence=form.amount.pence, funder_id=int(form.funder_id.data),
            description=form.description.data),
        done=lambda: "Cost corrected",
        context=lambda shown: {"what": "cost", "slip": "the wrong payer", "fields": "costs/_cost_fields.html"})


@costs.route("/cases/<reference>/costs/<int:cost_id>/remove", methods=["GET", "POST"])
@review_rule(can_advance)
def remove_cost(review: Review, cost_id: int):  # noqa: ANN201
    return _removal_page(review, ReviewCost, cost_id, forms.RemoveCostForm(), services.remove_cost,
                         template="costs/remove.html", shown_as="cost", done="Cost removed")


def _removal_page(review: Review, model: type[ReviewCost | CostRecharge], entry_id: int,
                  form: forms.VersionedForm, remove: Callable[..., None], *, template: str, shown_as: str,
                  done: str) -> Any:
    """The page removing one of the review's costs or recharges recorded in error, with a reason."""
    entry = part_of_review_or_404(review, model, entry_id)
    return review_form(
        review, form, template=template, first_field="reason", anchor="costs",
        act=lambda version: remove(entry, current_user, version, reason=form.reason.data),
        done=lambda: done, context=lambda shown: {shown_as: entry})


@costs.route("/cases/<reference>/costs/sharing", methods=["GET", "POST"])
@review_rule(can_advance)
def agree_cost_sharing(review: Review):  # noqa: ANN201
    form = forms.CostSharingForm()
    for organisation, _ in form.rows():
        organisation.choices = _funders(review, blank="None")
    sharing = services.cost_sharing_of(review)
    if request.method == "GET":
        _fill_in(form, review, sharing)
    return review_form(
        review, form, template="costs/sharing.html", first_field="agreed_on", anchor="costs",
        act=lambda version: services.agree_cost_sharing(review, current_user, version, agreed_on=form.agreed_on.data,
                                                        shares=form.shares(), note=form.note.data),
        done=lambda: "Agreed shares saved", context=lambda shown: {"sharing": sharing})


def _fill_in(form: forms.CostSharingForm, review: Review, sharing: CostSharing | None) -> None:
    """The shares agreed so far; with none, the review's partnerships, whose shares are to be entered."""
    if sharing is None:
        partnerships = [review.lead_partnership_id, review.joint_partnership_id]
        for (organisation, _), partnership_id in zip(form.rows(), filter(None, partnerships), strict=False):
            organisation.data = str(partnership_id)
        return
    form.agreed_on.data, form.note.data = sharing.agreed_on, sharing.note
    for (organisation, share), agreed in zip(form.rows(), sharing.shares, strict=False):
        organisation.data, share.data = str(agreed.organisation_id), services.share_in_words(agreed.basis_points)[:-1]


@costs.route("/cases/<reference>/costs/recharges/new", methods=["GET", "POST"])
@review_rule(can_advance)
def record_recharge(review: Review):  # noqa: ANN201
    form = forms.RechargeForm()
    form.payer_id.choices = _funders(review, blank="Choose who paid")
    form.payee_id.choices = _funders(review, blank="Choose who was paid")
    return review_form(
        review, form, template="costs/recharge.html", first_field="paid_on", anchor="costs",
        act=lambda version: services.record_recharge(
            review, current_user, version, paid_on=form.paid_on.data, payer_id=int(form.payer_id.data),
            payee_id=int(form.payee_id.data), amount_pence=form.amount.pence, reference=form.reference.data),
        done=lambda: "Recharge recorded", context=lambda shown: {"money": case_costs(shown)})


@costs.route("/cases/<reference>/costs/recharges/<int:recharge_id>/correct", methods=["GET", "POST"])
@review_rule(can_advance)
def correct_recharge(review: Review, recharge_id: int):  # noqa: ANN201
    recharge = part_of_review_or_404(review, CostRecharge, recharge_id)
    form = forms.CorrectRechargeForm()
    form.payer_id.choices = _funders(review, blank="Choose who paid")
    form.payee_id.choices = _funders(review, blank="Choose who was paid")
    if request.method == "GET":
        form.paid_on.data, form.reference.data = recharge.paid_on, recharge.reference
        form.payer_id.data, form.payee_id.data = str(recharge.payer_id), str(recharge.payee_id)
        form.amount.data = _in_pounds(recharge.amount_pence)
    return review_form(
        review, form, template="costs/correct.html", first_field="paid_on", anchor="costs",
        act=lambda version: services.correct_recharge(
            recharge, current_user, version, reason=form.reason.data, paid_on=form.paid_on.data,
            payer_id=int(form.payer_id.data), payee_id=int(form.payee_id.data), amount_pence=form.amount.pence,
            reference=form.reference.data),
        done=lambda: "Recharge corrected",
        context=lambda shown: {"what": "recharge", "slip": "the wrong date", "fields": "costs/_recharge_fields.html"})


def _in_pounds(pence: int) -> str:
    """An amount as the form shows it to be corrected: 1250.50."""
    return f"{pence // 100}.{pence % 100:02d}"


@costs.route("/cases/<reference>/costs/recharges/<int:recharge_id>/remove", methods=["GET", "POST"])
@review_rule(can_advance)
def remove_recharge(review: Review, recharge_id: int):  # noqa: ANN201
    return _removal_page(review, CostRecharge, recharge_id, forms.RemoveRechargeForm(), services.remove_recharge,
                         template="costs/remove_recharge.html", shown_as="recharge", done="Recharge removed")


def _costs_shown(review: Review, user: Any) -> bool:
    """The partnerships' section; before a review is commissioned, only for the coordinators who may record
    a cost (a manager would find nothing there)."""
    return services.may_see_costs(user, review) and (review.status not in BEFORE_COMMISSIONING
                                                     or coordinates(user, review))


def init_app(app: Flask) -> None:
    """What costs add to a review: their section and their history, which only the partnerships read."""
    app.jinja_env.globals["case_costs"] = case_costs
    app.add_template_filter(services.share_in_words, "share")
    areas.register_sub_page(app, areas.SubPage("costs", "Costs", order=50))
    areas.register_section(app, areas.Section("costs", "Costs", "costs/_costs.html", page="costs", order=70,
                                              shown=_costs_shown))
    history.register_titles({
        "cost": "Cost recorded",
        "cost_removed": "Cost removed",
        "cost_corrected": "Cost corrected",
        "cost_sharing": "Agreed shares of the costs",
        "cost_recharge": "Recharge recorded",
        "cost_recharge_removed": "Recharge removed",
        "cost_recharge_corrected": "Recharge corrected",
    })
    history.register_topic(
        "costs", "Costs", ("cost", "cost_corrected", "cost_removed", "cost_sharing", "cost_recharge",
                           "cost_recharge_corrected", "cost_recharge_removed"),
        withheld=history.Withheld(lambda user, review: services.may_see_costs(user, review),
                                  "Only the partnerships' coordinators and managers see the review's costs."))
