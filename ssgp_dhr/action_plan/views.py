"""Pages for the action plan: add a recommendation, post progress, accept completion; and action plan
monitoring across reviews with its CSV. Thin: services.py writes, monitoring.py reads the lists."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ssgp_dhr import presentation
from ssgp_dhr.access import signed_in
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.action_plan import forms, monitoring, rag, services
from ssgp_dhr.action_plan.models import Recommendation, RecommendationLevel
from ssgp_dhr.cases import areas, history
from ssgp_dhr.cases import forms as case_forms
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import can_advance, can_view_review, followed_partnerships
from ssgp_dhr.cases.routes import part_of_review_or_404, review_rule
from ssgp_dhr.cases.services import InvalidChange, StaleReview, WorkflowError
from ssgp_dhr.cases.stages import BEFORE_COMMISSIONING
from ssgp_dhr.clock import to_uk, today_uk
from ssgp_dhr.inputs import query_page
from ssgp_dhr.organisations import services as organisations
from ssgp_dhr.organisations.models import OrganisationKind

action_plan = Blueprint("action_plan", __name__, template_folder="templates")


def case_action_plan(review: Review) -> dict[str, Any]:
    """What the case page's action plan section shows (a template global)."""
    today = today_uk()
    items = services.recommendations(review)
    return {"recommendations": [(r, rag.rag_status(r, today), services.may_post_progress(current_user, r)) for r in items],
            "rule": rag.RULE, "may_add": can_advance(current_user, review)
            and review.status in services.OPEN_FOR_RECOMMENDATIONS}


def _page(template: str, review: Review, form: case_forms.VersionedForm, save: Any, done: str | Any,
          **context: Any) -> Any:
    if request.method == "GET":
        form.version.data = str(review.version)
    errors: list[dict[str, str]] = []
    status = 200
    if form.validate_on_submit():
        try:
            save(form.seen_version())
        except StaleReview as stale:
            form.version.data = str(stale.review.version)
            errors, status = [{"text": "This case changed while you were working on it: check and save again",
                               "href": "#text"}], 409
        except InvalidChange as invalid:
            errors, status = case_forms.place_problems(form, invalid.problems), 400
        except WorkflowError as refused:
            first = next(n for n in form._fields if n not in ("csrf_token", "version"))
            errors, status = [{"text": str(refused), "href": f"#{first}"}], 400
        else:
            flash(done() if callable(done) else done)
            return redirect(areas.section_url(review.reference, "action-plan"))
    elif form.errors:
        errors, status = case_forms.error_list(form), 400
    return render_template(template, review=review, form=form, errors=errors, **context), status


def _offer_agencies(form: forms.RecommendationForm | forms.RevisionForm, keeping: int | None = None) -> None:
    """The active agencies, and the recommendation's own owner (`keeping`) even if marked inactive since."""
    agencies = organisations.offered(OrganisationKind.AGENCY, keeping=keeping)
    form.owning_agency_id.choices = [SelectChoice("", "Choose an agency")] + [SelectChoice(str(a.id), a.name) for a in agencies]


@action_plan.route("/cases/<reference>/recommendations/new", methods=["GET", "POST"])
@review_rule(can_advance)
def new_recommendation(review: Review):  # noqa: ANN201
    form = forms.RecommendationForm()
    _offer_agencies(form)

    def save(version: int) -> None:
        services.add_recommendation(
            review, current_user, version, reference=form.reference.data.strip(), text=form.text.data.strip(),
            level=form.level.data, owning_agency_id=int(form.owning_agency_id.data),
            actions=(form.actions.data or "").strip(), target_on=form.target_on.data,
            evidence=(form.evidence.data or "").strip() or None)
    return _page("action_plan/new.html", review, form, save, "Recommendation added")


@action_plan.route("/cases/<reference>/recommendations/<int:recommendation_id>/progress", methods=["GET", "POST"])
@review_rule(can_view_review)
def progress(review: Review, recommendation_id: int):  # noqa: ANN201
    recommendation = part_of_review_or_404(review, Recommendation, recommendation_id)
    if not services.may_post_progress(current_user, recommendation):
        abort(403)
    form = forms.ProgressForm()
    return _page("action_plan/progress.html", recommendation.review, form, lambda _v: services.post_progress(
        recommendation, current_user, text=form.text.data.strip(), evidence=(form.evidence.data or "").strip() or None,
        propose_completion=bool(form.propose_completion.data)), "Progress posted", recommendation=recommendation)


@action_plan.route("/cases/<reference>/recommendations/<int:recommendation_id>/revise", methods=["GET", "POST"])
@review_rule(can_advance)
def revise(review: Review, recommendation_id: int):  # noqa: ANN201
    recommendation = part_of_review_or_404(review, Recommendation, recommendation_id)
    if recommendation.completed_on is not None and request.method == "GET":
        abort(409)  # accepted as complete since the user saw the link
    form = forms.RevisionForm(obj=recommendation if request.method == "GET" else None)
    _offer_agencies(form, keeping=recommendation.owning_agency_id)
    if request.method == "GET":
        form.owning_agency_id.data = str(recommendation.owning_agency_id)
    changed: list[bool] = []

    def save(version: int) -> None:
        changed.append(services.revise_recommendation(
            recommendation, current_user, version, reason=form.reason.data, text=form.text.data.strip(),
            level=form.level.data, owning_agency_id=int(form.owning_agency_id.data),
            actions=(form.actions.data or "").strip(), target_on=form.target_on.data))
    return _page("action_plan/revise.html", recommendation.review, form, save,
                 lambda: f"Recommendation {recommendation.reference} revised" if changed[0] else "Nothing was changed",
                 recommendation=recommendation)


