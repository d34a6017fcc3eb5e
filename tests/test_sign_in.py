"""Signing in: password then second factor (TOTP, or a recovery code), lockout, rate limit, sign-out and timeouts."""

from __future__ import annotations

import contextvars
import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from ssgp_dhr import create_app
from ssgp_dhr.accounts import second_factor
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, User
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.pages import check_page

START = datetime(2026, 11, 24, 10, 0, 5, tzinfo=UTC)  # early in a 30-second step


def enrolled(person: User) -> User:
    person.totp_secret = second_factor.new_secret()
    person.totp_confirmed_at = utcnow()
    db.session.commit()
    return person


def give_password(client_request, person: User, password: str = factories.PASSWORD, expected: int = 302):
    return client_request.post("/sign-in", {"email": person.email, "password": password}, expected)


def give_code(client_request, person: User, code: str | None = None, expected: int = 302):
    code = code or second_factor.code_for(person.totp_secret)
    return client_request.post("/sign-in/security-code", {"code": code}, expected)


def events(kind: AccessEvent) -> list[AccessLogEntry]:
    return db.session.scalars(sa.select(AccessLogEntry).where(AccessLogEntry.event == kind)).all()


def test_the_sign_in_page_is_a_checked_page(client_request):
    page = client_request.get("/sign-in")
    assert page.h1.get_text(strip=True) == "Sign in"
    assert "Sign in –" in page.title.get_text()


def test_password_then_security_code_reaches_my_work(client_request):
    person = enrolled(factories.coordinator())
    assert give_password(client_request, person).headers["Location"] == "/sign-in/security-code"
    assert client_request.client.get("/").status_code == 302  # not signed in before the code
    assert give_code(client_request, person).headers["Location"] == "/"
    page = client_request.get("/")
    assert page.h1.get_text(strip=True) == "My work"
    assert events(AccessEvent.SIGNED_IN)[0].user_id == person.id


def test_the_page_asked_for_is_reached_after_both_factors(client_request):
    person = enrolled(factories.coordinator())
    client_request.get("/sign-in?next=/workflow")
    client_request.client.post("/sign-in?next=/workflow", data={
        "email": person.email, "password": factories.PASSWORD, "csrf_token": client_request.csrf_token("/sign-in")})
    assert give_code(client_request, person).headers["Location"] == "/workflow"


def test_first_sign_in_sets_up_the_authenticator_with_a_local_qr_code_and_recovery_codes(client_request):
    person = factories.coordinator()
    assert give_password(client_request, person).headers["Location"] == "/sign-in/set-up-authenticator"
    page = client_request.get("/sign-in/set-up-authenticator")
    svg = page.select_one(".app-qr-code svg")
    assert svg is not None and not page.find(attrs={"style": True})
    assert not page.find("img", src=lambda s: s and s.startswith("http"))
    secret = page.select_one(".app-secret-key").get_text().replace(" ", "")
    wrong = client_request.post("/sign-in/set-up-authenticator", {"code": "000000"}, 200)
    assert wrong.select_one(".govuk-error-summary a")["href"] == "#code"
    assert wrong.select_one(".app-secret-key").get_text().replace(" ", "") == secret  # the same secret on a retry
    page = client_request.post("/sign-in/set-up-authenticator", {"code": second_factor.code_for(secret)}, 200)
    codes = [c.get_text() for c in page.select(".app-recovery-codes code")]
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    person = db.session.get(User, person.id)
    assert person.totp_secret == secret and person.has_second_factor
    assert all(c not in {r.code_hash for r in person.recovery_codes} for c in codes)  # only hashes kept
    assert client_request.get("/").h1.get_text(strip=True) == "My work"


def test_a_security_code_is_accepted_only_once(client_request, client, app):
    with time_machine.travel(START, tick=False):
        person = enrolled(factories.coordinator())
        code = second_factor.code_for(person.totp_secret)
        give_password(client_request, person)
        give_code(client_request, person, code)
        client_request.post("/sign-out", token_from="/")
        give_password(client_request, person)
        page = give_code(client_request, person, code, expected=200)
        assert "Enter a correct security code" in page.select_one(".govuk-error-summary").get_text()
        assert client_request.client.get("/").status_code == 302
        assert len(events(AccessEvent.SECOND_FACTOR_FAILED)) == 1


