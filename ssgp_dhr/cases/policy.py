"""Who may see and do what on a review.

Coordinators of the lead or joint partnership run the case and see real names; managers of those
partnerships follow it without real names; panel members see only reviews whose panel they are on,
while their membership is active; the independent chair also sees real names. Admins manage
accounts and read no case content unless they are coordinators too.
"""

from __future__ import annotations

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.models import PanelMembership, PanelRole, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation


def _partnerships(user: User, *roles: Role) -> set[int]:
    return {r.partnership_id for r in user.roles if r.role in roles}


def active_membership(user: User, review: Review) -> PanelMembership | None:
    today = today_uk()
    return next((m for m in review.panel if m.user_id == user.id and m.is_active_on(today)), None)


def coordinates(user: User, review: Review) -> bool:
    return bool(_partnerships(user, Role.COORDINATOR) & review.partnership_ids)


def can_view_review(user: User, review: Review) -> bool:
    if _partnerships(user, Role.COORDINATOR, Role.MANAGER) & review.partnership_ids:
        return True
    return user.has_role(Role.PANEL_MEMBER) and active_membership(user, review) is not None


def can_see_real_names(user: User, review: Review) -> bool:
    if coordinates(user, review):
        return True
    membership = active_membership(user, review)
    return membership is not None and membership.panel_role is PanelRole.INDEPENDENT_CHAIR


def can_advance(user: User | None, review: Review) -> bool:
    return user is not None and user.is_enabled and coordinates(user, review)


def visible_reviews_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting exactly the reviews `user` may see."""
    partnerships = _partnerships(user, Role.COORDINATOR, Role.MANAGER)
    clauses: list[sa.ColumnElement[bool]] = []
    if partnerships:
        clauses.append(Review.lead_partnership_id.in_(partnerships))
        clauses.append(Review.joint_partnership_id.in_(partnerships))
    if user.has_role(Role.PANEL_MEMBER):
        clauses.append(Review.id.in_(panel_review_ids(user)))
    return sa.or_(*clauses) if clauses else sa.false()


def panel_review_ids(user: User) -> sa.Select:
    """The ids of the reviews on whose panel `user` sits today."""
    today = today_uk()
    return sa.select(PanelMembership.review_id).where(
        PanelMembership.user_id == user.id,
        PanelMembership.started_on <= today,
        sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on > today),
    )


def followed_partnerships(user: User) -> set[Organisation]:
    """The partnerships whose reviews `user` follows: the case list's partnership filter offers these.

    Those they coordinate or manage (from their roles, loaded with them) and, for a panel member, the
    lead and joint partnerships of the reviews whose panel they sit on: never a scan of every review
    they may see, so the filter costs the same at 10 or 10,000 reviews.
    """
    followed = {r.partnership for r in user.roles if r.role in (Role.COORDINATOR, Role.MANAGER)}
    if user.has_role(Role.PANEL_MEMBER):
        seats = panel_review_ids(user)
        followed.update(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(
            sa.select(Review.lead_partnership_id).where(Review.id.in_(seats)).union(
                sa.select(Review.joint_partnership_id).where(Review.id.in_(seats)))))))
    return followed
