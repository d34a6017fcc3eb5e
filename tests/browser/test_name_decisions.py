"""A manager of the lead partnership confirms a coordinator's decision to allow a name, from the case
page's link to the names page; the name itself is never on their pages."""

from __future__ import annotations

import pytest

from ssgp_dhr.extensions import db
from ssgp_dhr.publication import name_decisions
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in
from tests.browser.test_journeys import press
from tests.test_name_decisions import allow, ml_review

pytestmark = pytest.mark.browser


def test_a_manager_confirms_a_name_allowed_for_publication(visit):
    review, coordinator = ml_review()
    decision = allow(review, coordinator, "victim_name")
    manager = prepare_account(factories.manager())

    you = visit("manager")
    page = you.page
    sign_in(page, you.base_url, manager, on_page=you.check)
    you.goto(f"/cases/{review.reference}/home-office")
    press(page, "a:has-text('Names allowed for publication')")
    you.check("names")
    assert "Waiting for a second person" in page.locator(f"#decision-{decision.id}").inner_text()
    assert "Liddell" not in page.content()
    press(page, f"#confirm-{decision.id}")
    you.check("confirmed")
    assert "Decision confirmed" in page.locator("main").inner_text()
    db.session.rollback()  # read what the server committed
    assert name_decisions.allowed_keys(review) == {"victim_name"}
