"""The access log: every sign-in, failure, lockout, refusal, case view and download, append-only.

Call record() from a view (or a hook) to add an entry; it commits on its own so that a refusal,
which rolls back the request's work, is still recorded.
"""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, User
from ssgp_dhr.extensions import db


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
        path=request.path[:500] if has_request_context() else None,
        ip_address=client_address(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry
