"""The partnerships that commission reviews and the agencies that sit on their panels, and each change to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum

if TYPE_CHECKING:
    from ssgp_dhr.accounts.models import User


class OrganisationKind(enum.StrEnum):
    PARTNERSHIP = "partnership"
    AGENCY = "agency"


class AgencyKind(enum.StrEnum):
    """What kind of body an agency is: the Home Office's statutory guidance names these as the usual panel."""

    POLICE = "police"
    HEALTH = "health"
    COUNCIL = "council"
    PROBATION = "probation"
    SPECIALIST = "specialist_domestic_abuse"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "Specialist domestic abuse service" if self is AgencyKind.SPECIALIST else self.value.capitalize()


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        db_enum(OrganisationKind, 20)
    )
    # Agencies only; those recorded before kinds were kept have none until an administrator gives it.
    agency_kind: Mapped[AgencyKind | None] = mapped_column(db_enum(AgencyKind, 32))
    # An inactive organisation stays on everything already recorded, and is offered for nothing new.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    @property
    def is_partnership(self) -> bool:
        return self.kind is OrganisationKind.PARTNERSHIP

    @property
    def kind_label(self) -> str:
        if self.is_partnership:
            return "Partnership"
        return self.agency_kind.label if self.agency_kind else "Agency (kind not recorded)"

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"


class OrganisationChangeKind(enum.StrEnum):
    ADDED = "added"
    RENAMED = "renamed"
    SHORT_NAME_CHANGED = "short_name_changed"
    KIND_CHANGED = "kind_changed"
    MADE_INACTIVE = "made_inactive"
    MADE_ACTIVE = "made_active"

    @property
    def label(self) -> str:
        return {"added": "Added", "renamed": "Renamed", "short_name_changed": "Short name changed",
                "kind_changed": "Kind changed", "made_inactive": "Marked inactive",
                "made_active": "Marked active again"}[self.value]


class OrganisationChange(db.Model):
    """One change to a partnership or agency: what, from what to what, by whom (None: the command line), when."""

    __tablename__ = "organisation_changes"
    __table_args__ = (sa.Index("ix_organisation_changes_organisation_id_occurred_at", "organisation_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    change: Mapped[OrganisationChangeKind] = mapped_column(db_enum(OrganisationChangeKind, 32))
    from_value: Mapped[str | None] = mapped_column(sa.String(200))
    to_value: Mapped[str | None] = mapped_column(sa.String(200))

    changed_by: Mapped[User | None] = relationship("User", lazy="joined")

    @property
    def done_by(self) -> str:
        return self.changed_by.email if self.changed_by else "The service's command line"
