"""The panel's work on a review: agency requests (scoping, IMR, chronology), panel meetings with
their actions, the input log with its revisions, and the family's involvement.

Panel membership itself (PanelMembership) lives with the review in ssgp_dhr.cases.models, because
the case-level access rules are built on it.

An agency delivers its scoping response, IMR or chronology as a document against the request: a
versioned document (documents.models), each version delivered, then accepted or returned with what is
missing. A request answered outside the tracker keeps the date it was received and a note.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import PanelMembership, Review
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.documents.models import Document, DocumentVersion
from ssgp_dhr.extensions import db, db_enum
from ssgp_dhr.organisations.models import Organisation


class RequestKind(enum.StrEnum):
    SCOPING = "scoping"
    IMR = "imr"
    CHRONOLOGY = "chronology"

    @property
    def label(self) -> str:
        return {"scoping": "Scoping response", "imr": "Individual Management Review (IMR)",
                "chronology": "Chronology"}[self.value]


class RequestStatus(enum.StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {"requested": "Requested", "received": "Received", "accepted": "Accepted",
                "returned": "Returned for more work"}[self.value]


RETURN_REASON_MAX = 5000  # what is missing from a response returned to the agency

# An agency still owes the panel something in these states: past its due date it is overdue.
OUTSTANDING = (RequestStatus.REQUESTED, RequestStatus.RETURNED)


class AgencyRequest(db.Model):
    """What the panel asked one agency for: its scoping response, IMR or chronology."""

    __tablename__ = "agency_requests"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "agency_id", "kind", name="uq_agency_requests_review_agency_kind"),
        # My work's "agency reports overdue" reads the outstanding, past-due requests through this,
        # not a scan of every request ever made (tens of thousands at national scale).
        sa.Index("ix_agency_requests_status_due_on", "status", "due_on"),
        # A review's requests, and among them those of one status due before a date, read from the index
        # alone: My work counts the overdue ones and finds those delivered across a partnership's reviews.
        sa.Index("ix_agency_requests_review_status_due_on", "review_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    kind: Mapped[RequestKind] = mapped_column(db_enum(RequestKind, 16))
    status: Mapped[RequestStatus] = mapped_column(db_enum(RequestStatus, 16), default=RequestStatus.REQUESTED)
    requested_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    received_on: Mapped[date | None]
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("panel_memberships.id"), index=True)
    # For a response not delivered through the tracker: where it is.
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The document the agency delivered, every version kept; and, when it was last returned, what is missing.
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)

    review: Mapped[Review] = relationship()
    agency: Mapped[Organisation] = relationship(lazy="joined")
    responsible: Mapped[PanelMembership | None] = relationship(lazy="joined")
    document: Mapped[Document | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.status in OUTSTANDING and self.due_on < today


class PanelMeeting(db.Model):
    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    # A note of the minutes (and when they were received) until the minutes document is stored here.
    minutes: Mapped[str | None] = mapped_column(sa.Text)

    review: Mapped[Review] = relationship()
    attendance: Mapped[list[MeetingAttendance]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                              lazy="selectin")
    actions: Mapped[list[MeetingAction]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                       order_by="MeetingAction.id", lazy="selectin")

    @property
    def attendees(self) -> list[PanelMembership]:
        return [a.membership for a in self.attendance if a.attended]

    @property
    def apologies(self) -> list[PanelMembership]:
        return [a.membership for a in self.attendance if not a.attended]


class MeetingAttendance(db.Model):
    """A panel member at a meeting: present, or sent apologies."""

    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("panel_meetings.id", ondelete="CASCADE"), primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("panel_memberships.id", ondelete="CASCADE"),
                                               primary_key=True)
    attended: Mapped[bool]

    meeting: Mapped[PanelMeeting] = relationship(back_populates="attendance")
    membership: Mapped[PanelMembership] = relationship(lazy="joined")


class MeetingAction(db.Model):
    """An action arising from a panel meeting, owned by a panel member."""

    __tablename__ = "meeting_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("panel_meetings.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("panel_memberships.id"), index=True)
    due_on: Mapped[date]
    done_on: Mapped[date | None]

    meeting: Mapped[PanelMeeting] = relationship(back_populates="actions")
    owner: Mapped[PanelMembership] = relationship(lazy="joined")


class InputKind(enum.StrEnum):
    NOTE = "note"
    DRAFT_COMMENT = "draft_comment"
    REQUEST_ANSWER = "request_answer"

    @property
    def label(self) -> str:
        return {"note": "Note", "draft_comment": "Comment on a draft",
                "request_answer": "Answer to a request"}[self.value]


class InputEntry(db.Model):
    """A contribution to the review by a panel member. Never deleted: retracted with a reason."""

    __tablename__ = "input_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[InputKind] = mapped_column(db_enum(InputKind, 16))
    text: Mapped[str] = mapped_column(sa.Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retracted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    retraction_reason: Mapped[str | None] = mapped_column(sa.Text)
    # A comment on a draft names the version of the draft that was read.
    document_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    retracted_by: Mapped[User | None] = relationship(foreign_keys=[retracted_by_id], lazy="joined")
    revisions: Mapped[list[InputRevision]] = relationship(back_populates="entry", order_by="InputRevision.id",
                                                         cascade="all, delete-orphan")
    document_version: Mapped[DocumentVersion | None] = relationship(lazy="joined")

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None


class InputRevision(db.Model):
    """An earlier wording of an input entry, kept when it was edited."""

    __tablename__ = "input_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("input_entries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    # When this wording was first written (posted or the previous edit) and when it was replaced.
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[InputEntry] = relationship(back_populates="revisions")


class PublicationConsent(enum.StrEnum):
    NOT_ASKED = "not_asked"
    GIVEN = "given"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {"not_asked": "Not asked yet", "given": "Consent given", "refused": "Consent refused"}[self.value]


class FamilyInvolvement(db.Model):
    """How the family and friends take part in the review: one record per review."""

    __tablename__ = "family_involvement"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    advocate_name: Mapped[str | None] = mapped_column(sa.String(200))
    advocate_organisation: Mapped[str | None] = mapped_column(sa.String(200))
    pseudonym_agreed_on: Mapped[date | None]
    draft_shared_on: Mapped[date | None]
    draft_not_shared_reason: Mapped[str | None] = mapped_column(sa.Text)
    comments_received: Mapped[str | None] = mapped_column(sa.Text)
    publication_consent: Mapped[PublicationConsent] = mapped_column(db_enum(PublicationConsent, 16),
                                                                    default=PublicationConsent.NOT_ASKED)
    consent_recorded_on: Mapped[date | None]

    review: Mapped[Review] = relationship()


# Family contacts identify real people: shown only to those who may see real names.
RESTRICTED_CONTACT_FIELDS = frozenset({"name", "relationship_to_victim", "contact_details"})


class FamilyContact(db.Model):
    __tablename__ = "family_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    relationship_to_victim: Mapped[str] = mapped_column(sa.String(100))
    contact_details: Mapped[str | None] = mapped_column(sa.Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FamilyEventKind(enum.StrEnum):
    CONTACT = "contact"
    MEETING = "meeting"

    @property
    def label(self) -> str:
        return {"contact": "Contact", "meeting": "Meeting"}[self.value]


class FamilyEvent(db.Model):
    """A dated contact with, or meeting with, the family."""

    __tablename__ = "family_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FamilyEventKind] = mapped_column(db_enum(FamilyEventKind, 16))
    occurred_on: Mapped[date]
    # What was discussed: written without names, as it is shown to the chair and coordinators only.
    summary: Mapped[str | None] = mapped_column(sa.Text)
