"""Forgotten passwords: a link by e-mail to set a new one, good for an hour and once.

Signing in still needs the second factor afterwards, so the e-mail alone does not open the account.
Whether an address has an account is never said: the same answer comes back either way, and an
account is sent at most a few links an hour, so the form cannot be used to flood someone's inbox.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from ssgp_dhr.accounts import account_email, lockout
from ssgp_dhr.accounts.access_log import record
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, User, new_session_token
from ssgp_dhr.accounts.passwords import hash_password
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.reminders import mailer

LINK_VALID_HOURS = 1
LINK_VALID_FOR = timedelta(hours=LINK_VALID_HOURS)
LINKS_PER_HOUR = 3
_SALT = "set-a-new-password"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a link stops working once it has been used (or an
    administrator has set a temporary password meanwhile)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def link_token(user: User) -> str:
    return _signer().dumps({"user": user.id, "password": _password_fingerprint(user)})


def user_for_link(token: str) -> User | None:
    """The enabled account a link was made for, if it is under an hour old and unused; else None."""
    try:
        claim = _signer().loads(token, max_age=int(LINK_VALID_FOR.total_seconds()))
    except BadData:
        return None
    if not isinstance(claim, dict) or not isinstance(claim.get("user"), int):
        return None
    user = db.session.get(User, claim["user"])
    if user is None or not user.is_enabled:
        return None
    return user if hmac.compare_digest(_password_fingerprint(user), str(claim.get("password"))) else None


def can_send_links() -> bool:
    """Whether this configuration can e-mail a link (a mail server or the development outbox, and the
    service's address for the link)."""
    try:
        mailer.mailer_for(current_app.config)
        mailer.base_url(current_app.config)
    except mailer.MailNotConfigured:
        return False
    return True


def _links_sent_lately(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AccessLogEntry).where(
        AccessLogEntry.user_id == user.id, AccessLogEntry.event == AccessEvent.PASSWORD_RESET_REQUESTED,
        AccessLogEntry.occurred_at > utcnow() - timedelta(hours=1)))


def send_link(email: str, response: Response) -> None:
    """E-mail a link to the enabled account with this address, if there is one, once `response` (the
    same page either way) has gone: nothing, not even the time it takes, says which."""
    address = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == address))
    if user is None or not user.is_enabled:
        record(AccessEvent.PASSWORD_RESET_REQUESTED, email=address)
        return
    if _links_sent_lately(user) >= LINKS_PER_HOUR:
        record(AccessEvent.REFUSED, user=user)
        return
    config = current_app.config
    link = mailer.base_url(config) + url_for("accounts.new_password", token=link_token(user))
    service = config["SERVICE_NAME"]
    hours = f"{LINK_VALID_HOURS} hour{'s' if LINK_VALID_HOURS != 1 else ''}"
    account_email.send_after_response(response, user, f"Set a new password for the {service}", (
        f"Someone asked to set a new password for your account on the {service} ({user.email}).\n\n"
        f"If it was you, open this link within {hours} to choose a new password. It works once.\n\n{link}\n\n"
        "If it was not you, you can ignore this email: your password has not changed. Signing in still needs "
        "the security code from your authenticator app.\n"))
    record(AccessEvent.PASSWORD_RESET_REQUESTED, user=user)


def set_new_password(user: User, password: str) -> None:
    """Set the password; every session of the account ends, and the link with it."""
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_token = new_session_token()
    lockout.clear_failures(user)
    db.session.commit()
    record(AccessEvent.PASSWORD_RESET, user=user)
    account_email.notify(user, account_email.Notice.PASSWORD_SET_FROM_LINK)
