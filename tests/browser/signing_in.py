"""Signing in through the real pages, in one place: adjust here when the sign-in journey changes.

The helper fills the e-mail address and password; when a page asks for a security code it computes
the code from the account's stored TOTP secret (User.totp_secret) with pyotp; when the account has
no second factor yet and the set-up page shows a key, it enrols with that key.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
import sqlalchemy as sa
from playwright.sync_api import Page

from ssgp_dhr.accounts.models import User
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from tests import factories


def prepare_account(user: User) -> User:
    """Give a test account a confirmed second factor, if accounts have one, so sign-in asks for a code."""
    if hasattr(User, "totp_secret") and not getattr(user, "totp_secret", None):
        user.totp_secret = pyotp.random_base32()
        if hasattr(User, "totp_confirmed_at"):
            user.totp_confirmed_at = utcnow()
        db.session.commit()
    return user


def _secret_for(user: User) -> str | None:
    db.session.rollback()  # read what the server last committed
    return db.session.scalar(sa.select(User.totp_secret).where(User.id == user.id))


def _code_page(page: Page) -> bool:
    return page.locator("input[name=code]").count() > 0


def _enter_code(page: Page, secret: str) -> None:
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()


def sign_in(page: Page, base_url: str, user: User, password: str = factories.PASSWORD,
            on_page: Callable[[str], None] = lambda label: None) -> None:
    """Sign in as `user`; `on_page` is called on each sign-in page reached (for axe and screenshots)."""
    page.goto(f"{base_url}/sign-in")
    on_page("sign in")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    if _code_page(page):
        on_page("security code")
        key = page.locator(".app-secret-key")
        secret = "".join(key.inner_text().split()) if key.count() else _secret_for(user)
        assert secret, "the sign-in asked for a code but the account has no secret"
        _enter_code(page, secret)
        if _code_page(page) and page.locator(".govuk-error-summary").count():
            # A code is accepted once: wait for the next 30-second step and try again.
            time.sleep(30 - time.time() % 30 + 1)
            _enter_code(page, secret)
    if "/recovery-codes" in page.url or page.locator("a:has-text('Continue')").count():
        page.locator("a:has-text('Continue'), button:has-text('Continue')").first.click()
        page.wait_for_load_state()
    assert "/sign-in" not in page.url, f"sign-in did not finish: {page.url}"
