"""Every page of every demonstration review, as its coordinators see it at 1280 pixels wide: none taller
than three screens, and each passes axe (as every visit does)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.demo import DEMO_PASSWORD, load_demo_data
from ssgp_dhr.extensions import db
from tests.browser.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH, SCREEN = 1280, 800
SCREENS = 3


@pytest.mark.parametrize("email", ["coordinator@ssgp.example", "coordinator@safer-glos.example"])
def test_no_page_of_a_demo_review_is_taller_than_three_screens(visit, app, monkeypatch, email):
    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", 6)  # as in development
    load_demo_data()
    coordinator = db.session.scalar(sa.select(User).where(User.email == email))
    you = visit(email.split("@")[1], width=WIDTH)
    you.page.set_viewport_size({"width": WIDTH, "height": SCREEN})
    sign_in(you.page, you.base_url, coordinator, password=DEMO_PASSWORD)
    partnerships = coordinator.partnerships_for(next(iter(coordinator.held_roles)))
    references = db.session.scalars(sa.select(Review.reference).where(sa.or_(
        Review.lead_partnership_id.in_(partnerships), Review.joint_partnership_id.in_(partnerships)))
        .order_by(Review.reference)).all()
    assert len(references) >= 5
    heights = {}
    for reference in references:
        you.goto(f"/cases/{reference}")
        pages = [a.get_attribute("href") for a in you.page.locator(".app-review-navigation a").all()]
        for href in pages:
            if href != f"/cases/{reference}":
                you.goto(href)
            heights[href] = you.page.evaluate("document.documentElement.scrollHeight")
    assert {href: px for href, px in heights.items() if px > SCREENS * SCREEN} == {}
