"""Every model, imported in one place so migrations and tests see the whole schema."""

from ssgp_dhr.accounts.models import RoleAssignment, User
from ssgp_dhr.cases.models import CaseEvent, PanelMembership, QARound, Review, ReviewHold
from ssgp_dhr.organisations.models import Organisation

__all__ = ["CaseEvent", "Organisation", "PanelMembership", "QARound", "Review", "ReviewHold", "RoleAssignment", "User"]
