"""The partnerships that commission reviews and the agencies that sit on their panels."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ssgp_dhr.extensions import db, db_enum


class OrganisationKind(enum.StrEnum):
    PARTNERSHIP = "partnership"
    AGENCY = "agency"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        db_enum(OrganisationKind, 20)
    )

    @property
    def is_partnership(self) -> bool:
        return self.kind is OrganisationKind.PARTNERSHIP

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"
