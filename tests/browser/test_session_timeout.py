"""The warning before the session ends, in a real browser: the page's clock is Playwright's and the
server's is shifted to match, so half an hour passes in a moment. Warned two minutes before, the
person can stay signed in without losing what they typed; if they do not answer, the page goes to
the sign-in page, which says why."""

from __future__ import annotations

import re

import pytest

from ssgp_dhr import access
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in

pytestmark = pytest.mark.browser

IDLE = 30 * 60
WARNING = access.SESSION_WARNING_SECONDS


@pytest.fixture
def server_clock(monkeypatch):
    """Seconds to add to the server's clock for the session's limits."""
    shift = {"seconds": 0}
    real = access.now_seconds
    monkeypatch.setattr(access, "now_seconds", lambda: real() + shift["seconds"])
    return shift


def test_warned_before_the_session_ends_stay_signed_in_then_let_it_end(visit, server_clock):
    person = prepare_account(factories.coordinator())
    you = visit("coordinator")
    page = you.page
    page.clock.install()
    sign_in(page, you.base_url, person, on_page=you.check)
    you.goto("/cases/new")
    page.fill("#pseudonym", "Robin")
    dialog = page.locator("#session-timeout")
    assert not dialog.is_visible()

    server_clock["seconds"] += IDLE - 100
    page.clock.fast_forward((IDLE - WARNING) * 1000)
    dialog.wait_for(state="visible")
    assert "You're about to be signed out" in dialog.inner_text()
    assert "2 minutes" in dialog.locator("#session-timeout-extendable").inner_text()
    assert dialog.get_attribute("aria-describedby") == "session-timeout-extendable"
    you.check("warning before the session ends")

    page.keyboard.press("Enter")  # the dialog opens with "Stay signed in" focused
    dialog.wait_for(state="hidden")
    assert page.input_value("#pseudonym") == "Robin"

    # The server's idle clock restarted: with no answer this time, the session ends.
    server_clock["seconds"] += IDLE - 60
    page.clock.fast_forward((IDLE - WARNING) * 1000)
    dialog.wait_for(state="visible")
    # A minute was left when the page asked; on a busy machine a second or two more has passed since.
    assert re.search(r"sign you out in (1 minute|5\d seconds)", dialog.inner_text())
    server_clock["seconds"] += 61
    with page.expect_navigation():
        page.clock.fast_forward(60 * 1000)
    page.wait_for_url("**/sign-in**")
    you.check("signed out when the session ended")
    assert "You were signed out because your session ended" in page.inner_text("main")


def test_the_limit_after_signing_in_is_warned_of_without_the_offer_to_stay(visit, server_clock):
    person = prepare_account(factories.coordinator())
    you = visit("coordinator")
    page = you.page
    page.clock.install()
    sign_in(page, you.base_url, person)
    for _ in range(35):  # busy all day, a page every 20 minutes: the idle clock restarts, the limit stays
        server_clock["seconds"] += 20 * 60
        assert page.request.get(you.base_url + "/workflow", max_redirects=0).status == 200
    you.goto("/cases")  # 20 minutes before the limit

    server_clock["seconds"] += 20 * 60 - 90
    page.clock.fast_forward((IDLE - WARNING) * 1000)
    dialog = page.locator("#session-timeout")
    dialog.wait_for(state="visible")
    assert dialog.get_attribute("aria-describedby") == "session-timeout-final"
    assert "You can stay signed in for up to 12 hours" in dialog.inner_text()
    assert not page.locator("#session-timeout [data-action=stay]").is_visible()
    you.check("warning before the limit after signing in")
    page.locator("#session-timeout [data-action=close]").click()
    dialog.wait_for(state="hidden")
