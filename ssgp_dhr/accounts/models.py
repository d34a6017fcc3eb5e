"""People who sign in, and the roles they hold for a partnership."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.presentation import uk_datetime


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


# The roles that read case content. An account holding ADMIN anywhere has none of them in effect: accounts
# are administered from accounts that read no case (accounts/roles.py refuses to give both).
CASE_ROLES = frozenset({Role.COORDINATOR, Role.MANAGER, Role.PANEL_MEMBER})


def in_effect(grants: frozenset[tuple[Role, int]]) -> frozenset[tuple[Role, int]]:
    """The grants that count: an administrator's case roles, held from before both were refused, do not."""
    if any(role is Role.ADMIN for role, _ in grants):
        return frozenset(grant for grant in grants if grant[0] not in CASE_ROLES)
    return grants


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
    # The TOTP second factor: the secret exists from the start of enrolment, and counts only once
    # the person has proved their app holds it (totp_confirmed_at).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The 30-second time-step of the last code accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger())
    # Brute force: failures counted in a window; at the limit the account is locked for a while.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    failures_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    # Loaded when a page shows or changes them; access checks read `grants` instead.
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def get_id(self) -> str:
        # Flask-Login keeps this in the session: binding it to the token lets the server revoke it.
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def grants(self) -> frozenset[tuple[Role, int]]:
        """Each role in effect, as (role, partnership id): an administrator's case roles are left out (in_effect).

        Every request checks them, so they are read as plain rows, once per load of the user: role
        objects with their partnerships cost milliseconds a request for someone holding hundreds.
        Once the roles have been loaded or changed, those objects are the truth.
        """
        if "roles" in sa.inspect(self).dict:
            return in_effect(frozenset((r.role, r.partnership_id) for r in self.roles))
        if _GRANTS_IN_EFFECT not in self.__dict__:  # read a few times a request: worked out once
            self.__dict__[_GRANTS_IN_EFFECT] = in_effect(frozenset(self._recorded_grants()))
        return self.__dict__[_GRANTS_IN_EFFECT]

    def _recorded_grants(self) -> dict[tuple[Role, int], str]:
        """Every role recorded for the account, in effect or not, with its partnership's name: one statement
        per load of the user, which also gives the layout the name of a person's one partnership."""
        if _GRANTS not in self.__dict__:
            self.__dict__[_GRANTS] = {(role, partnership_id): name for role, partnership_id, name
                                      in db.session.execute(_GRANTS_OF_A_USER, {"user_id": self.id})}
        return self.__dict__[_GRANTS]

    @property
    def recorded_role_labels(self) -> list[str]:
        """The labels of every role recorded for the account, in effect or not, each once in the order of Role."""
        if "roles" in sa.inspect(self).dict:
            recorded = {r.role for r in self.roles}
        else:
            recorded = {role for role, _ in self._recorded_grants()}
        return [role.label for role in Role if role in recorded]

    def own_partnership_name(self) -> str | None:
        """The one partnership the account holds roles in, by name; None for roles in several partnerships, or none."""
        partnerships = {partnership_id for _role, partnership_id in self.grants}
        if len(partnerships) != 1:
            return None
        (partnership_id,) = partnerships
        if "roles" not in sa.inspect(self).dict:
            return next(name for (_role, held), name in self._recorded_grants().items() if held == partnership_id)
        return db.session.scalar(sa.select(Organisation.name).where(Organisation.id == partnership_id))

    def partnership_names(self, *roles: Role) -> dict[int, str] | None:
        """The partnerships in which the account holds one of `roles` in effect, by id, with their names as
        read with the grants (no statement); None once the roles were loaded as objects (then ask the database)."""
        if "roles" in sa.inspect(self).dict:
            return None
        grants = self.grants
        return {partnership_id: name for (role, partnership_id), name in self._recorded_grants().items()
                if role in roles and (role, partnership_id) in grants}

    @property
    def held_roles(self) -> frozenset[Role]:
        return frozenset(role for role, _ in self.grants)

    def partnerships_for(self, role: Role) -> set[int]:
        return {partnership_id for held, partnership_id in self.grants if held is role}

    def has_role(self, role: Role, partnership_id: int | None = None) -> bool:
        return any(held is role and partnership_id in (None, held_partnership) for held, held_partnership in self.grants)

    def __repr__(self) -> str:
        return f"<User {self.id}>"


# Where a loaded user keeps its grants; forgotten whenever the user is expired or refreshed.
_GRANTS = "_grants"
_GRANTS_IN_EFFECT = "_grants_in_effect"


@sa.event.listens_for(User, "expire")
def _forget_grants(user: User | None, _attributes: object) -> None:
    if user is not None:  # None: the object is already gone
        user.__dict__.pop(_GRANTS, None)
        user.__dict__.pop(_GRANTS_IN_EFFECT, None)


