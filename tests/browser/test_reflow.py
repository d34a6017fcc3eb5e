"""Reflow (WCAG 2.2, 1.4.10): at 320 CSS pixels wide, the width of a 1280-pixel screen zoomed to 400%,
no page needs scrolling sideways. Wide tables scroll inside their own region, which the criterion
allows. Each page is also checked with axe at that width, as every visit is."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.demo import DEMO_PASSWORD, load_demo_data
from ssgp_dhr.extensions import db
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

NARROW = 320
PUBLIC_PAGES = ["/sign-in", "/reviews", "/reviews/SSGP-DHR-2024-001", "/accessibility", "/privacy", "/cookies"]
COORDINATOR_PAGES = [
    "/", "/cases", "/cases?status=open&sort=deadline", "/cases/SSGP-DHR-2024-001",
    "/cases/SSGP-DHR-2024-001/history", "/cases/SSGP-DHR-2024-001/costs/new", "/action-plans",
    "/publication", "/publication/statistics", "/workflow", "/account", "/cases/new",
]
ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/access-log", "/outbox"]


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def demo_account(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_the_main_pages_reflow_at_320_pixels(visit, app, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", 6)  # as in development: the demo's oldest is due
    load_demo_data()
    reader = visit("public", width=NARROW)
    too_wide = {}
    for path in PUBLIC_PAGES:
        reader.goto(path)
        too_wide[path] = sideways_overflow(reader.page)

    coordinator = demo_account("coordinator@ssgp.example")
    you = visit("coordinator", width=NARROW)
    sign_in(you.page, you.base_url, coordinator, password=DEMO_PASSWORD)
    for path in COORDINATOR_PAGES:
        you.goto(path)
        too_wide[path] = sideways_overflow(you.page)

    due = db.session.scalar(sa.select(Review.reference).where(Review.pseudonym == "Kai"))
    manager = visit("manager", width=NARROW)
    sign_in(manager.page, manager.base_url, demo_account("manager@ssgp.example"), password=DEMO_PASSWORD)
    for path in ["/case-files", f"/cases/{due}", f"/cases/{due}/case-file/dispose", f"/cases/{due}/case-file/keep-longer"]:
        manager.goto(path)
        too_wide[path] = sideways_overflow(manager.page)

    admin = visit("admin", width=NARROW)
    sign_in(admin.page, admin.base_url, demo_account("admin@ssgp.example"), password=DEMO_PASSWORD)
    for path in [*ADMIN_PAGES, f"/admin/users/{coordinator.id}"]:
        admin.goto(path)
        too_wide[path] = sideways_overflow(admin.page)
    assert {path: px for path, px in too_wide.items() if px > 0} == {}
