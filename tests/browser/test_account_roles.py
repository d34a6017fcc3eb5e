"""Roles in a real browser: an administrator's attempt to give itself a case role is refused with a linked
error; a change to someone else's roles is listed on their account's page and on their own. Every page
passes axe-core and is photographed; a long text area counts its characters as they are typed."""

from __future__ import annotations

import pytest

from ssgp_dhr.accounts import roles
from ssgp_dhr.accounts.models import Role
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_is_refused_a_case_role_and_changes_are_listed(visit):
    ssgp = factories.ssgp()
    admin = prepare_account(factories.user((Role.ADMIN, ssgp), full_name="Casey Admin"))
    person = prepare_account(factories.user((Role.PANEL_MEMBER, ssgp), full_name="Pat Person"))
    you = visit("admin")
    page = you.page
    sign_in(page, you.base_url, admin, on_page=you.check)

    you.goto(f"/admin/users/{admin.id}")
    page.check(f"input[name=roles][value='coordinator:{ssgp.id}']")
    page.click("main form button:has-text('Save roles')")
    if "confirm-password" in page.url:  # the password again before an administrator's change
        page.fill("#password", factories.PASSWORD)
        page.click("main form button")
        page.check(f"input[name=roles][value='coordinator:{ssgp.id}']")
        page.click("main form button:has-text('Save roles')")
    you.check("own case role refused")
    assert page.locator(".govuk-error-summary a").inner_text() == roles.OWN_CASE_ROLE
    page.click(".govuk-error-summary a")
    assert page.evaluate("document.activeElement.name") == "roles"

    you.goto(f"/admin/users/{person.id}")
    page.check(f"input[name=roles][value='manager:{ssgp.id}']")
    page.click("main form button:has-text('Save roles')")
    you.check("roles saved")
    assert "Given: Manager, Stronger Safer Gloucester Partnership" in page.locator("#role-changes").inner_text()

    theirs = visit("person")
    sign_in(theirs.page, theirs.base_url, person)
    theirs.goto("/account")
    assert "Casey Admin" in theirs.page.locator("#role-changes").inner_text()


def test_a_text_area_counts_its_characters(visit):
    person = prepare_account(factories.coordinator())
    you = visit("coordinator")
    sign_in(you.page, you.base_url, person)
    you.goto("/cases/new")
    you.page.fill("#circumstances", "Found at home.")
    assert you.page.locator(".govuk-character-count__status").inner_text() == "You have 19,986 characters remaining"
    you.check("character count")
