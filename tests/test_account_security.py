"""Account security that the person can see: an email when their password or authenticator changes,
when an administrator sets a temporary password or resets the authenticator, or when the account is
locked; and the recent activity on Your account."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from ssgp_dhr.accounts import account_email, lockout, second_factor
from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.accounts.passwords import verify_password
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.reminders.models import OutboxMessage
from tests import factories
from tests.conftest import sign_in
from tests.pages import ClientRequest, check_page
from tests.test_password_reset import choose, emailed_link, refusing_mail_server  # noqa: F401 - the fixture
from tests.test_sign_in import enrolled, give_code, give_password

NEW_PASSWORD = "plum kettle orbit lantern"


def subjects_sent_to(person: User) -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.recipient_email == person.email)
                                   .order_by(OutboxMessage.id)))


def last_body_sent_to(person: User) -> str:
    return db.session.scalars(sa.select(OutboxMessage.body).where(OutboxMessage.recipient_email == person.email)
                              .order_by(OutboxMessage.id.desc())).first()


def change_password(client_request, person: User):
    return client_request.post("/account/password", {"current_password": factories.PASSWORD,
                                                     "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})


@pytest.fixture
def admin(client_request):
    administrator = factories.user((Role.ADMIN, factories.ssgp()))
    sign_in(client_request.client, administrator)
    return client_request


def test_changing_your_password_is_told_to_you_by_email(client_request):
    person = enrolled(factories.coordinator())
    with time_machine.travel("2026-07-01 09:30:00+00:00", tick=False):
        sign_in(client_request.client, person)
        change_password(client_request, person)
    assert subjects_sent_to(person) == ["Your password was changed: Domestic Homicide Review tracker"]
    body = last_body_sent_to(person)
    assert "on 1 July 2026 at 10:30am (UK time)" in body  # British Summer Time
    assert account_email.IF_NOT_YOU in body
    assert "http" not in body  # nothing to click: an attacker's copy of the message would be no use


def test_a_password_chosen_from_an_emailed_link_is_told_too(client_request):
    person = factories.coordinator()
    choose(client_request, emailed_link(client_request, person))
    assert subjects_sent_to(person)[-1] == "Your password was changed: Domestic Homicide Review tracker"
    assert "using a link emailed to you" in last_body_sent_to(person)


def test_an_administrators_temporary_password_and_authenticator_reset_are_told(admin):
    person = enrolled(factories.panel_member())
    page = f"/admin/users/{person.id}"
    admin.post(f"{page}/temporary-password", token_from=page, expected_status=200)
    admin.post(f"{page}/reset_second_factor", token_from=page)
    admin.post(f"{page}/end_sessions", token_from=page)  # no notice: nothing about the account's security changed
    assert subjects_sent_to(person) == ["An administrator set you a temporary password: Domestic Homicide Review tracker",
                                        "Your authenticator app was reset: Domestic Homicide Review tracker"]


def test_moving_to_another_authenticator_is_told_but_setting_up_the_first_is_not(client_request):
    newcomer = factories.coordinator()
    give_password(client_request, newcomer)
    secret = client_request.get("/sign-in/set-up-authenticator").select_one(".app-secret-key").get_text().replace(" ", "")
    client_request.post("/sign-in/set-up-authenticator", {"code": second_factor.code_for(secret)}, 200)
    assert subjects_sent_to(newcomer) == []

    person = enrolled(factories.coordinator())
    sign_in(client_request.client, person)
    secret = client_request.get("/account/authenticator").select_one(".app-secret-key").get_text().replace(" ", "")
    client_request.post("/account/authenticator", {"code": second_factor.code_for(secret)}, 200)
    assert subjects_sent_to(person) == ["Your authenticator app was changed: Domestic Homicide Review tracker"]


def test_a_locked_account_is_told_once_with_the_real_limits(client_request):
    person = enrolled(factories.coordinator())
    for _ in range(lockout.MAX_FAILURES + 2):
        give_password(client_request, person, "wrong password!!", 200)
    assert subjects_sent_to(person) == ["Your account was locked for 15 minutes: Domestic Homicide Review tracker"]
    body = last_body_sent_to(person)
    assert f"after {lockout.MAX_FAILURES} attempts" in body
    assert f"after {int(lockout.LOCKED_FOR.total_seconds() // 60)} minutes" in body


def test_a_notice_that_cannot_be_sent_does_not_undo_the_change(client_request, refusing_mail_server, caplog):  # noqa: F811
    person = enrolled(factories.coordinator())
    sign_in(client_request.client, person)
    with caplog.at_level(logging.WARNING):
        assert change_password(client_request, person).headers["Location"] == "/account"
    db.session.refresh(person)
    assert verify_password(person.password_hash, NEW_PASSWORD)
    assert f"user {person.id}" in caplog.text and person.email not in caplog.text


def test_your_account_shows_the_recent_activity_on_it_and_nothing_else(app, admin):
    client_request = ClientRequest(app.test_client())
    person = enrolled(factories.coordinator())
    someone_else = enrolled(factories.coordinator())
    page = f"/admin/users/{person.id}"
    with time_machine.travel(utcnow(), tick=False) as traveller:
        admin.post(f"{page}/roles", {"roles": [f"coordinator:{factories.ssgp().id}", f"manager:{factories.ssgp().id}"]},
                   token_from=page)
        traveller.shift(timedelta(minutes=1))
        give_password(client_request, someone_else, "wrong password!!", 200)
        give_password(client_request, person, "wrong password!!", 200)
        traveller.shift(timedelta(minutes=1))
        give_password(client_request, person)
        give_code(client_request, person)
        client_request.get("/cases")  # work, not account security: not listed
        traveller.shift(timedelta(minutes=1))
        page = client_request.get("/account")
    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in page.select("#recent-activity ~ div table tbody tr")]
    assert [row[1] for row in rows] == ["Signed in", "Sign in failed", "Roles changed, by an account administrator"]
    assert rows[0][2] == "127.0.0.1" and rows[2][2] == "Not shown"


def test_the_lockout_notice_goes_after_the_page_so_the_tenth_attempt_is_not_slower(app):
    person = enrolled(factories.coordinator())
    browser = FlaskClient(app)  # a client that leaves closing the response to the test
    token = check_page(browser.get("/sign-in")).find("input", attrs={"name": "csrf_token"})["value"]
    for _ in range(lockout.MAX_FAILURES):
        page = browser.post("/sign-in", data={"email": person.email, "password": "wrong password!!", "csrf_token": token})
        assert page.status_code == 200
    db.session.rollback()
    assert subjects_sent_to(person) == []
    page.close()
    db.session.rollback()
    assert subjects_sent_to(person) == ["Your account was locked for 15 minutes: Domestic Homicide Review tracker"]
