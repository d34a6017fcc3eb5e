"""The first administrator of a partnership, made from the command line when there is nobody yet to make it
(`flask --app wsgi dhr create-admin`): the partnership too, if it is new. The person chooses their password
(given to the command from a prompt or a file, never on the command line, where others see it) and sets up
their authenticator app when they first sign in, as every account does."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from ssgp_dhr.accounts import roles
from ssgp_dhr.accounts.access_log import record
from ssgp_dhr.accounts.models import AccessEvent, Role, RoleAssignment, User
from ssgp_dhr.accounts.passwords import hash_password, password_problem
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations import services as organisations
from ssgp_dhr.organisations.models import Organisation, OrganisationKind


class AdministratorRefused(Exception):
    """Why the administrator cannot be made, as one sentence."""


@dataclass(frozen=True)
class NewAdministrator:
    person: User
    partnership: Organisation
    partnership_added: bool


def short_name_for(name: str) -> str:
    """A partnership's short name when none is given: the initials of a name of several words (Stronger Safer
    Gloucester Partnership: SSGP), else the name itself."""
    words = [w for w in re.split(r"[\s-]+", name.strip()) if w[:1].isalpha() and w[:1].isupper()]
    return "".join(w[0] for w in words) if len(words) > 1 else name.strip()[:organisations.SHORT_NAME_MAX]


def create_administrator(email: str, full_name: str, partnership_name: str, password: str, *,
                         short_name: str | None = None) -> NewAdministrator:
    """Make the account, an administrator of the partnership (added if there is none of that name), in one
    transaction with the record of the role and the access log's entry; then e-mail the person and the
    partnership's other administrators. Raises AdministratorRefused."""
    email = _checked_email(email)
    full_name = (full_name or "").strip()
    if not full_name or len(full_name) > 200:
        raise AdministratorRefused("Give the person's full name (200 characters at most)")
    problem = password_problem(password, email)
    if problem:
        raise AdministratorRefused(problem)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AdministratorRefused(f"There is already an account {email}: an administrator gives it roles on the "
                                   "Accounts page")
    partnership = organisations.partnership_named(partnership_name)
    added = partnership is None
    try:
        if added:
            partnership = organisations.build_organisation(
                None, kind=OrganisationKind.PARTNERSHIP, name=partnership_name,
                short_name=short_name or short_name_for(partnership_name))
        elif not partnership.is_active:
            raise AdministratorRefused(f"{partnership.name} is marked inactive: mark it active again first")
        person = User(email=email, full_name=full_name, organisation_id=partnership.id,
                      password_hash=hash_password(password))
        person.roles = [RoleAssignment(role=Role.ADMIN, partnership_id=partnership.id)]
        db.session.add(person)
        db.session.flush()
        changes = roles.record_changes(None, person, {(Role.ADMIN, partnership.id)}, set())
        record(AccessEvent.ACCOUNT_CREATED, subject=person)  # commits the partnership, the account and their record
    except organisations.OrganisationRefused as refused:
        db.session.rollback()
        raise AdministratorRefused(str(refused)) from None
    except BaseException:
        db.session.rollback()
        raise
    roles.tell_of_changes(None, person, changes)
    return NewAdministrator(person, partnership, added)


def _checked_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as problem:
        raise AdministratorRefused(f"{email!r} is not an email address: {problem}") from None
