"""A coordinator records the notification of a suicide from the coroner, then the coroner's request for the
report; once the review is published, a copy sent; a manager reads the statistics for suicides only. Every
page is checked with axe and photographed."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ssgp_dhr.publication import copies
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in
from tests.browser.test_journeys import press

pytestmark = pytest.mark.browser


def test_a_suicide_review_from_notification_to_copies_sent(visit):
    coordinator = prepare_account(factories.coordinator())
    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, coordinator, on_page=you.check)
    you.goto("/cases/new")
    assert page.locator("label[for=perpetrator_name]").inner_text().startswith("Full name of the perpetrator, or")
    page.fill("#pseudonym", "Jamie")
    page.check("input[name=death_kind][value=suicide]")
    page.fill("#victim_name", "Sol Realname")
    page.fill("#date_of_death-day", "1")
    page.fill("#date_of_death-month", "3")
    page.fill("#date_of_death-year", "2026")
    page.fill("#notified_on-day", "5")
    page.fill("#notified_on-month", "3")
    page.fill("#notified_on-year", "2026")
    page.check("input[name=notifier_kind][value=coroner]")
    page.fill("#notified_by", "HM Coroner for Gloucestershire")
    press(page, "main form button.govuk-button")
    you.check("recorded")
    text = page.locator("main").inner_text()
    assert "Suicide or suspected suicide following domestic abuse" in text
    assert "by the coroner: HM Coroner for Gloucestershire" in text
    assert "perpetrator" not in text.lower()

    you.goto(urlparse(page.url).path + "/edit")
    assert page.locator("label[for=perpetrator_name]").inner_text().strip() == (
        "Full name of the person alleged to have caused harm")

    published = factories.review_at("published", coordinator, death_kind="suicide", pseudonym="Kit")
    copies.add_usual_recipients(coordinator, published.lead_partnership_id)
    you.goto(f"/cases/{published.reference}/publication/copies")
    page.check("input[name=recipient_id] >> nth=0")
    page.fill("#sent_on-day", str(published.published_on.day))
    page.fill("#sent_on-month", str(published.published_on.month))
    page.fill("#sent_on-year", str(published.published_on.year))
    press(page, "main form button.govuk-button")
    you.check("copy-sent")
    assert "The copy sent is recorded" in page.locator("main").inner_text()
    you.goto("/publication/copy-recipients")
    you.goto("/publication?kind=suicide")
    assert "Copies still to send" in page.locator("main").inner_text()
    you.goto("/publication/statistics?kind=suicide")
    assert "Reviews per year, by kind of death" in page.locator("main").inner_text()