@sa.event.listens_for(User, "refresh")
def _forget_grants_on_refresh(user: User | None, _context: object, attributes: frozenset[str] | None) -> None:
    # Only a refresh of the whole user (session.refresh, populate_existing) re-reads the database. A
    # user met again in another query's rows (the actor of a history event, the uploader of a
    # document) refreshes just its unloaded relationships, and forgetting then cost a statement each.
    if attributes is None:
        _forget_grants(user, attributes)


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", "partnership_id", name="uq_role_assignments_user_role_partnership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(db_enum(Role, 20))
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    # Not loaded with the roles: they are read on every request (the session check), and the
    # partnerships' names are needed only where a page lists them (policy.followed_partnerships).
    partnership: Mapped[Organisation] = relationship(lazy="select")


# Built once: it runs on every request (the session check reads the grants).
_GRANTS_OF_A_USER = (sa.select(RoleAssignment.role, RoleAssignment.partnership_id, Organisation.name)
                     .join(Organisation, Organisation.id == RoleAssignment.partnership_id)
                     .where(RoleAssignment.user_id == sa.bindparam("user_id")))


def not_an_administrator(user_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """SQL: the account `user_id` holds no ADMIN role, so its case roles are in effect (User.grants, in a query)."""
    admin_role = aliased(RoleAssignment)
    return ~sa.exists().where(admin_role.user_id == user_id, admin_role.role == Role.ADMIN)


class RoleChange(db.Model):
    """One role given or taken away: whose, by whom (None: from the command line), when. Shown on the person's
    account page and on the administrators' page of the account."""

    __tablename__ = "role_changes"
    __table_args__ = (sa.Index("ix_role_changes_user_id_occurred_at", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    role: Mapped[Role] = mapped_column(db_enum(Role, 20))
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    granted: Mapped[bool] = mapped_column()  # False: taken away

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id], lazy="joined")
    partnership: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def description(self) -> str:
        return f"{'Given' if self.granted else 'Taken away'}: {self.role.label}, {self.partnership.name}"


class RecoveryCode(db.Model):
    """A single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class AccessEvent(enum.StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    RECOVERY_CODE_USED = "recovery_code_used"
    LOCKED_OUT = "locked_out"
    SIGNED_OUT = "signed_out"
    SESSION_EXPIRED = "session_expired"
    REFUSED = "refused"
    CASE_VIEWED = "case_viewed"
    DOCUMENT_DOWNLOADED = "document_downloaded"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name, not a password
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
    ACCOUNT_CREATED = "account_created"
    ROLES_CHANGED = "roles_changed"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    SECOND_FACTOR_RESET = "second_factor_reset"
    SESSIONS_ENDED = "sessions_ended"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name, not a password
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name, not a password
    ACCESS_LOG_PURGED = "access_log_purged"
    REVIEWS_EXPORTED = "reviews_exported"  # a partnership's reviews taken out (review_import.export)
    SUBJECT_ACCESS_REQUEST = "subject_access_request"  # what is recorded about a person, downloaded

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class AccessLogEntry(db.Model):
    """Who did what, when, from where: append-only (PostgreSQL refuses UPDATE and DELETE).

    Never a password, a code or a real name: the case is named by its reference only.
    """

    __tablename__ = "access_log"
    # A person's newest entries, and those about their account, read without scanning all of theirs
    # (Your account's recent activity); the first serves every lookup by user too. The newest entries of
    # one kind (the access log page filtered by what happened) are read backwards along the last.
    __table_args__ = (sa.Index("ix_access_log_user_id_occurred_at", "user_id", "occurred_at"),
                      sa.Index("ix_access_log_subject_user_id_occurred_at", "subject_user_id", "occurred_at"),
                      sa.Index("ix_access_log_event_id", "event", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    event: Mapped[AccessEvent] = mapped_column(db_enum(AccessEvent, 32))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # For a failed sign-in with an unknown e-mail there is no user: the address typed is kept instead.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    review_reference: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[str | None] = mapped_column(sa.String(10))
    path: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[int | None] = mapped_column()
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    # Only for ACCESS_LOG_PURGED: how many entries the purge deleted, and from before when, so the log
    # itself says why it starts where it does.
    entries_deleted: Mapped[int | None] = mapped_column()
    deleted_before: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id], lazy="joined")

    @property
    def done_by(self) -> str:
        """Who the log names: the account, the address typed at a failed sign-in, or the purging command."""
        if self.event is AccessEvent.ACCESS_LOG_PURGED:
            return "dhr purge-access-log"
        return self.user.email if self.user else (self.email or "")

    @property
    def concerning(self) -> str:
        """The case or account the entry is about, or for a purge what it deleted, as the log shows it."""
        if self.event is AccessEvent.ACCESS_LOG_PURGED:
            count = self.entries_deleted or 0
            return f"Deleted {count:,} entr{'y' if count == 1 else 'ies'} from before {uk_datetime(self.deleted_before)}"
        return self.review_reference or (self.subject_user.email if self.subject_user else "")
