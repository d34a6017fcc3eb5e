"""Who may see and do what on a review.

Coordinators of the lead or joint partnership run the case and see real names; managers of those
partnerships follow it without real names; panel members see only reviews whose panel they are on,
while their membership is active; the independent chair also sees real names. Admins manage
accounts and read no case content: an administrator's case roles are not in effect (User.grants).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, RoleAssignment, User, not_an_administrator
from ssgp_dhr.cases.models import PanelMembership, PanelRole, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation


def _partnerships(user: User, *roles: Role) -> set[int]:
    return {partnership_id for role, partnership_id in user.grants if role in roles}


def active_membership(user: User, review: Review) -> PanelMembership | None:
    today = today_uk()
    return next((m for m in review.panel if m.user_id == user.id and m.is_active_on(today)), None)


def coordinates(user: User, review: Review) -> bool:
    return bool(_partnerships(user, Role.COORDINATOR) & review.partnership_ids)


def coordinates_or_manages(user: User, review: Review) -> bool:
    """A coordinator or manager of one of the review's partnerships: they follow the whole case, its
    costs included, where the panel sees only its own part."""
    return bool(_partnerships(user, Role.COORDINATOR, Role.MANAGER) & review.partnership_ids)


def coordinated_or_managed_reviews(user: User) -> sa.ColumnElement[bool]:
    """The reviews of every partnership `user` coordinates or manages: coordinates_or_manages as a WHERE
    clause, for the statistics, the publication board and the costs CSV."""
    partnerships = sorted(_partnerships(user, Role.COORDINATOR, Role.MANAGER))
    return sa.or_(Review.lead_partnership_id.in_(partnerships), Review.joint_partnership_id.in_(partnerships))


def can_view_review(user: User, review: Review) -> bool:
    if coordinates_or_manages(user, review):
        return True
    return user.has_role(Role.PANEL_MEMBER) and active_membership(user, review) is not None


def can_see_real_names(user: User, review: Review) -> bool:
    if coordinates(user, review):
        return True
    membership = active_membership(user, review)
    return membership is not None and membership.panel_role is PanelRole.INDEPENDENT_CHAIR


def can_advance(user: User | None, review: Review) -> bool:
    # A disposed-of case file takes nothing more (retention/): its pages offer no action.
    return user is not None and user.is_enabled and review.disposed_on is None and coordinates(user, review)


# Up to this many partnerships are written into the clause on PostgreSQL; beyond, it reads them
# from the user's roles. Measured on the benchmark's data (10,000 reviews, a reader of all 300
# partnerships), the SQL of their case list's first page took 15.3 ms with 600 listed ids (planning
# them on every request) and 6.3 ms with the subquery. SQLite is the other way round: the list lets
# it walk the sort order's index (0.8 ms), the subquery makes it collect and sort every review (12 ms).
LISTED_PARTNERSHIPS = 20


def visible_reviews_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting exactly the reviews `user` may see."""
    partnerships = _partnerships(user, Role.COORDINATOR, Role.MANAGER)
    clauses: list[sa.ColumnElement[bool]] = []
    if partnerships:
        followed: Any = sorted(partnerships)
        if len(partnerships) > LISTED_PARTNERSHIPS and db.engine.dialect.name != "sqlite":
            followed = _coordinated_or_managed(user)
        clauses.append(Review.lead_partnership_id.in_(followed))
        clauses.append(Review.joint_partnership_id.in_(followed))
    if user.has_role(Role.PANEL_MEMBER):
        clauses.append(Review.id.in_(panel_review_ids(user)))
    return sa.or_(*clauses) if clauses else sa.false()


def _coordinated_or_managed(user: User) -> sa.Select:
    """The ids of the partnerships `user` coordinates or manages, read from the role table."""
    return sa.select(RoleAssignment.partnership_id).where(
        RoleAssignment.user_id == user.id, RoleAssignment.role.in_([Role.COORDINATOR, Role.MANAGER]),
        not_an_administrator(RoleAssignment.user_id))


def panel_review_ids(user: User) -> sa.Select:
    """The ids of the reviews on whose panel `user` sits today."""
    today = today_uk()
    return sa.select(PanelMembership.review_id).where(
        PanelMembership.user_id == user.id,
        PanelMembership.started_on <= today,
        sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on > today),
    )


# Every organisation's id and name in name order, built once: a person's partnerships are picked from it by
# their grants (about 360 short rows), when their names were not read with the grants.
_BY_NAME = sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)


def followed_partnerships(user: User) -> list[tuple[int, str]]:
    """The partnerships whose reviews `user` follows: the case list's partnership filter offers these.

    Their ids and names, in name order: those they coordinate or manage (named with the grants read for the
    session check: no statement) and, for a panel member, the lead and joint partnerships of the reviews
    whose panel they sit on: never a scan of every review they may see, so the filter costs the same at
    10 or 10,000 reviews.
    """
    followed = _partnerships(user, Role.COORDINATOR, Role.MANAGER)
    if user.has_role(Role.PANEL_MEMBER):
        seats = panel_review_ids(user)
        return [tuple(row) for row in db.session.execute(_BY_NAME.where(sa.or_(
            Organisation.id.in_(sorted(followed)),
            Organisation.id.in_(sa.select(Review.lead_partnership_id).where(Review.id.in_(seats))),
            Organisation.id.in_(sa.select(Review.joint_partnership_id).where(Review.id.in_(seats))))))]
    if not followed:
        return []
    named = user.partnership_names(Role.COORDINATOR, Role.MANAGER)
    if named is None:
        return [tuple(row) for row in db.session.execute(_BY_NAME) if row.id in followed]
    return sorted(named.items(), key=lambda partnership: (partnership[1], partnership[0]))
