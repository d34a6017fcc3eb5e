"""Adding, renaming and marking inactive the partnerships and agencies, each change recorded with who made it.

Who may: an administrator adds a partnership (and administers it from then, recorded as a role given) or an
agency; changes a partnership they administer; and changes any agency, as agencies sit on the panels of every
partnership. The command line (`dhr create-admin`) adds a partnership with nobody named.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ssgp_dhr.accounts import roles
from ssgp_dhr.accounts.models import Role, RoleAssignment, User
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import (
    AgencyKind,
    Organisation,
    OrganisationChange,
    OrganisationChangeKind,
    OrganisationKind,
)

NAME_MAX = 200
SHORT_NAME_MAX = 40
CHANGES_SHOWN = 50


@dataclass
class OrganisationRefused(Exception):
    """What is wrong, as (form field, sentence) pairs for the page or the command line."""

    problems: list[tuple[str, str]]

    def __str__(self) -> str:
        return "; ".join(sentence for _, sentence in self.problems)


class NotPermitted(Exception):
    """The person may not change this organisation."""


def may_change(by: User, organisation: Organisation) -> bool:
    """Any administrator changes an agency; only a partnership's own administrators change it."""
    if not by.has_role(Role.ADMIN):
        return False
    return not organisation.is_partnership or by.has_role(Role.ADMIN, organisation.id)


def build_organisation(by: User | None, *, kind: OrganisationKind, name: str, short_name: str,
                       agency_kind: AgencyKind | None = None) -> Organisation:
    """A new partnership or agency with the record of its adding, in the caller's transaction (not committed).
    Raises OrganisationRefused."""
    name, short_name = (name or "").strip(), (short_name or "").strip()
    _check(None, kind, name, short_name, agency_kind)
    organisation = Organisation(kind=kind, name=name, short_name=short_name,
                                agency_kind=agency_kind if kind is OrganisationKind.AGENCY else None)
    db.session.add(organisation)
    db.session.flush()
    _recorded(organisation, by, OrganisationChangeKind.ADDED, None, f"{organisation.kind_label}: {name} ({short_name})")
    return organisation


def add_organisation(by: User, *, kind: OrganisationKind, name: str, short_name: str,
                     agency_kind: AgencyKind | None = None) -> Organisation:
    """An administrator adds a partnership or an agency, recorded; they administer a partnership they add, so
    that someone can give its accounts their roles (recorded, and told, as every role given is). Commits."""
    if not by.has_role(Role.ADMIN):
        raise NotPermitted
    try:
        organisation = build_organisation(by, kind=kind, name=name, short_name=short_name, agency_kind=agency_kind)
        changes = []
        if kind is OrganisationKind.PARTNERSHIP:
            db.session.add(RoleAssignment(user_id=by.id, role=Role.ADMIN, partnership_id=organisation.id))
            changes = roles.record_changes(by, by, {(Role.ADMIN, organisation.id)}, set())
        _commit()
    except BaseException:
        db.session.rollback()
        raise
    if changes:
        db.session.expire(by)  # its roles, and the grants read from them, now include the new partnership
        roles.tell_of_changes(by, by, changes)
    return organisation


def change_organisation(by: User, organisation: Organisation, *, name: str, short_name: str,
                        agency_kind: AgencyKind | None = None) -> list[OrganisationChange]:
    """Rename it, or change an agency's kind; each difference recorded. Commits."""
    if not may_change(by, organisation):
        raise NotPermitted
    name, short_name = (name or "").strip(), (short_name or "").strip()
    _check(organisation, organisation.kind, name, short_name, agency_kind)
    changes = []
    for change, field, value in ((OrganisationChangeKind.RENAMED, "name", name),
                                 (OrganisationChangeKind.SHORT_NAME_CHANGED, "short_name", short_name)):
        if getattr(organisation, field) != value:
            changes.append(_recorded(organisation, by, change, getattr(organisation, field), value))
            setattr(organisation, field, value)
    if not organisation.is_partnership and agency_kind is not organisation.agency_kind:
        before = organisation.agency_kind.label if organisation.agency_kind else None
        changes.append(_recorded(organisation, by, OrganisationChangeKind.KIND_CHANGED, before, agency_kind.label))
        organisation.agency_kind = agency_kind
    _commit()
    return changes


