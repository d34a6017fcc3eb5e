"""The TOTP second factor (RFC 6238, via pyotp) and single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from markupsafe import Markup

from ssgp_dhr.accounts.models import RecoveryCode, User
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db

STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()


def _step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for(secret: str, moment: datetime | None = None) -> str:
    """The code an authenticator app shows at `moment` (default now): for demo accounts and tests."""
    return pyotp.TOTP(secret).at(moment or utcnow())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time-step (now, or one either side for clock drift) whose code is `code`."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):  # compare_digest takes ASCII only
        return None
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        step = _step(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(user: User, code: str, secret: str | None = None) -> bool:
    """Whether `code` is right for the user now and not used before; records its time-step if so.

    `secret` is the one being enrolled, when it is not yet confirmed on the account.
    """
    secret = secret or user.totp_secret
    if not secret:
        return False
    step = _matching_step(secret, code, utcnow())
    # A code is accepted once: a step at or before the last one used is a replay.
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def provisioning_uri(user: User, issuer: str) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The QR code as inline SVG, drawn here: the secret never goes to another service.

    segno's SVG uses attributes (no style attribute), which the Content Security Policy allows.
    """
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", omitsize=False)
    return Markup(svg)  # noqa: S704 - segno's own markup, built from the URI only


def _hash(code: str) -> str:
    # Recovery codes are random with 50 bits of entropy, not chosen by people: SHA-256 is enough.
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def issue_recovery_codes(user: User) -> list[str]:
    """New recovery codes replacing any old ones; only their hashes are stored."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    user.recovery_codes = [RecoveryCode(code_hash=_hash(code)) for code in codes]
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Whether `code` is one of the user's unused recovery codes; it is used up if so."""
    found = db.session.scalar(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    found.used_at = utcnow()
    return True


# Built once: *Your account* shows the count on every visit.
_UNUSED_RECOVERY_CODES = sa.select(sa.func.count()).select_from(RecoveryCode).where(
    RecoveryCode.user_id == sa.bindparam("user_id"), RecoveryCode.used_at.is_(None))


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(_UNUSED_RECOVERY_CODES, {"user_id": user.id}) or 0


def reset(user: User) -> None:
    """Remove the second factor: the person enrols again at their next sign-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.recovery_codes = []
