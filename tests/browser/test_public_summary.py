"""A coordinator types the public summary with a real name in it, meets the finding on the form,
follows the error summary to the field, finds what they typed still there, corrects it and saves."""

from __future__ import annotations

import pytest

from ssgp_dhr.publication import services as publication
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in
from tests.browser.test_journeys import press

pytestmark = pytest.mark.browser


def test_a_coordinator_meets_a_finding_while_typing_the_public_summary(visit):
    coordinator = prepare_account(factories.coordinator())
    review = factories.review_at("approved", by=coordinator)

    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, coordinator, on_page=you.check)
    you.goto(f"/cases/{review.reference}/publication/details")
    typed = "Scott, aged 40, was killed by his partner. Victoria's family took part in the review."
    page.fill("#public_summary", typed)
    press(page, "main form button.govuk-button")
    you.check("finding")
    summary = page.locator(".govuk-error-summary")
    assert "Victim (Victoria Realname), found as the first name" in summary.inner_text()
    assert page.locator("#public_summary").input_value() == typed  # nothing typed is lost
    summary.locator("a[href='#public_summary']").click()
    assert page.evaluate("document.activeElement.id") == "public_summary"
    page.fill("#public_summary", typed.replace("Victoria's", "Scott's"))
    press(page, "main form button.govuk-button")
    you.check("saved")
    assert "Publication details saved" in page.locator("main").inner_text()
    assert publication.publication_record(review).public_summary == typed.replace("Victoria's", "Scott's")