def test_a_recovery_code_signs_in_once(client_request):
    person = enrolled(factories.coordinator())
    codes = second_factor.issue_recovery_codes(person)
    db.session.commit()
    give_password(client_request, person)
    client_request.post("/sign-in/recovery-code", {"code": codes[0].upper()})
    assert client_request.get("/").h1.get_text(strip=True) == "My work"
    client_request.post("/sign-out", token_from="/")
    give_password(client_request, person)
    client_request.post("/sign-in/recovery-code", {"code": codes[0]}, 200)
    assert client_request.client.get("/").status_code == 302


def test_the_second_factor_pages_need_the_password_first(client):
    for path in ("/sign-in/security-code", "/sign-in/recovery-code", "/sign-in/set-up-authenticator"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/sign-in"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client_request):
    person = enrolled(factories.coordinator())
    wrong = give_password(client_request, person, "wrong password!!", 200)
    unknown = client_request.post("/sign-in", {"email": "nobody@example.org", "password": "wrong password!!"}, 200)
    assert wrong.select_one(".govuk-error-summary").get_text() == unknown.select_one(".govuk-error-summary").get_text()
    logged = events(AccessEvent.SIGN_IN_FAILED)
    assert {e.user_id for e in logged} == {person.id, None}
    assert "nobody@example.org" in {e.email for e in logged}


def test_a_missing_email_is_reported_in_the_error_summary_and_keeps_what_was_typed(client_request):
    page = client_request.post("/sign-in", {"email": "not-an-email", "password": "x"}, 200)
    summary = page.select_one(".govuk-error-summary")
    assert "correct format" in summary.get_text()
    assert summary.find("a")["href"] == "#email"
    assert page.find("input", id="email")["value"] == "not-an-email"
    assert page.title.get_text().startswith("Error: ")


def test_a_post_without_a_csrf_token_gets_a_friendly_400(client):
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    page = check_page(response)
    assert "expired" in page.get_text()


def test_ten_failures_lock_the_account_even_for_the_right_password(client_request):
    person = enrolled(factories.coordinator())
    first = give_password(client_request, person, "wrong password!!", 200)
    for _ in range(9):
        give_password(client_request, person, "wrong password!!", 200)
    locked = give_password(client_request, person, expected=200)  # the right password, refused
    assert locked.select_one(".govuk-error-summary").get_text() == first.select_one(".govuk-error-summary").get_text()
    assert len(events(AccessEvent.LOCKED_OUT)) == 1
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert give_password(client_request, person).headers["Location"] == "/sign-in/security-code"


def test_failures_spread_beyond_fifteen_minutes_do_not_lock(client_request):
    person = enrolled(factories.coordinator())
    with time_machine.travel(utcnow()) as traveller:
        for _ in range(9):
            give_password(client_request, person, "wrong password!!", 200)
        traveller.shift(timedelta(minutes=16))
        give_password(client_request, person, "wrong password!!", 200)
        assert give_password(client_request, person).status_code == 302
    assert events(AccessEvent.LOCKED_OUT) == []


def test_wrong_security_codes_count_towards_the_lockout(client_request):
    person = enrolled(factories.coordinator())
    give_password(client_request, person)
    for _ in range(10):
        give_code(client_request, person, "000000", expected=200)
    give_code(client_request, person, expected=200)  # the right code, refused while locked
    assert client_request.client.get("/").status_code == 302
    assert len(events(AccessEvent.LOCKED_OUT)) == 1


def test_sign_out_ends_the_session_on_the_server(client_request):
    person = enrolled(factories.coordinator())
    give_password(client_request, person)
    give_code(client_request, person)
    with client_request.client.session_transaction() as session:
        copied = dict(session)
    client_request.post("/sign-out", token_from="/")
    with client_request.client.session_transaction() as session:
        session.update(copied)  # replay the old cookie
    assert client_request.client.get("/").status_code == 302


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(client_request):
    person = enrolled(factories.coordinator())
    sign_in(client_request.client, person)
    person.is_enabled = False
    db.session.commit()
    assert client_request.client.get("/").status_code == 302
    assert give_password(client_request, person, expected=200).select_one(".govuk-error-summary")


@pytest.mark.parametrize(("after", "signed_in"), [
    (timedelta(minutes=29), True), (timedelta(minutes=31), False)])
def test_an_idle_session_ends_after_thirty_minutes(client_request, after, signed_in):
    person = factories.coordinator()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client_request.client, person)
        traveller.shift(after)
        response = client_request.client.get("/")
    assert (response.status_code == 200) is signed_in
    if not signed_in:
        assert response.headers["Location"].startswith("/sign-in")
        assert len(events(AccessEvent.SESSION_EXPIRED)) == 1


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(client_request):
    person = factories.coordinator()
    answered = 0
    with time_machine.travel(utcnow(), tick=False) as traveller:
        sign_in(client_request.client, person)
        for _ in range(40):  # a request every twenty minutes: never idle
            traveller.shift(timedelta(minutes=20))
            response = client_request.client.get("/workflow")
            if response.status_code != 200:
                break
            answered += 1
    assert answered == 36  # up to and including 12 hours, and not after
    assert response.status_code == 302
    assert len(events(AccessEvent.SESSION_EXPIRED)) == 1


