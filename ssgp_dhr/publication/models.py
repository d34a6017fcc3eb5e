"""What is recorded about publishing a review: the decision and its record, and each anonymisation check."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum


class PublicationForm(enum.StrEnum):
    FULL = "full"
    SUMMARY_ONLY = "summary_only"

    @property
    def label(self) -> str:
        return {"full": "Full report", "summary_only": "Learning summary only"}[self.value]


class PublicationRecord(db.Model):
    """One per review: the decision on the form of publication and what happened when it was published.

    The published date and address are the review's own (`published_on`, `publication_url`, set by
    the publish actions); this adds what the public page and the Home Office need besides.
    """

    __tablename__ = "publication_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    form: Mapped[PublicationForm | None] = mapped_column(db_enum(PublicationForm, 16))
    decided_on: Mapped[date | None]
    # Shown on the public reviews page: no names, written for the public.
    public_summary: Mapped[str | None] = mapped_column(sa.Text)
    learning_summary: Mapped[str | None] = mapped_column(sa.Text)
    # Set only to override the default (REMOVAL_REVIEW_MONTHS after publication).
    removal_review_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    review: Mapped[Review] = relationship()


class CopyRecipient(db.Model):
    """Someone a partnership sends a copy of each published report or learning summary to: the Home Office,
    the Domestic Abuse Commissioner, the Police and Crime Commissioner, the coroner. A recipient no longer
    sent copies is retired, not deleted: the copies sent to it stay on record."""

    __tablename__ = "copy_recipients"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "name", name="uq_copy_recipients_partnership_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    retired_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CopySent(db.Model):
    """A copy of a review's publication sent to one of its lead partnership's recipients, and when."""

    __tablename__ = "copies_sent"
    # Also the index for a review's copies (review_id leads).
    __table_args__ = (sa.UniqueConstraint("review_id", "recipient_id", name="uq_copies_sent_review_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("copy_recipients.id"), index=True)
    sent_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # none: moved from before
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recipient: Mapped[CopyRecipient] = relationship(lazy="joined")


class AnonymisationCheck(db.Model):
    """One run of the anonymisation check over the documents about to be published.

    `documents` lists what was checked: [{"label", "file_name", "sha256", "document_ref"}] where
    document_ref is the stored document version's identifier once documents are kept by the
    tracker (None for a file given to the check directly). `findings` is a list of
    anonymisation.Finding.as_dict(): document, page, part, field (the key of the recorded value),
    variant — never the matched text.
    """

    __tablename__ = "anonymisation_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    passed: Mapped[bool]
    documents: Mapped[list] = mapped_column(sa.JSON, default=list)
    findings: Mapped[list] = mapped_column(sa.JSON, default=list)
    # What else the check read: {field: sha256} of each public text, and a digest of the restricted
    # values recorded (services.names_digest). A check from before either existed is never current.
    texts: Mapped[dict | None] = mapped_column(sa.JSON)
    names_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    checked_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def labels(self) -> set[str]:
        return {d["label"] for d in self.documents}


class NameDecisionKind(enum.StrEnum):
    ALLOW_NAME = "allow_name"  # a recorded real name may be published
    ACCEPT_FINDING = "accept_finding"  # a finding is a false positive

    @property
    def label(self) -> str:
        return {"allow_name": "Name allowed for publication", "accept_finding": "Finding accepted as a false positive"}[
            self.value]


class NameDecisionReason(enum.StrEnum):
    FAMILY_ASKED = "family_asked"
    PUBLIC_THROUGH_COURTS = "public_through_courts"
    OTHER = "other"
    FALSE_POSITIVE = "false_positive"

    @property
    def label(self) -> str:
        return {"family_asked": "The family asked for the real name to be used",
                "public_through_courts": "Already public through court proceedings",
                "other": "Another reason", "false_positive": "Not the person: a false positive"}[self.value]


class NameDecision(db.Model):
    """A recorded decision that a real name may be published, or that one finding of the check is a
    false positive: recorded by a coordinator and in effect once a second person confirms it.

    It refers to the name by its key (cases.names) and holds a digest of the name as recorded
    (`name_sha256`), never the name: a name corrected since is not covered. An accepted finding
    also names where it is (`location`, `part`, `variant` as the check reported them) and, for a
    document, the checksum of the version it was found in, so it does not carry over to another.
    """

    __tablename__ = "name_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NameDecisionKind] = mapped_column(db_enum(NameDecisionKind, 20))
    name_key: Mapped[str] = mapped_column(sa.String(60))
    name_sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[NameDecisionReason] = mapped_column(db_enum(NameDecisionReason, 30))
    details: Mapped[str | None] = mapped_column(sa.Text)
    family_agreed_on: Mapped[date | None]
    home_office_agreed_on: Mapped[date | None]
    location: Mapped[str | None] = mapped_column(sa.String(200))
    part: Mapped[str | None] = mapped_column(sa.String(100))
    variant: Mapped[str | None] = mapped_column(sa.String(200))
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id], lazy="joined")

    @property
    def in_effect(self) -> bool:
        return self.confirmed_at is not None
