"""Giving and taking away roles, with the duties kept apart.

- An account either administers accounts or works on cases, never both: a change that would leave an account
  holding ADMIN and a role that reads case content (CASE_ROLES) is refused, whoever makes it. A person who
  does both jobs has two accounts, as NCSC's guidance on administration asks; an administrator can then never
  read a case through the account that grants access, and nobody can give an administrator account a case
  role, with or without a second administrator. Roles held together from before are not in effect
  (models.in_effect), and the account's page says so.
- Nobody gives themselves a case role.
- Every change is recorded (RoleChange, and the access log), e-mailed to the person and to the other
  administrators of each partnership it touches, and shown on the person's account page and on the page
  administrators see of the account.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from ssgp_dhr.accounts import account_email
from ssgp_dhr.accounts.access_log import record
from ssgp_dhr.accounts.models import CASE_ROLES, AccessEvent, Role, RoleAssignment, RoleChange, User
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_datetime

Grant = tuple[Role, int]

BOTH_DUTIES = ("An account cannot both administer accounts and read case content. Give the administrator role to a "
               "separate account of theirs, or take away their other roles first")
OWN_CASE_ROLE = ("You cannot give yourself a role that reads case content. Ask another administrator of the "
                 "partnership")
CHANGES_SHOWN = 20


class RolesRefused(Exception):
    """A change of roles the separation of duties does not allow; str() is the sentence for the page."""


def refusal(by: User, person: User | None, after: set[Grant], added: set[Grant]) -> str | None:
    """Why `by` may not leave `person` (None: an account being created) holding `after`, or None."""
    if person is not None and person.id == by.id and any(role in CASE_ROLES for role, _ in added):
        return OWN_CASE_ROLE
    roles = {role for role, _ in after}
    if Role.ADMIN in roles and roles & CASE_ROLES:
        return BOTH_DUTIES
    return None


def change_roles(by: User, person: User, chosen: Iterable[Grant]) -> list[RoleChange]:
    """Set `person`'s roles in the partnerships `by` administers to `chosen` (others stay as they are), in one
    transaction with their record and the access log's entry; then tell those concerned. Raises RolesRefused."""
    administered = by.partnerships_for(Role.ADMIN)
    before = {(r.role, r.partnership_id) for r in person.roles}
    after = {g for g in before if g[1] not in administered} | {g for g in chosen if g[1] in administered}
    added, removed = after - before, before - after
    problem = refusal(by, person, after, added)
    if problem:
        raise RolesRefused(problem)
    if not added and not removed:
        return []
    held = {(r.role, r.partnership_id): r for r in person.roles}
    person.roles = [held.get(g) or RoleAssignment(role=g[0], partnership_id=g[1]) for g in sorted(after)]
    changes = _recorded(by, person, added, removed)
    try:
        record(AccessEvent.ROLES_CHANGED, user=by, subject=person)  # commits the roles and their record with it
    except BaseException:
        db.session.rollback()
        raise
    tell_of_changes(by, person, changes)
    return changes


def first_roles(by: User, person: User, chosen: Iterable[Grant]) -> list[RoleChange]:
    """Give a new account (not yet saved) its roles in the partnerships `by` administers, recorded; the caller
    saves it. Raises RolesRefused."""
    administered = by.partnerships_for(Role.ADMIN)
    after = {g for g in chosen if g[1] in administered}
    problem = refusal(by, None, after, after)
    if problem:
        raise RolesRefused(problem)
    person.roles = [RoleAssignment(role=role, partnership_id=partnership) for role, partnership in sorted(after)]
    return _recorded(by, person, after, set())


def record_changes(by: User | None, person: User, added: set[Grant], removed: set[Grant]) -> list[RoleChange]:
    """Record roles given and taken away (by None: the command line), in the caller's transaction."""
    return _recorded(by, person, added, removed)


def _recorded(by: User | None, person: User, added: set[Grant], removed: set[Grant]) -> list[RoleChange]:
    changes = [RoleChange(user=person, changed_by=by, role=role, partnership_id=partnership, granted=granted)
               for granted, grants in ((True, added), (False, removed)) for role, partnership in sorted(grants)]
    db.session.add_all(changes)
    return changes


# Built once: *Your account*, read on every visit, shows them.
_RECENT_CHANGES = (sa.select(RoleChange).where(RoleChange.user_id == sa.bindparam("user_id"))
                   .order_by(RoleChange.occurred_at.desc(), RoleChange.id.desc()).limit(sa.bindparam("limit")))


def recent_changes(person: User, limit: int = CHANGES_SHOWN) -> list[RoleChange]:
    """The newest changes to `person`'s roles, newest first."""
    return list(db.session.scalars(_RECENT_CHANGES, {"user_id": person.id, "limit": limit}))


def holds_both_duties(person: User) -> bool:
    """Whether `person` holds ADMIN and a case role together (from before that was refused)."""
    roles = {r.role for r in person.roles}
    return Role.ADMIN in roles and bool(roles & CASE_ROLES)


def _other_administrators(partnerships: set[int], *leaving_out: User) -> list[User]:
    left_out = {u.id for u in leaving_out}
    return [u for u in db.session.scalars(
        sa.select(User).where(User.is_enabled, User.id.in_(
            sa.select(RoleAssignment.user_id).where(RoleAssignment.role == Role.ADMIN,
                                                    RoleAssignment.partnership_id.in_(partnerships))))
        .order_by(User.id)) if u.id not in left_out]


def tell_of_changes(by: User | None, person: User, changes: list[RoleChange]) -> None:
    """E-mail `person`, and the other administrators of every partnership the changes touch, what changed and
    who changed it. Nothing about any case."""
    if not changes:
        return
    lines = "\n".join(f"- {change.description}" for change in changes)
    who = f"{by.full_name} ({by.email})" if by else "The service's command line"
    when = f"on {uk_datetime(changes[0].occurred_at)} (UK time)"
    service = current_app.config["SERVICE_NAME"]
    account_email.send_when_done(
        person, f"Your roles were changed: {service}",
        f"{who} changed the roles of your account on the {service} ({person.email}) {when}:\n\n{lines}\n\n"
        f"Your account page lists every change to your roles. If you did not expect this, tell your account "
        f"administrator.\n")
    for administrator in _other_administrators({c.partnership_id for c in changes}, person, *([by] if by else [])):
        account_email.send_when_done(
            administrator, f"Roles changed for {person.email}: {service}",
            f"{who} changed the roles of {person.full_name} ({person.email}) on the {service} {when}:\n\n{lines}\n\n"
            "You are told because you administer accounts of the partnership. If this was not agreed, look at the "
            "account and its access log.\n")


def own_partnership_name(user: User) -> str | None:
    """The one partnership `user` holds roles in, by name; None for roles in several partnerships, or none."""
    return user.own_partnership_name()
