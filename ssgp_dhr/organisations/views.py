"""Administrators' pages for the partnerships and agencies: the list, adding one, and one's page (rename, change an
agency's kind, mark inactive or active again, and the history of its changes). Every change needs the password
again within a few minutes, as account administration does."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ssgp_dhr.access import reauthentication_required, roles_required
from ssgp_dhr.accounts.forms import ActionForm
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations import services
from ssgp_dhr.organisations.forms import OrganisationForm
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

organisations = Blueprint("organisations", __name__, url_prefix="/admin/organisations", template_folder="templates")

KINDS = {"partnership": OrganisationKind.PARTNERSHIP, "agency": OrganisationKind.AGENCY}


@organisations.get("")
@roles_required(Role.ADMIN)
def organisation_list():  # noqa: ANN201
    everything = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    return render_template("organisations/list.html",
                           partnerships=[o for o in everything if o.is_partnership],
                           agencies=[o for o in everything if not o.is_partnership])


@organisations.route("/new/<any(partnership, agency):kind>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@reauthentication_required
def new_organisation(kind: str):  # noqa: ANN201
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            added = services.add_organisation(current_user, kind=KINDS[kind], name=form.name.data,
                                              short_name=form.short_name.data, agency_kind=form.chosen_kind())
        except services.OrganisationRefused as refused:
            _show(form, refused)
        else:
            flash(f"{added.name} added" + (": you administer it" if added.is_partnership else ""))
            return redirect(url_for("organisations.organisation_page", organisation_id=added.id))
    return render_template("organisations/new.html", form=form, kind=kind), 400 if form.errors else 200


def _organisation_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def _page(organisation: Organisation, form: OrganisationForm, status: int = 200):  # noqa: ANN202
    return render_template("organisations/organisation.html", organisation=organisation, form=form,
                           may_change=services.may_change(current_user, organisation),
                           changes=services.history(organisation)), status


@organisations.get("/<int:organisation_id>")
@roles_required(Role.ADMIN)
def organisation_page(organisation_id: int):  # noqa: ANN201
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationForm(data={"name": organisation.name, "short_name": organisation.short_name,
                                  "agency_kind": organisation.agency_kind.value if organisation.agency_kind else None})
    return _page(organisation, form)


@organisations.post("/<int:organisation_id>")
@roles_required(Role.ADMIN)
@reauthentication_required
def change_organisation(organisation_id: int):  # noqa: ANN201
    organisation = _organisation_or_404(organisation_id)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            changes = services.change_organisation(current_user, organisation, name=form.name.data,
                                                   short_name=form.short_name.data, agency_kind=form.chosen_kind())
        except services.NotPermitted:
            abort(403)
        except services.OrganisationRefused as refused:
            _show(form, refused)
        else:
            flash(f"Saved the changes to {organisation.name}" if changes else "Nothing was changed")
            return redirect(url_for("organisations.organisation_page", organisation_id=organisation.id))
    return _page(organisation, form, 400)


@organisations.post("/<int:organisation_id>/<any(inactive, active):state>")
@roles_required(Role.ADMIN)
@reauthentication_required
def set_active(organisation_id: int, state: str):  # noqa: ANN201
    organisation = _organisation_or_404(organisation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.set_active(current_user, organisation, state == "active")
    except services.NotPermitted:
        abort(403)
    flash(f"{organisation.name} is marked {'active' if organisation.is_active else 'inactive'}")
    return redirect(url_for("organisations.organisation_page", organisation_id=organisation.id))


def _show(form: OrganisationForm, refused: services.OrganisationRefused) -> None:
    for field, sentence in refused.problems:
        getattr(form, field).errors = [*getattr(form, field).errors, sentence]
