"""Account administration: admins manage the accounts of the partnerships they are admin for.

Every change needs the admin's password again within a few minutes (access.reauthentication_required).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ssgp_dhr.access import reauthentication_required, roles_required
from ssgp_dhr.accounts import account_email, roles, second_factor
from ssgp_dhr.accounts.access_log import record
from ssgp_dhr.accounts.forms import ActionForm, NewAccountForm, RolesForm
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, Role, RoleAssignment, User, new_session_token
from ssgp_dhr.accounts.passwords import hash_password
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import query_number
from ssgp_dhr.organisations.models import Organisation

admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

LOG_PAGE_SIZE = 100


def _administered() -> set[int]:
    return current_user.partnerships_for(Role.ADMIN)


def managed_users_clause() -> sa.ColumnElement[bool]:
    """Accounts holding a role in one of the admin's partnerships, or with no role yet but of one of them."""
    partnerships = _administered()
    with_role_there = sa.select(RoleAssignment.user_id).where(RoleAssignment.partnership_id.in_(partnerships))
    without_roles = sa.select(RoleAssignment.user_id)
    return sa.or_(User.id.in_(with_role_there),
                  sa.and_(User.id.not_in(without_roles), User.organisation_id.in_(partnerships)))


def _managed_user_or_404(user_id: int) -> User:
    user = db.session.scalar(sa.select(User).where(User.id == user_id, managed_users_clause()))
    if user is None:
        abort(404)
    return user


def _role_choices() -> list[tuple[str, str]]:
    partnerships = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(_administered()))
                                      .order_by(Organisation.name)).all()
    return [(f"{role.value}:{p.id}", f"{role.label}, {p.name}") for p in partnerships for role in Role]


def _temporary_password() -> str:
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


@admin.get("/users")
@roles_required(Role.ADMIN)
def users():  # noqa: ANN201
    people = db.session.scalars(sa.select(User).where(managed_users_clause()).order_by(User.email)
                                .options(selectinload(User.roles))).all()
    return render_template("accounts/admin_users.html", people=people)


@admin.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@reauthentication_required
def new_user():  # noqa: ANN201
    form = NewAccountForm()
    organisations = db.session.scalars(sa.select(Organisation).where(Organisation.is_active)
                                       .order_by(Organisation.kind, Organisation.name)).all()
    form.organisation_id.choices = [("", "Choose an organisation")] + [(str(o.id), o.name) for o in organisations]
    form.roles.choices = _role_choices()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(sa.select(User.id).where(User.email == email)):
            form.email.errors.append("There is already an account with this email address")
        else:
            password = _temporary_password()
            person = User(email=email, full_name=form.full_name.data.strip(), organisation_id=int(form.organisation_id.data),
                          password_hash=hash_password(password), must_change_password=True)
            try:
                changes = roles.first_roles(current_user, person, _grants(form.roles.data))
            except roles.RolesRefused as refused:
                form.roles.errors.append(str(refused))
            else:
                db.session.add(person)
                record(AccessEvent.ACCOUNT_CREATED, subject=person)  # commits the account, its roles and their record
                roles.tell_of_changes(current_user, person, changes)
                return render_template("accounts/admin_temporary_password.html", person=person, password=password)
    status = 400 if form.errors else 200
    return render_template("accounts/admin_new_user.html", form=form, organisations=organisations), status


def _grants(values: list[str]) -> list[roles.Grant]:
    """The checked boxes' "role:partnership" values (validated against the choices) as grants."""
    chosen = []
    for value in values:
        role, _, partnership = value.partition(":")
        chosen.append((Role(role), int(partnership)))
    return chosen


def _user_page(person: User, form: RolesForm, status: int = 200):  # noqa: ANN202
    return render_template("accounts/admin_user.html", person=person, form=form, action_form=ActionForm(),
                           role_changes=roles.recent_changes(person), both_duties=roles.holds_both_duties(person)), status


