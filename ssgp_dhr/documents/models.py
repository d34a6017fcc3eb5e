"""The documents a review produces: each document keeps every version ever uploaded."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum


class DocumentType(enum.StrEnum):
    TERMS_OF_REFERENCE = "terms_of_reference"
    SCOPING_RESPONSE = "scoping_response"
    IMR = "imr"
    CHRONOLOGY = "chronology"
    MINUTES = "minutes"
    DRAFT_OVERVIEW_REPORT = "draft_overview_report"
    OVERVIEW_REPORT = "overview_report"
    EXECUTIVE_SUMMARY = "executive_summary"
    ACTION_PLAN = "action_plan"
    HOME_OFFICE_LETTER = "home_office_letter"
    LEARNING_SUMMARY = "learning_summary"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "terms_of_reference": "Terms of reference",
            "scoping_response": "Scoping response",
            "imr": "Individual management review (IMR)",
            "chronology": "Chronology",
            "minutes": "Panel meeting minutes",
            "draft_overview_report": "Draft overview report",
            "overview_report": "Overview report",
            "executive_summary": "Executive summary",
            "action_plan": "Action plan",
            "home_office_letter": "Home Office letter",
            "learning_summary": "Learning summary",
            "other": "Other",
        }[self.value]


class ProtectiveMarking(enum.StrEnum):
    """Every document is OFFICIAL-SENSITIVE until the publication step marks it published."""

    OFFICIAL_SENSITIVE = "official_sensitive"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"official_sensitive": "OFFICIAL-SENSITIVE", "published": "Published"}[self.value]


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"), index=True)
    document_type: Mapped[DocumentType] = mapped_column(db_enum(DocumentType))
    title: Mapped[str] = mapped_column(sa.String(200))
    marking: Mapped[ProtectiveMarking] = mapped_column(db_enum(ProtectiveMarking),
                                                       default=ProtectiveMarking.OFFICIAL_SENSITIVE)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The version number that went public: the one the anonymisation check passed. Earlier versions
    # (the uncorrected drafts) and later ones (not checked yet) are never served to the public.
    published_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_published(self) -> bool:
        return self.marking is ProtectiveMarking.PUBLISHED

    @property
    def latest(self) -> DocumentVersion:
        return self.versions[-1]

    @property
    def public_version(self) -> DocumentVersion | None:
        """The version the public may download, if any."""
        if not self.is_published or self.published_version is None:
            return None
        return self.version(self.published_version)

    def version(self, number: int) -> DocumentVersion | None:
        return next((v for v in self.versions if v.number == number), None)


class DocumentVersion(db.Model):
    """One uploaded file. The bytes live in the document store under `stored_name`, never in the web root."""

    __tablename__ = "document_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "number", name="uq_document_versions_document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # A name the server made (random hex): nothing the uploader typed reaches the file system.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_filename: Mapped[str] = mapped_column(sa.String(255))  # made safe by storage.safe_filename
    file_kind: Mapped[str] = mapped_column(sa.String(8))  # what the content is: pdf, docx, odt, xlsx, csv, txt
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger())
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
    uploaded_by: Mapped[User] = relationship(lazy="joined")
