"""The costs of a review, each with the organisation paying it."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum
from ssgp_dhr.organisations.models import Organisation


class CostKind(enum.StrEnum):
    CHAIR = "chair"
    AUTHOR = "author"
    ADMINISTRATION = "administration"
    FAMILY_ADVOCACY = "family_advocacy"
    LEGAL = "legal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "chair": "Independent chair",
            "author": "Report author",
            "administration": "Administration",
            "family_advocacy": "Family advocacy",
            "legal": "Legal advice",
            "other": "Other",
        }[self.value]


class ReviewCost(db.Model):
    """One cost of a review: what it was for, when, how much, and who pays it.

    The partnerships share a review's costs with others (the Police and Crime Commissioner's office,
    the NHS), so each cost names the organisation paying it and the review's page totals by payer.
    Amounts are whole pence, never floating point.
    """

    __tablename__ = "review_costs"
    __table_args__ = (sa.CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    incurred_on: Mapped[date]
    kind: Mapped[CostKind] = mapped_column(db_enum(CostKind, 20))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    amount_pence: Mapped[int]
    funder_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship()
    funder: Mapped[Organisation] = relationship(lazy="joined")


class CostSharing(db.Model):
    """The shares of a review's costs its funders agreed to bear, whoever pays each invoice.

    One organisation (usually the lead partnership) often pays the invoices and recharges the others
    by these shares; the case page shows what each owes or is owed. Replaced whole when the funders
    agree new shares: the history keeps the earlier ones.
    """

    __tablename__ = "cost_sharings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    agreed_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    shares: Mapped[list[CostShare]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="(CostShare.basis_points.desc(), CostShare.id)")


class CostShare(db.Model):
    """One funder's agreed share of a review's costs, in basis points (hundredths of a percent), so that
    thirds can be agreed as 33.34, 33.33 and 33.33 and still add up exactly."""

    __tablename__ = "cost_shares"
    __table_args__ = (sa.CheckConstraint("basis_points > 0 AND basis_points <= 10000", name="basis_points_in_range"),
                      sa.UniqueConstraint("sharing_id", "organisation_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique constraint it leads.
    sharing_id: Mapped[int] = mapped_column(sa.ForeignKey("cost_sharings.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    basis_points: Mapped[int]

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class CostRecharge(db.Model):
    """A payment from one funder to another to settle their agreed shares of a review's costs (a
    recharge): it moves money between them and adds nothing to what the review cost."""

    __tablename__ = "cost_recharges"
    __table_args__ = (sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
                      sa.CheckConstraint("payer_id <> payee_id", name="between_two"))

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date]
    payer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    payee_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    amount_pence: Mapped[int]
    reference: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship()
    payer: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[payer_id])
    payee: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[payee_id])
