"""Who may see and do what with a review's panel work.

Coordinators of the review's partnerships see and change everything. Active members of that
review's panel see the membership, agency requests, meetings and the input log, and post to the
log; the independent chair (who may see real names) also sees the family's involvement in full.
Other panel members see the family's progress with the contacts shown as "Restricted". Managers
see counts and status only. Anyone else (a panel member of another review) sees nothing: the
review itself is a 404 for them (ssgp_dhr.cases.policy.can_view_review).
"""

from __future__ import annotations

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.models import PanelRole, Review
from ssgp_dhr.cases.policy import active_membership, can_see_real_names, can_view_review, coordinates
from ssgp_dhr.panel.models import AgencyRequest, RequestStatus


def is_on_panel(user: User, review: Review) -> bool:
    return active_membership(user, review) is not None


def can_see_panel_work(user: User, review: Review) -> bool:
    """Membership, agency requests, meetings and the input log, in full."""
    return coordinates(user, review) or is_on_panel(user, review)


def can_see_panel_summary(user: User, review: Review) -> bool:
    """Counts and status only (requests overdue, meetings held): managers following the review."""
    return can_view_review(user, review)


def can_manage_panel(user: User, review: Review) -> bool:
    """Add and remove members, record requests, meetings and the family's involvement; none of it once
    the case file has been disposed of."""
    return user.is_enabled and review.disposed_on is None and coordinates(user, review)


def can_post_input(user: User, review: Review) -> bool:
    return user.is_enabled and review.disposed_on is None and (coordinates(user, review) or is_on_panel(user, review))


def can_edit_input(user: User, review: Review, author_id: int) -> bool:
    """Only the author edits an entry, while they still take part in the review."""
    return user.id == author_id and can_post_input(user, review)


def can_retract_input(user: User, review: Review, author_id: int) -> bool:
    return can_edit_input(user, review, author_id) or can_manage_panel(user, review)


def can_see_family(user: User, review: Review) -> bool:
    """The family's involvement: dates, advocate, consent (contacts are separately restricted)."""
    return coordinates(user, review) or is_on_panel(user, review)


def can_see_family_contacts(user: User, review: Review) -> bool:
    """Family contacts are restricted exactly like real names."""
    return can_see_family(user, review) and can_see_real_names(user, review)


def is_chair(user: User, review: Review) -> bool:
    membership = active_membership(user, review)
    return membership is not None and membership.panel_role is PanelRole.INDEPENDENT_CHAIR


# --- What agencies deliver ----------------------------------------------------------------------

def speaks_for_agency(user: User, review: Review, request: AgencyRequest) -> bool:
    """On the review's panel for the agency asked, or named as responsible for the request."""
    membership = active_membership(user, review) if user.has_role(Role.PANEL_MEMBER) else None
    return membership is not None and (membership.agency_id == request.agency_id or request.responsible_id == membership.id)


def can_deliver(user: User, review: Review, request: AgencyRequest) -> bool:
    """Upload the agency's response to `request`: its panel members (or a coordinator, for them), until it
    is accepted."""
    if not user.is_enabled or review.disposed_on is not None or request.status is RequestStatus.ACCEPTED:
        return False
    return coordinates(user, review) or speaks_for_agency(user, review, request)


def can_take_delivery(user: User, review: Review) -> bool:
    """Accept what an agency delivered, or return it with what is missing: the coordinators and the chair."""
    return user.is_enabled and review.disposed_on is None and (coordinates(user, review) or is_chair(user, review))