@admin.get("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_page(user_id: int):  # noqa: ANN201
    person = _managed_user_or_404(user_id)
    form = RolesForm()
    form.roles.choices = _role_choices()
    form.roles.data = [f"{r.role.value}:{r.partnership_id}" for r in person.roles if r.partnership_id in _administered()]
    return _user_page(person, form)


@admin.post("/users/<int:user_id>/roles")
@roles_required(Role.ADMIN)
@reauthentication_required
def change_roles(user_id: int):  # noqa: ANN201
    person = _managed_user_or_404(user_id)
    form = RolesForm()
    form.roles.choices = _role_choices()
    if not form.validate_on_submit():
        return _user_page(person, form, 400)  # a value no box offers: said on the form, not a bare refusal
    try:
        changes = roles.change_roles(current_user, person, _grants(form.roles.data))
    except roles.RolesRefused as refused:
        form.roles.errors.append(str(refused))
        return _user_page(person, form, 400)
    flash(f"Roles saved for {person.email}" if changes else f"No change to the roles of {person.email}")
    return redirect(url_for("admin.user_page", user_id=person.id))


def _account_action(user_id: int, change: str) -> User:
    person = _managed_user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if change == "disable":
        if person.id == current_user.id:
            abort(400)  # an admin cannot lock themselves out
        person.is_enabled = False
        person.session_token = new_session_token()
    elif change == "enable":
        person.is_enabled = True
    elif change == "reset_second_factor":
        second_factor.reset(person)
        person.session_token = new_session_token()
    elif change == "end_sessions":
        person.session_token = new_session_token()
    elif change == "temporary_password":
        person.session_token = new_session_token()
        person.must_change_password = True
    db.session.commit()
    return person


ACTION_EVENTS = {
    "disable": (AccessEvent.ACCOUNT_DISABLED, "Account disabled and signed out"),
    "enable": (AccessEvent.ACCOUNT_ENABLED, "Account enabled"),
    "reset_second_factor": (AccessEvent.SECOND_FACTOR_RESET,
                            "Second factor reset: they set up an authenticator app at their next sign-in"),
    "end_sessions": (AccessEvent.SESSIONS_ENDED, "Every session of theirs has been signed out"),
}


@admin.post("/users/<int:user_id>/<any(disable, enable, reset_second_factor, end_sessions):change>")
@roles_required(Role.ADMIN)
@reauthentication_required
def account_action(user_id: int, change: str):  # noqa: ANN201
    person = _account_action(user_id, change)
    event, message = ACTION_EVENTS[change]
    record(event, subject=person)
    if change == "reset_second_factor":
        account_email.notify(person, account_email.Notice.AUTHENTICATOR_RESET)
    flash(message)
    return redirect(url_for("admin.user_page", user_id=person.id))


@admin.post("/users/<int:user_id>/temporary-password")
@roles_required(Role.ADMIN)
@reauthentication_required
def temporary_password(user_id: int):  # noqa: ANN201
    person = _account_action(user_id, "temporary_password")
    password = _temporary_password()
    person.password_hash = hash_password(password)
    db.session.commit()
    record(AccessEvent.SESSIONS_ENDED, subject=person)
    account_email.notify(person, account_email.Notice.TEMPORARY_PASSWORD)
    return render_template("accounts/admin_temporary_password.html", person=person, password=password)


@admin.get("/access-log")
@roles_required(Role.ADMIN)
def access_log():  # noqa: ANN201
    """The access log of the admin's accounts, newest first, filterable by person, case and what happened."""
    email = request.args.get("user", "").strip().lower()
    reference = request.args.get("case", "").strip()
    what = request.args.get("what", "") if request.args.get("what") in set(AccessEvent) else ""
    managed = sa.select(User.id).where(managed_users_clause())
    query = sa.select(AccessLogEntry).where(sa.or_(AccessLogEntry.user_id.in_(managed), AccessLogEntry.user_id.is_(None)))
    if email:
        query = query.where(sa.or_(AccessLogEntry.user_id.in_(sa.select(User.id).where(User.email == email)),
                                   AccessLogEntry.email == email))
    if reference:
        query = query.where(AccessLogEntry.review_reference == reference)
    if what:
        query = query.where(AccessLogEntry.event == AccessEvent(what))
    # Keyset paging: "older than entry N" stays fast however long the log grows, unlike an offset.
    before = query_number("before")
    if before:
        query = query.where(AccessLogEntry.id < before)
    entries = db.session.scalars(query.order_by(AccessLogEntry.id.desc()).limit(LOG_PAGE_SIZE + 1)).all()
    older = entries[LOG_PAGE_SIZE - 1].id if len(entries) > LOG_PAGE_SIZE else None
    return render_template("accounts/admin_access_log.html", entries=entries[:LOG_PAGE_SIZE], email=email,
                           reference=reference, what=what, events=[(e.value, e.label) for e in AccessEvent],
                           page_size=LOG_PAGE_SIZE, older=older, paged=bool(before))


