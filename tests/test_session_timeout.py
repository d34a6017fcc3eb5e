"""The warning before the session ends: the page asks how long is left without that counting as
activity, and 'Stay signed in' restarts the idle clock, but not the limit after signing in."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from ssgp_dhr.accounts.models import AccessEvent
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.test_sign_in import events

IDLE = 30 * 60


def keep_alive(client_request, form_page: str = "/"):
    token = client_request.csrf_token(form_page)
    return client_request.client.post("/session/keep-alive", headers={"X-CSRFToken": token})


def test_asking_how_long_is_left_does_not_keep_the_session_alive(client_request):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client_request.client, factories.coordinator())
        assert client_request.client.get("/session").json == {"signed_out_in": IDLE, "extendable": True}
        traveller.shift(timedelta(minutes=20))
        assert client_request.client.get("/session").json["signed_out_in"] == 10 * 60
        traveller.shift(timedelta(minutes=10))
        assert client_request.client.get("/session").json["signed_out_in"] == 0
        traveller.shift(timedelta(seconds=1))
        ended = client_request.client.get("/session")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/sign-in")
    assert len(events(AccessEvent.SESSION_EXPIRED)) == 1


def test_staying_signed_in_restarts_the_idle_clock(client_request):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client_request.client, factories.coordinator())
        traveller.shift(timedelta(minutes=29))
        stayed = keep_alive(client_request)
        assert stayed.status_code == 200 and stayed.json == {"signed_out_in": IDLE, "extendable": True}
        traveller.shift(timedelta(minutes=29))
        assert client_request.client.get("/").status_code == 200  # would have ended 28 minutes ago


def test_staying_signed_in_needs_the_forms_token(client_request):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client_request.client, factories.coordinator())
        traveller.shift(timedelta(minutes=10))
        refused = client_request.client.post("/session/keep-alive")
        assert refused.status_code == 400
        assert client_request.client.get("/session").json["signed_out_in"] == 20 * 60


def test_the_limit_after_signing_in_cannot_be_extended(client_request):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client_request.client, factories.coordinator())
        for _ in range(35):  # busy all day: a request every twenty minutes
            traveller.shift(timedelta(minutes=20))
            keep_alive(client_request)
        traveller.shift(timedelta(minutes=19))  # 11 hours 59 minutes after signing in
        assert client_request.client.get("/session").json == {"signed_out_in": 60, "extendable": False}
        assert keep_alive(client_request).json == {"signed_out_in": 60, "extendable": False}


def test_every_signed_in_page_carries_the_warning_and_public_pages_do_not(client_request, signed_in_as):
    assert client_request.get("/reviews").select_one("#session-timeout") is None
    with time_machine.travel(utcnow(), tick=False) as traveller:
        page = signed_in_as(factories.coordinator()).get("/")
        dialog = page.select_one("dialog#session-timeout")
        assert dialog["data-signed-out-in"] == str(IDLE)
        assert dialog["data-keep-alive-url"] == "/session/keep-alive"
        traveller.shift(timedelta(minutes=5))
        later = client_request.get("/cases").select_one("dialog#session-timeout")
    assert later["data-signed-out-in"] == str(IDLE)  # that page load was activity
    assert dialog.select_one("button[type=submit][form=sign-out]") is not None
    assert page.select_one("form#sign-out") is not None


def test_someone_who_must_change_their_password_still_gets_the_warning(client_request):
    person = factories.coordinator()
    person.must_change_password = True
    db.session.commit()
    sign_in(client_request.client, person)
    assert client_request.client.get("/session").status_code == 200
    assert keep_alive(client_request, form_page="/account/password").status_code == 200
