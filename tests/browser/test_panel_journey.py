"""A panel member signs in, finds their review on My work, and logs input on it; then edits it.
Every page passes axe-core and has a "… – Service" title; nothing is fetched from outside."""

from __future__ import annotations

import pytest

from ssgp_dhr.cases.models import PanelRole
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in
from tests.browser.test_journeys import press

pytestmark = pytest.mark.browser


def test_a_panel_member_signs_in_and_logs_input_on_their_case(visit):
    review = factories.review_at("panel")
    member = prepare_account(factories.panel_member())
    factories.seat_on_panel(review, member, PanelRole.AGENCY_REPRESENTATIVE)
    elsewhere = factories.review_at("panel", pseudonym="Elsewhere")

    you = visit("panel member")
    page = you.page
    sign_in(page, you.base_url, member, on_page=you.check)
    you.check("my work")
    assert elsewhere.reference not in page.locator("main").inner_text()
    press(page, f"#panel-reviews a:has-text('{review.reference}')")
    you.check("case page")
    assert page.locator("#input-log").count() == 1
    assert "Victoria Realname" not in page.content()

    press(page, "a:has-text('Add to the input log')")
    you.check("add input")
    press(page, "main form button.govuk-button")  # nothing chosen or typed: errors
    you.check("add input errors")
    assert page.locator(".govuk-error-summary a").count() == 2
    page.check("input[name=kind][value=request_answer]")
    page.fill("#text", "Police attended the address twice in 2024.")
    press(page, "main form button.govuk-button")
    you.check("posted")
    entries = page.locator(".app-input-entry")
    assert entries.count() == 1
    assert "Police attended the address twice in 2024." in entries.first.inner_text()
    assert member.full_name in entries.first.inner_text()

    press(page, ".app-input-entry a:has-text('Edit')")
    you.check("edit input")
    page.fill("#text", "Police attended the address three times in 2024.")
    press(page, "main form button.govuk-button")
    you.check("edited")
    press(page, ".app-input-entry a:has-text('History')")
    you.check("history")
    assert "twice" in page.locator("#revisions").inner_text()
    assert "three times" in page.locator("#current-text").inner_text()