@action_plan.route("/cases/<reference>/recommendations/<int:recommendation_id>/complete", methods=["GET", "POST"])
@review_rule(can_advance)
def complete(review: Review, recommendation_id: int):  # noqa: ANN201
    recommendation = part_of_review_or_404(review, Recommendation, recommendation_id)
    form = forms.CompletionForm()
    return _page("action_plan/complete.html", recommendation.review, form, lambda _v: services.accept_completion(
        recommendation, current_user, completed_on=form.completed_on.data), "Recommendation accepted as complete",
        recommendation=recommendation)


@action_plan.route("/cases/<reference>/recommendations/<int:recommendation_id>/return", methods=["GET", "POST"])
@review_rule(can_advance)
def return_to_owner(review: Review, recommendation_id: int):  # noqa: ANN201
    recommendation = part_of_review_or_404(review, Recommendation, recommendation_id)
    if recommendation.completion_proposed_on is None and request.method == "GET":
        abort(409)  # accepted, or returned by someone else, since the user saw the link
    form = forms.ReturnForm()
    return _page("action_plan/return.html", recommendation.review, form, lambda _v: services.return_to_owner(
        recommendation, current_user, reason=form.reason.data), f"Recommendation {recommendation.reference} returned "
        "to its owner", recommendation=recommendation)


# --- Action plan monitoring ------------------------------------------------------------------

MONITORING_PAGE_SIZE = 50


@action_plan.get("/action-plans")
@signed_in
def monitoring_page():  # noqa: ANN201
    today = today_uk()
    filters = monitoring.Filters.from_args(request.args)
    counts = monitoring.rag_counts(current_user, filters, today)
    total = monitoring.matching_count(counts, filters.status)
    pages = max(1, math.ceil(total / MONITORING_PAGE_SIZE))
    page = min(query_page(), pages)

    def list_url(**changes: Any) -> str:
        """This page's address with `changes`: the filters stay in the query string, so it can be bookmarked."""
        params = {**filters.query_args(), "page": page, **changes}
        params = {k: v for k, v in params.items() if v not in (None, "") and not (k == "page" and v == 1)}
        return url_for("action_plan.monitoring_page") + ("?" + urlencode(params) if params else "")

    return render_template(
        "action_plan/monitoring.html", filters=filters, counts=counts, total=total, page=page, pages=pages,
        recommendations=monitoring.page(current_user, filters, today, page, MONITORING_PAGE_SIZE),
        pagination=presentation.pagination(page, pages, lambda n: list_url(page=n), label="Pages of recommendations"),
        list_url=list_url, statuses=monitoring.STATUS_CHOICES, agencies=monitoring.agencies(),
        partnerships=followed_partnerships(current_user),
        levels=[(level.value, level.label) for level in RecommendationLevel],
        offers_owned=current_user.has_role(Role.PANEL_MEMBER), rule=rag.RULE, today=today,
        csv_url=url_for("action_plan.monitoring_csv", **filters.query_args()))


MONITORING_CSV_COLUMNS = (
    "Review", "Pseudonym", "Lead partnership", "Recommendation", "Level", "Owning agency", "Text", "Actions",
    "Target date", "Original target date", "RAG status", "Last update", "Latest progress", "Evidence",
    "Completion proposed", "Completed")


@action_plan.get("/action-plans.csv")
@signed_in
def monitoring_csv() -> Response:
    """Every recommendation the page's filters match (not one page): the partnership's report on its action plans."""
    today = today_uk()
    rows: list[list[Any]] = []
    for r in monitoring.every(current_user, monitoring.Filters.from_args(request.args), today):
        rows.append([r.review_reference, r.pseudonym, r.lead_partnership, r.reference, r.level.label, r.owning_agency,
                     r.text, r.actions, r.target_on.isoformat(),
                     r.original_target_on.isoformat() if r.original_target_on else "", r.rag.label,
                     to_uk(r.last_activity).date().isoformat() if r.progress_posted else "", r.latest_progress or "",
                     r.evidence or "", r.completion_proposed_on.isoformat() if r.completion_proposed_on else "",
                     r.completed_on.isoformat() if r.completed_on else ""])
    return presentation.csv_response(MONITORING_CSV_COLUMNS, rows, f"action-plans-{today.isoformat()}.csv")


def init_app(app: Flask) -> None:
    """What the action plan adds to a review: its section, the need for it before closing, its history and
    its reminders."""
    from ssgp_dhr.action_plan import reminders  # noqa: F401 - registers the action plan's reminder sources

    app.jinja_env.globals["case_action_plan"] = case_action_plan
    services.register_requirements()
    areas.register_sub_page(app, areas.SubPage("action-plan", "Action plan", order=40))
    areas.register_section(app, areas.Section("action-plan", "Action plan", "action_plan/_action_plan.html",
                                              page="action-plan", order=60, shown=_commissioned))
    history.register_titles({
        "recommendation": "Recommendation added",
        "recommendation_progress": "Recommendation progress posted",
        "recommendation_completed": "Recommendation accepted as complete",
        "recommendation_revised": "Recommendation revised",
        "recommendation_returned": "Recommendation returned to its owner",
    }, field_names={"text": "recommendation", "owning_agency_id": "owning agency", "target_on": "target date"})
    history.register_topic("publication", "Publication and action plan", (
        "recommendation", "recommendation_progress", "recommendation_completed", "recommendation_revised",
        "recommendation_returned"))


def _commissioned(review: Review, _user: object) -> bool:
    return review.status not in BEFORE_COMMISSIONING
