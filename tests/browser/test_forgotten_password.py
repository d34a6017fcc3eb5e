"""Forgotten password in a real browser: ask for a link, open it from the e-mail (the development
outbox), choose a new password, and sign in with it and the security code."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from ssgp_dhr.extensions import db
from ssgp_dhr.reminders.models import OutboxMessage
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern orchard velvet quarry"


def emailed_to(address: str, wait_seconds: float = 10) -> str:
    """The e-mail's body: it is sent once the page has gone, so it may arrive a moment after the page."""
    deadline = time.monotonic() + wait_seconds
    while True:
        db.session.rollback()
        body = db.session.scalar(sa.select(OutboxMessage.body).where(OutboxMessage.recipient_email == address))
        if body is not None or time.monotonic() > deadline:
            assert body is not None, f"no email to {address}"
            return body
        time.sleep(0.05)


def test_choose_a_new_password_from_the_e_mailed_link_and_sign_in_with_it(visit):
    person = prepare_account(factories.coordinator())
    you = visit("coordinator")
    page = you.page
    you.goto("/sign-in")
    page.click("text=Forgotten your password?")
    you.check("forgotten password")
    page.get_by_role("button", name="Send me a link").click()
    you.check("forgotten password errors")
    assert "Enter your email address" in page.inner_text(".govuk-error-summary")
    page.fill("#email", person.email)
    page.get_by_role("button", name="Send me a link").click()
    you.check("check your email")

    body = emailed_to(person.email)
    link = re.search(r"https://dhr\.example\.org(/sign-in/new-password/\S+)", body).group(1)
    you.goto(link)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD + " typo")
    page.get_by_role("button", name="Set the new password").click()
    you.check("new password errors")
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    you.check("password changed")
    assert "Your password has been changed" in page.inner_text("main")

    sign_in(page, you.base_url, person, password=NEW_PASSWORD, on_page=you.check)
    you.check("my work")
    assert page.inner_text("h1") == "My work"