def test_a_session_cookie_without_the_sign_in_clocks_is_refused(client):
    person = factories.coordinator()
    with client.session_transaction() as session:
        session["_user_id"] = person.get_id()
    assert client.get("/").status_code == 302


def _limited_app(storage: str):
    return create_app("test", {
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
        "WTF_CSRF_ENABLED": False,
    })


def _hit_until_limited(storage: str) -> list[int]:
    from ssgp_dhr.extensions import limiter

    # The limiter is one object for every app in the process: put its switch back afterwards, so the
    # other tests' app (limits off) is not limited by this one.
    was_enabled = limiter.enabled
    app = _limited_app(storage)
    try:
        with app.app_context():
            db.create_all()
            limiter.reset()
            client = app.test_client()
            # The clock stands still, so a slow machine cannot stretch 31 attempts past the limit's window.
            with time_machine.travel(datetime.now(UTC), tick=False):
                statuses, other = _thirty_one_attempts_then_another_address(client)
            limiter.reset()
    finally:
        limiter.enabled = was_enabled
    return [*statuses, other]


def _thirty_one_attempts_then_another_address(client: FlaskClient) -> tuple[list[int], int]:
    statuses = [client.post("/sign-in", data={"email": "a@example.org", "password": "wrong password!!"},
                            environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code for _ in range(31)]
    other = client.post("/sign-in", data={"email": "a@example.org", "password": "x"},
                        environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code
    return statuses, other


def test_sign_in_attempts_are_rate_limited_per_address_in_memory():
    statuses = contextvars.Context().run(_hit_until_limited, "memory://")
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert statuses[31] == 200  # another address is not affected


@pytest.mark.skipif(not os.environ.get("REDIS_TEST_URL"), reason="set REDIS_TEST_URL to test the rate limit on Redis")
def test_sign_in_attempts_are_rate_limited_per_address_in_redis():
    statuses = contextvars.Context().run(_hit_until_limited, os.environ["REDIS_TEST_URL"])
    assert statuses[30] == 429
    assert statuses[31] == 200


def test_only_the_second_factor_pages_are_open_between_password_and_code(app):
    from ssgp_dhr.access import rule_for

    pending = {e for e in app.view_functions if (rule := rule_for(app, e)) and rule.second_factor_pending}
    assert pending == {"accounts.security_code", "accounts.recovery_code", "accounts.set_up_authenticator"}


def test_between_password_and_code_no_signed_in_page_opens(client_request):
    person = enrolled(factories.coordinator())
    give_password(client_request, person)
    for path in ("/", "/account", "/workflow"):
        assert client_request.client.get(path).headers["Location"].startswith("/sign-in"), path
