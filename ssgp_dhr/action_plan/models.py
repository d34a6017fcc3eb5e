"""Recommendations of a review's action plan and the progress posted on them."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum
from ssgp_dhr.organisations.models import Organisation


class RecommendationLevel(enum.StrEnum):
    SINGLE_AGENCY = "single_agency"
    MULTI_AGENCY = "multi_agency"
    NATIONAL = "national"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


class Recommendation(db.Model):
    __tablename__ = "recommendations"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "reference", name="uq_recommendations_review_reference"),
        # A review's recommendations not complete, with what My work counts of them, read from the index alone.
        sa.Index("ix_recommendations_review_completed_target_proposed", "review_id", "completed_on", "target_on",
                 "completion_proposed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    level: Mapped[RecommendationLevel] = mapped_column(db_enum(RecommendationLevel, 16))
    owning_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    actions: Mapped[str] = mapped_column(sa.Text, default="")
    target_on: Mapped[date]
    # The target first agreed, kept once the target is revised: how far plans slipped is part of the report.
    original_target_on: Mapped[date | None]
    # Free text for now; a stored document's reference once documents are kept by the tracker.
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    completion_proposed_on: Mapped[date | None]
    completed_on: Mapped[date | None]
    completion_accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship()
    owning_agency: Mapped[Organisation] = relationship(lazy="joined")
    progress: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="recommendation", order_by="ProgressUpdate.posted_at", cascade="all, delete-orphan")


class ProgressUpdate(db.Model):
    __tablename__ = "recommendation_progress"
    # A recommendation's updates, and its latest one read from the index alone: the RAG status of every
    # recommendation a list counts asks when each was last updated.
    __table_args__ = (sa.Index("ix_recommendation_progress_latest", "recommendation_id", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(sa.Text)

    recommendation: Mapped[Recommendation] = relationship(back_populates="progress")
    author: Mapped[User] = relationship(lazy="joined")
