"""The access log: every sign-in, failure, lockout, refusal, case view and download, append-only.

Call record() from a view (or a hook) to add an entry; it commits on its own so that a refusal,
which rolls back the request's work, is still recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, User
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import printable
from ssgp_dhr.submissions import FormSubmission


def client_address() -> str | None:
    """The address the request came from (behind the proxy, ProxyFix has already set remote_addr)."""
    return request.remote_addr if has_request_context() else None


def record(event: AccessEvent, *, user: User | None = None, review: object | None = None, reference: str | None = None,
           email: str | None = None, subject: User | None = None, status: int | None = None) -> AccessLogEntry:
    """Add one entry: who (default the signed-in user), what, which case, from which address.

    `review` is any object with a `reference`; only the reference is kept, never a name.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    entry = AccessLogEntry(
        event=event, user_id=user.id if user else None, email=None if user else (email or "")[:254] or None,
        review_reference=reference or getattr(review, "reference", None),
        subject_user_id=subject.id if subject else None, status=status,
        method=request.method if has_request_context() else None,
        path=printable(request.path)[:500] if has_request_context() else None,
        ip_address=client_address(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


# What the person would want to check was them: signing in, and every change to the account's security.
# Case views, downloads and refusals are work, not account security, and stay in the full log.
ACCOUNT_SECURITY_EVENTS = (
    AccessEvent.SIGNED_IN, AccessEvent.SIGN_IN_FAILED, AccessEvent.SECOND_FACTOR_FAILED,
    AccessEvent.RECOVERY_CODE_USED, AccessEvent.LOCKED_OUT, AccessEvent.PASSWORD_CHANGED,
    AccessEvent.PASSWORD_RESET_REQUESTED, AccessEvent.PASSWORD_RESET, AccessEvent.SECOND_FACTOR_ENROLLED,
    AccessEvent.SECOND_FACTOR_RESET, AccessEvent.SESSIONS_ENDED, AccessEvent.ACCOUNT_CREATED,
    AccessEvent.ROLES_CHANGED, AccessEvent.ACCOUNT_ENABLED,
)


def _newest_about_a_person(limit: int) -> sa.Select:
    """The newest `limit` account entries by or about the person bound as "person", newest first: the
    newest few of each kind, each read backwards along its (person, time) index, then merged."""
    person = sa.bindparam("person")
    newest = [sa.select(AccessLogEntry.id).where(column == person, AccessLogEntry.event.in_(ACCOUNT_SECURITY_EVENTS))
              .order_by(AccessLogEntry.occurred_at.desc()).limit(limit).subquery()
              for column in (AccessLogEntry.user_id, AccessLogEntry.subject_user_id)]
    return (sa.select(AccessLogEntry.occurred_at, AccessLogEntry.event, AccessLogEntry.user_id,
                      AccessLogEntry.subject_user_id, AccessLogEntry.ip_address)
            .where(AccessLogEntry.id.in_(sa.union(*(sa.select(found.c.id) for found in newest))))
            .order_by(AccessLogEntry.occurred_at.desc(), AccessLogEntry.id.desc()).limit(limit))


RECENT_ACTIVITY_SHOWN = 10
# Built once: the statement is the same for everyone, and building it took as long as running it.
_RECENT_ACCOUNT_ACTIVITY = _newest_about_a_person(RECENT_ACTIVITY_SHOWN)


def recent_account_activity(user: User) -> list[sa.Row]:
    """The newest RECENT_ACTIVITY_SHOWN entries about `user`'s account: their own sign-ins and changes, failures against
    it, and what administrators did to it. Two index range scans, however long the log."""
    return list(db.session.execute(_RECENT_ACCOUNT_ACTIVITY, {"person": user.id}).all())


# --- Keeping the log --------------------------------------------------------------------------

# The shortest time an entry is kept, whatever ACCESS_LOG_RETENTION_DAYS says: NCSC's logging guidance
# asks for at least six months, to investigate an incident found late. PostgreSQL enforces the same
# floor itself (migration 0025): no entry younger than this can be deleted at all.
SHORTEST_RETENTION_DAYS = 183


class RetentionTooShort(ValueError):
    pass


def purge_entries_older_than(days: int, now: datetime | None = None) -> tuple[int, datetime]:
    """Delete the entries older than `days` days (and the forms' one-time keys as old) and record that in the
    log, in one transaction; return how many entries were deleted, and the cut-off.

    Every run is recorded, one that deleted nothing too: the log shows that it is being kept to its period.
    """
    if days < SHORTEST_RETENTION_DAYS:
        raise RetentionTooShort(f"The access log must be kept at least {SHORTEST_RETENTION_DAYS} days, not {days}")
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    try:
        if db.engine.dialect.name == "postgresql":
            # The service's database role may not delete from the log: a function that runs as its owner
            # does (migration 0032), and the log's trigger still keeps every entry younger than the floor.
            deleted = db.session.scalar(sa.select(sa.func.purge_access_log(cutoff)))
        else:
            deleted = db.session.execute(sa.delete(AccessLogEntry).where(AccessLogEntry.occurred_at < cutoff)).rowcount
        # The forms' one-time keys say who sent which form when: they go with the log of the same period.
        db.session.execute(sa.delete(FormSubmission).where(FormSubmission.saved_at < cutoff))
        db.session.add(AccessLogEntry(event=AccessEvent.ACCESS_LOG_PURGED, occurred_at=now, entries_deleted=deleted,
                                      deleted_before=cutoff))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return deleted, cutoff
