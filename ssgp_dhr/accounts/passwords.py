"""Password hashing with argon2id (argon2-cffi's recommended parameters), and which passwords may be set."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps the time for an unknown e-mail the same as for a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# NCSC and NIST SP 800-63B: length and a block list of common passwords, no composition rules.
MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("ssgp_dhr.accounts").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    squeezed = password.lower()
    return squeezed in _common_passwords() or squeezed.replace(" ", "") in _common_passwords()


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why `password` cannot be used, as a sentence for the error message, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if is_common(password) or (email and password.lower().strip() == email.lower().strip()):
        return "Password is too easy to guess: choose one that is not a common password"
    return None
