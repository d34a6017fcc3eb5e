"""Every model, imported in one place so migrations and tests see the whole schema."""

from ssgp_dhr.accounts.models import AccessLogEntry, RecoveryCode, RoleAssignment, User
from ssgp_dhr.cases.models import CaseEvent, DelayNotice, PanelMembership, QARound, Review, ReviewHold
from ssgp_dhr.documents.models import Document, DocumentVersion
from ssgp_dhr.organisations.models import Organisation
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
from ssgp_dhr.reminders.models import OutboxMessage, Reminder

__all__ = [
    "AccessLogEntry", "AgencyRequest", "CaseEvent", "DelayNotice", "Document", "DocumentVersion", "FamilyContact", "FamilyEvent",
    "FamilyInvolvement", "InputEntry", "InputRevision", "MeetingAction", "MeetingAttendance", "Organisation",
    "OutboxMessage", "PanelMeeting", "PanelMembership", "QARound", "RecoveryCode", "Reminder", "Review",
    "ReviewHold", "RoleAssignment", "User",
]

# Later features' models, imported at the end so each only adds a line here.
from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation
from ssgp_dhr.costs.models import CostRecharge, CostShare, CostSharing, ReviewCost
from ssgp_dhr.publication.models import AnonymisationCheck, PublicationRecord
from ssgp_dhr.submissions import FormSubmission

__all__ += ["AnonymisationCheck", "CostRecharge", "CostShare", "CostSharing", "FormSubmission", "ProgressUpdate",
            "PublicationRecord", "Recommendation", "ReviewCost"]
