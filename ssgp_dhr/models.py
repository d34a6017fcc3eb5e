"""Every model, imported in one place so migrations and tests see the whole schema."""

from ssgp_dhr.accounts.models import AccessLogEntry, RecoveryCode, RoleAssignment, User
from ssgp_dhr.cases.models import CaseEvent, PanelMembership, QARound, Review, ReviewHold
from ssgp_dhr.organisations.models import Organisation

__all__ = [
    "AccessLogEntry", "CaseEvent", "Organisation", "PanelMembership", "QARound", "RecoveryCode", "Review", "ReviewHold",
    "RoleAssignment", "User",
]

# Imported last: the panel's models refer to reviews and memberships above.
from ssgp_dhr.panel.models import (
    AgencyRequest,
    FamilyContact,
    FamilyEvent,
    FamilyInvolvement,
    InputEntry,
    InputRevision,
    MeetingAction,
    MeetingAttendance,
    PanelMeeting,
)

__all__ += [
    "AgencyRequest", "FamilyContact", "FamilyEvent", "FamilyInvolvement", "InputEntry", "InputRevision",
    "MeetingAction", "MeetingAttendance", "PanelMeeting",
]
