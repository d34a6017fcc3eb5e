"""Partnerships and agencies in a real browser: an administrator adds an agency (an error first, linked to its
field), renames it and marks it inactive; the organisation's page lists each change. Every page passes
axe-core and is photographed."""

from __future__ import annotations

import pytest

from ssgp_dhr.accounts.models import Role
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_adds_renames_and_marks_inactive_an_agency(visit):
    admin = prepare_account(factories.user((Role.ADMIN, factories.ssgp()), full_name="Casey Admin"))
    you = visit("admin")
    page = you.page
    sign_in(page, you.base_url, admin, on_page=you.check)

    you.goto("/admin/organisations")
    page.click("main a:has-text('Add an agency')")
    you.check("add an agency")
    page.fill("#name", "Wyedean Women's Aid")
    page.fill("#short_name", "WWA")
    page.click("main form button:has-text('Add an agency')")
    you.check("kind missing")
    page.click(".govuk-error-summary a")
    assert page.evaluate("document.activeElement.name") == "agency_kind"
    assert page.input_value("#name") == "Wyedean Women's Aid"
    page.check("input[name=agency_kind][value=specialist_domestic_abuse]")
    page.click("main form button:has-text('Add an agency')")
    you.check("agency added")

    page.fill("#name", "Wyedean Women's Aid Service")
    page.click("main form button:has-text('Save the changes')")
    you.check("renamed")
    page.click("main form button:has-text('Mark it inactive')")
    you.check("marked inactive")
    changes = page.locator("#changes").inner_text()
    for what in ("Added", "Renamed", "Marked inactive"):
        assert what in changes
