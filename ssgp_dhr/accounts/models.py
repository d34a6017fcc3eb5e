"""People who sign in, and the roles they hold for a partnership."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum
from ssgp_dhr.organisations.models import Organisation


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MANAGER = "manager"
    PANEL_MEMBER = "panel_member"

    @property
    def label(self) -> str:
        return {
            "admin": "Administrator",
            "coordinator": "DHR coordinator",
            "manager": "Manager",
            "panel_member": "Panel member",
        }[self.value]


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Rotated on sign-out, password change and when an admin ends the user's sessions, so that a
    # copied session cookie stops working on the server side.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        # Flask-Login keeps this in the session: binding it to the token lets the server revoke it.
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    def partnerships_for(self, role: Role) -> set[int]:
        return {r.partnership_id for r in self.roles if r.role is role}

    def has_role(self, role: Role, partnership_id: int | None = None) -> bool:
        return any(
            r.role is role and (partnership_id is None or r.partnership_id == partnership_id)
            for r in self.roles
        )

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", "partnership_id", name="uq_role_assignments_user_role_partnership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(db_enum(Role, 20))
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    partnership: Mapped[Organisation] = relationship(lazy="joined")
