"""The keyboard alone (WCAG 2.2: 2.1.1 keyboard, 2.4.3 focus order, 2.4.7 focus visible): on the main
pages, pressing Tab reaches every link, button and field in the order they appear, and whatever has the
focus shows it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.demo import DEMO_PASSWORD, load_demo_data
from ssgp_dhr.extensions import db
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

# Number the elements Tab should reach, in document order: visible, enabled, not taken out of the tab
# order, and of each group of radios only the first (Tab enters a group once; arrows move within it).
MARK_FOCUSABLE = """() => {
  const seen = new Set();
  const candidates = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
  let n = 0;
  for (const el of candidates) {
    if (el.disabled || el.tabIndex < 0 || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest('dialog:not([open])')) continue;
    if (el.type === 'radio') { if (seen.has(el.name)) continue; seen.add(el.name); }
    el.dataset.tabStop = String(n++);
  }
  return n;
}"""

# Whether the focused element shows its focus: GOV.UK's yellow outline or its box-shadow underline.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {stop: el.dataset.tabStop ?? null, tag: el.tagName, text: (el.innerText || el.name || '').slice(0, 40),
          visible: outlined || style.boxShadow !== 'none'};
}"""


def tab_through(page) -> tuple[int, list[dict]]:
    expected = page.evaluate(MARK_FOCUSABLE)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    visited = []
    for _ in range(expected):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(FOCUSED))
    return expected, visited


def assert_keyboard_reaches_everything(page) -> None:
    expected, visited = tab_through(page)
    assert expected > 3, f"{page.url}: too few stops to be a real page"
    assert [v["stop"] for v in visited] == [str(n) for n in range(expected)], \
        f"{page.url}: the Tab order differs from the page's order: {visited}"
    unseen = [v for v in visited if not v["visible"]]
    assert unseen == [], f"{page.url}: focus not visible on {unseen}"


def test_the_main_pages_work_with_the_keyboard_alone(visit):
    load_demo_data()
    reader = visit("public")
    for path in ("/sign-in", "/reviews", "/accessibility"):
        reader.goto(path)
        assert_keyboard_reaches_everything(reader.page)

    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@ssgp.example"))
    you = visit("coordinator")
    sign_in(you.page, you.base_url, coordinator, password=DEMO_PASSWORD)
    for path in ("/", "/cases", "/cases/SSGP-DHR-2024-001", "/cases/new", "/action-plans", "/account"):
        you.goto(path)
        assert_keyboard_reaches_everything(you.page)