def set_active(by: User, organisation: Organisation, active: bool) -> OrganisationChange | None:
    """Mark it inactive (offered for nothing new; what is recorded keeps it) or active again. Commits."""
    if not may_change(by, organisation):
        raise NotPermitted
    if organisation.is_active == active:
        return None
    organisation.is_active = active
    change = _recorded(organisation, by, OrganisationChangeKind.MADE_ACTIVE if active else OrganisationChangeKind.MADE_INACTIVE,
                       None, None)
    _commit()
    return change


def history(organisation: Organisation, limit: int = CHANGES_SHOWN) -> list[OrganisationChange]:
    """Its changes, newest first."""
    return list(db.session.scalars(sa.select(OrganisationChange).where(OrganisationChange.organisation_id == organisation.id)
                                   .order_by(OrganisationChange.occurred_at.desc(), OrganisationChange.id.desc())
                                   .limit(limit)))


def offered(kind: OrganisationKind | None = None, keeping: int | None = None) -> list[Organisation]:
    """The organisations offered in a choice, by name: the active ones (of `kind`), and the one `keeping` names,
    already recorded on what is being changed, even if it has been marked inactive since."""
    query = sa.select(Organisation).where(sa.or_(Organisation.is_active, Organisation.id == keeping))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return list(db.session.scalars(query.order_by(Organisation.name)))


def partnership_named(name: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.strip().lower(),
                                                           Organisation.kind == OrganisationKind.PARTNERSHIP))


def _check(organisation: Organisation | None, kind: OrganisationKind, name: str, short_name: str,
           agency_kind: AgencyKind | None) -> None:
    problems = []
    if not name:
        problems.append(("name", "Enter the name"))
    elif len(name) > NAME_MAX:
        problems.append(("name", f"The name must be {NAME_MAX} characters or fewer"))
    elif _taken(Organisation.name, name, organisation):
        problems.append(("name", "There is already a partnership or agency with this name"))
    if not short_name:
        problems.append(("short_name", "Enter the short name"))
    elif len(short_name) > SHORT_NAME_MAX:
        problems.append(("short_name", f"The short name must be {SHORT_NAME_MAX} characters or fewer"))
    elif _taken(Organisation.short_name, short_name, organisation):
        problems.append(("short_name", "There is already a partnership or agency with this short name"))
    if kind is OrganisationKind.AGENCY and agency_kind is None:
        problems.append(("agency_kind", "Choose what kind of agency it is"))
    if problems:
        raise OrganisationRefused(problems)


def _taken(column: sa.Column, value: str, organisation: Organisation | None) -> bool:
    """Whether another organisation has this name, whatever its capitals (two "Safer Gloucestershire"s confuse)."""
    query = sa.select(Organisation.id).where(sa.func.lower(column) == value.lower())
    if organisation is not None:
        query = query.where(Organisation.id != organisation.id)
    return db.session.scalar(query) is not None


def _recorded(organisation: Organisation, by: User | None, change: OrganisationChangeKind, before: str | None,
              after: str | None) -> OrganisationChange:
    entry = OrganisationChange(organisation_id=organisation.id, changed_by_id=by.id if by else None, change=change,
                               from_value=before, to_value=after)
    db.session.add(entry)
    return entry


def _commit() -> None:
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another administrator took the name a moment before (the unique constraint saw it, _check could not).
        db.session.rollback()
        raise OrganisationRefused([("name", "There is already a partnership or agency with this name or short name")]) \
            from None
    except BaseException:
        db.session.rollback()
        raise
