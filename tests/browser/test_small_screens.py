"""At 375 pixels wide (a phone), the case list, My work and the publication board show each review's
reference, stage and next deadline without scrolling sideways: their rows stack, each cell with its
column's name. The workflow diagram keeps its text at its own size and scrolls in its own region."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.demo import DEMO_PASSWORD, load_demo_data
from ssgp_dhr.extensions import db
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

PHONE = 375


def _beyond_the_screen(page, selector: str) -> list[str]:
    """The text of every cell of `selector` that reaches past the window's right edge, or is cut off."""
    return page.evaluate("""([selector, width]) => [...document.querySelectorAll(selector)]
        .filter(cell => { const box = cell.getBoundingClientRect();
                          return box.width > 0 && (box.right > width + 0.5 || cell.scrollWidth > cell.clientWidth + 1); })
        .map(cell => cell.dataset.label + ': ' + cell.innerText)""", [selector, PHONE])


def test_the_lists_show_reference_stage_and_deadline_on_a_phone(visit):
    load_demo_data()
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@ssgp.example"))
    you = visit("coordinator", width=PHONE)
    sign_in(you.page, you.base_url, coordinator, password=DEMO_PASSWORD)
    for path, table, wanted in (("/cases", "#reviews", ("Reference", "Stage", "Next deadline")),
                                ("/", "#open-reviews", ("Reference", "Stage", "Next deadline")),
                                ("/publication", "main table", ("Reference", "Stage"))):
        you.goto(path)
        page = you.page
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
        for label in wanted:
            cells = page.locator(f"{table} td[data-label='{label}']")
            assert cells.count() > 0, (path, label)
            assert cells.first.is_visible(), (path, label)
        assert _beyond_the_screen(page, f"{table} td") == [], path
        # Nothing in the table's own region needs scrolling either.
        assert page.evaluate(f"""[...document.querySelectorAll('{table}')].every(
            t => {{ const r = t.closest('.app-table-scroll') || t; return r.scrollWidth <= r.clientWidth + 1; }})"""), path

    you.goto("/workflow")
    text_size = you.page.evaluate("""() => { const t = document.querySelector('.app-workflow-diagram text');
        return t.getBoundingClientRect().height; }""")
    assert text_size >= 14  # readable: drawn at its own size, not shrunk to the phone's width
    region = you.page.locator(".app-workflow__scroll")
    assert region.get_attribute("tabindex") == "0"
    assert you.page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
