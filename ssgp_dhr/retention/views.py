"""Pages for keeping case files: those due for disposal, keeping one longer, disposing of one, and the
case page's part saying how long the case file is kept. Thin: services.py writes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template
from flask_login import current_user

from ssgp_dhr.access import reauthentication_required, roles_required
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.cases import areas, history
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import coordinates_or_manages
from ssgp_dhr.cases.routes import review_rule
from ssgp_dhr.cases.views import review_form
from ssgp_dhr.clock import today_uk
from ssgp_dhr.errors import render_error
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.retention import forms, services

retention = Blueprint("retention", __name__, template_folder="templates")


def case_retention(review: Review) -> dict[str, Any] | None:
    """What the case page's "Keeping the case file" part shows (a template global); None where it has nothing
    to say: an open review, or someone who does not follow the review's partnerships."""
    if review.status not in services.KEPT_FROM or not coordinates_or_manages(current_user, review):
        return None
    if review.disposed_on is not None:
        return {"disposal": services.disposal_entry(review)}
    kept = services.retention_of(review)
    return {"retention": kept, "due": kept is not None and kept.is_due(today_uk()),
            "may_keep_longer": kept is not None and services.may_keep_longer(current_user, review),
            "may_dispose": services.may_dispose(current_user, review)}


@retention.get("/case-files")
@roles_required(Role.COORDINATOR, Role.MANAGER)
def case_files_page():  # noqa: ANN201
    """The closed and declined reviews of the person's partnerships whose case files are due for disposal,
    or soon will be, and those disposed of."""
    return render_template("retention/case_files.html", files=services.case_files(current_user),
                           years=services.retention_years(), due_soon_days=services.DUE_SOON_DAYS)


def _retention_or_403(review: Review) -> services.Retention:
    """The review's retention: 403 while no retention period is set, as there is nothing to act on."""
    kept = services.retention_of(review)
    if kept is None:
        abort(403)
    return kept


@retention.route("/cases/<reference>/case-file/keep-longer", methods=["GET", "POST"])
@review_rule(services.may_keep_longer)
def keep_longer(review: Review):  # noqa: ANN201
    kept = _retention_or_403(review)
    form = forms.KeepLongerForm()
    return review_form(
        review, form, template="retention/keep_longer.html", first_field="until", anchor="case-file",
        act=lambda version: services.keep_longer(review, current_user, version, until=form.until.data,
                                                 reason=form.reason.data),
        done=lambda: "The case file will be kept longer", context=lambda shown: {"retention": kept, "today": today_uk()})


@retention.route("/cases/<reference>/case-file/dispose", methods=["GET", "POST"])
@review_rule(services.may_dispose)
@reauthentication_required
def dispose(review: Review):  # noqa: ANN201
    kept = _retention_or_403(review)
    if not kept.is_due(today_uk()):
        return render_error(409, f"This case file is kept until {uk_date(kept.kept_until)}: "
                                 "it can be disposed of from that day.")
    form = forms.DisposalForm()
    return review_form(
        review, form, template="retention/dispose.html", first_field="confirmed", anchor="case-file",
        act=lambda version: services.dispose_of_case_file(review, current_user, version),
        done=lambda: "The case file was disposed of",
        context=lambda shown: {"retention": kept, "inventory": services.disposal_inventory(shown)})


def init_app(app: Flask) -> None:
    """What keeping case files adds to a review: its section, its history and the managers' reminder."""
    from ssgp_dhr.retention import reminders  # noqa: F401 - registers the disposal reminder

    app.jinja_env.globals["case_retention"] = case_retention
    areas.register_sub_page(app, areas.SubPage("case-file", "Case file", order=60))
    areas.register_section(app, areas.Section("case-file", "Keeping the case file", "retention/_retention.html",
                                              page="case-file", order=80, shown=_closed_or_declined))
    history.register_titles({"case_file_disposed": "Case file disposed of"},
                            field_names={"retention_extended_until": "date the case file is kept until"})


def _closed_or_declined(review: Review, _user: object) -> bool:
    """A case file is kept once the review is closed or declined: before, there is nothing to say."""
    return review.status in services.KEPT_FROM
