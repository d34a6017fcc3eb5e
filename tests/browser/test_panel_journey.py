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
    press(page, ".app-review-navigation a:has-text('Panel and agencies')")
    you.check("panel and agencies")
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


def test_the_police_representative_delivers_the_imr_it_is_returned_delivered_again_and_accepted(visit, tmp_path):
    """From My work's "Asked of you": the IMR is uploaded, returned with what is missing, uploaded again as
    version 2 and accepted; the reminder about it stops once it is received and again once accepted."""
    from datetime import timedelta

    from ssgp_dhr.clock import today_uk
    from ssgp_dhr.extensions import db
    from ssgp_dhr.panel import services
    from ssgp_dhr.panel.models import AgencyRequest, RequestKind, RequestStatus
    from ssgp_dhr.panel.reminders import agency_requests_due

    coordinator = prepare_account(factories.coordinator())
    review = factories.review_at("panel", by=coordinator)
    police = factories.organisation("Constabulary", "Gloucestershire Constabulary")
    rep = prepare_account(factories.panel_member())
    factories.seat_on_panel(review, rep, agency=police)
    today = today_uk()
    asked = services.record_request(review, coordinator, agency_id=police.id, kind=RequestKind.IMR,
                                    requested_on=today - timedelta(days=40), due_on=today - timedelta(days=2))

    def reminded() -> bool:
        db.session.rollback()  # what the server committed
        return any(item.item == f"agency_request:{asked.id}" for item in agency_requests_due(today_uk()))

    def status() -> RequestStatus:
        db.session.rollback()
        return db.session.get(AgencyRequest, asked.id).status

    first, second = tmp_path / "imr.txt", tmp_path / "imr-v2.txt"
    first.write_text("Individual Management Review, Gloucestershire Constabulary (fictional).\n")
    second.write_text("Individual Management Review, version 2, with the 2023 contacts (fictional).\n")
    assert reminded()

    police_rep = visit("police representative")
    sign_in(police_rep.page, police_rep.base_url, rep, on_page=police_rep.check)
    police_rep.check("my work")
    press(police_rep.page, "#my-requests a.app-deliver")
    police_rep.check("deliver the imr")
    police_rep.page.set_input_files("input[type=file]", str(first))
    press(police_rep.page, "main form button.govuk-button")
    police_rep.check("delivered")
    assert status() is RequestStatus.RECEIVED and not reminded()

    office = visit("coordinator")
    sign_in(office.page, office.base_url, coordinator, on_page=office.check)
    office.check("my work")
    press(office.page, "#deliveries-to-take a")
    office.check("accept or return")
    office.page.check("input[name=decision][value=return]")
    office.page.fill("#missing", "The contacts with the victim in 2023 are missing.")
    press(office.page, "main form button.govuk-button")
    office.check("returned")
    assert status() is RequestStatus.RETURNED and reminded()  # owed again, and past its due date

    police_rep.goto("/")
    assert "Returned" in police_rep.page.locator("#my-requests").inner_text()
    press(police_rep.page, "#my-requests a.app-deliver")
    police_rep.check("deliver version 2")
    assert "The contacts with the victim in 2023 are missing." in police_rep.page.locator("#request-facts").inner_text()
    police_rep.page.set_input_files("input[type=file]", str(second))
    press(police_rep.page, "main form button.govuk-button")
    police_rep.check("delivered version 2")
    assert status() is RequestStatus.RECEIVED and not reminded()

    office.goto("/")
    press(office.page, "#deliveries-to-take a")
    office.check("accept version 2")
    assert "Version 2" in office.page.locator("#delivered-versions").inner_text()
    office.page.check("input[name=decision][value=accept]")
    press(office.page, "main form button.govuk-button")
    office.check("accepted")
    assert "Accepted" in office.page.locator("#agency-request-table").inner_text()
    assert status() is RequestStatus.ACCEPTED and not reminded()
    police_rep.goto("/")
    assert police_rep.page.locator("#my-requests").count() == 0
