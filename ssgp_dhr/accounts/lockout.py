"""Brute force: an account is locked for a while after too many failures in a short time.

Failures of the password and of the second factor count alike, so neither can be guessed at leisure.
"""

from __future__ import annotations

from datetime import timedelta

from ssgp_dhr.accounts import account_email
from ssgp_dhr.accounts.access_log import record
from ssgp_dhr.accounts.models import AccessEvent, User
from ssgp_dhr.clock import utcnow

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
LOCKED_FOR = timedelta(minutes=15)


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def record_failure(user: User, event: AccessEvent = AccessEvent.SIGN_IN_FAILED) -> None:
    """Count a failure (and log it); the tenth in the window locks the account."""
    now = utcnow()
    if user.failures_since is None or now - user.failures_since > WINDOW:
        user.failures_since, user.failed_sign_ins = now, 0
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= MAX_FAILURES:
        user.locked_until = now + LOCKED_FOR
        user.failures_since, user.failed_sign_ins = None, 0
        record(event, user=user)
        record(AccessEvent.LOCKED_OUT, user=user)
        account_email.notify(user, account_email.Notice.LOCKED_OUT)
        return
    record(event, user=user)


def clear_failures(user: User) -> None:
    user.failures_since, user.failed_sign_ins, user.locked_until = None, 0, None
