"""Forgotten passwords: a link by e-mail, good once and for an hour, to choose a new password. The page
never says whether an address has an account, and signing in afterwards still needs the second factor."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from ssgp_dhr.accounts import password_reset
from ssgp_dhr.accounts.models import AccessEvent, Role, User
from ssgp_dhr.accounts.passwords import verify_password
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.reminders import mailer
from ssgp_dhr.reminders.models import OutboxMessage
from tests import factories
from tests.conftest import sign_in
from tests.pages import check_page
from tests.test_sign_in import enrolled, events, give_password

NEW_PASSWORD = "lantern orchard velvet quarry"


class RefusingMailer:
    """A mail server that answers every message with a refusal."""

    description = "refuses everything"

    def send(self, reminder, message):
        raise mailer.Refused("the mail server refused the message (550)")

    def close(self):
        pass


@pytest.fixture
def refusing_mail_server(monkeypatch):
    monkeypatch.setattr(mailer, "mailer_for", lambda config: RefusingMailer())


def ask_for_a_link(client_request, email: str):
    return client_request.post("/sign-in/forgotten-password", {"email": email}, expected_status=200)


def sent_to(email: str) -> list[OutboxMessage]:
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient_email == email)).all()


def link_in(message: OutboxMessage) -> str:
    found = re.search(r"https://dhr\.example\.org(/sign-in/new-password/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def emailed_link(client_request, person: User) -> str:
    ask_for_a_link(client_request, person.email)
    return link_in(sent_to(person.email)[-1])


def choose(client_request, link: str, password: str = NEW_PASSWORD, confirm: str | None = None, expected: int = 302,
           token_from: str | None = None):
    return client_request.post(link, {"new_password": password, "confirm_password": confirm or password}, expected,
                               token_from=token_from)


def test_the_sign_in_page_offers_a_link_for_a_forgotten_password(client_request):
    page = client_request.get("/sign-in")
    assert page.select_one("main a[href='/sign-in/forgotten-password']").get_text(strip=True) == "Forgotten your password?"


def test_an_account_is_e_mailed_a_link_and_the_answer_is_the_same_for_an_unknown_address(client_request):
    person = factories.coordinator()
    known = ask_for_a_link(client_request, person.email.upper())
    unknown = ask_for_a_link(client_request, "nobody@ssgp.example")

    def answer(page, email):
        return page.select_one("main").get_text(" ", strip=True).replace(email, "ADDRESS")

    assert answer(known, person.email.upper()) == answer(unknown, "nobody@ssgp.example")
    assert known.h1.get_text(strip=True) == "Check your email"
    [message] = sent_to(person.email)
    assert message.reminder_id is None
    assert message.subject == "Set a new password for the Domestic Homicide Review tracker"
    assert "It works once." in message.body and person.full_name not in message.body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    requested = events(AccessEvent.PASSWORD_RESET_REQUESTED)
    assert [(e.user_id, e.email) for e in requested] == [(person.id, None), (None, "nobody@ssgp.example")]


def test_a_disabled_account_is_sent_nothing(client_request):
    person = factories.coordinator()
    person.is_enabled = False
    db.session.commit()
    assert ask_for_a_link(client_request, person.email).h1.get_text(strip=True) == "Check your email"
    assert sent_to(person.email) == []


def test_the_link_sets_a_new_password_ends_every_session_and_sign_in_still_asks_for_the_code(client, client_request, app):
    person = enrolled(factories.coordinator())
    elsewhere = app.test_client()
    sign_in(elsewhere, person)
    assert elsewhere.get("/").status_code == 200
    person.failed_sign_ins, person.failures_since = 4, utcnow()
    db.session.commit()

    link = emailed_link(client_request, person)
    form = client_request.get(link)
    assert form.h1.get_text(strip=True) == "Choose a new password"
    done = choose(client_request, link)
    assert done.headers["Location"] == "/sign-in"
    assert "Your password has been changed" in client_request.get("/sign-in").select_one(".govuk-notification-banner").get_text()

    db.session.refresh(person)
    assert verify_password(person.password_hash, NEW_PASSWORD)
    assert not verify_password(person.password_hash, factories.PASSWORD)
    assert person.failed_sign_ins == 0
    assert elsewhere.get("/").status_code == 302  # the other session ended
    assert [e.user_id for e in events(AccessEvent.PASSWORD_RESET)] == [person.id]
    assert give_password(client_request, person, NEW_PASSWORD).headers["Location"] == "/sign-in/security-code"


def test_the_link_works_once(client_request):
    person = factories.coordinator()
    link = emailed_link(client_request, person)
    choose(client_request, link)
    spent = client_request.get(link, expected_status=404)
    assert spent.h1.get_text(strip=True) == "This link has expired"
    choose(client_request, link, "another long password here", expected=404, token_from="/sign-in")
    db.session.refresh(person)
    assert verify_password(person.password_hash, NEW_PASSWORD)


def test_the_link_lasts_an_hour(client_request):
    person = factories.coordinator()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        link = emailed_link(client_request, person)
        traveller.shift(timedelta(minutes=59))
        assert client_request.get(link).h1.get_text(strip=True) == "Choose a new password"
        traveller.shift(timedelta(minutes=2))
        assert client_request.get(link, expected_status=404).h1.get_text(strip=True) == "This link has expired"


@pytest.mark.parametrize("spoil", [
    lambda link: link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"),  # altered
    lambda link: link.rsplit(".", 1)[0],  # cut short
])
def test_an_altered_link_does_not_work(client_request, spoil):
    link = emailed_link(client_request, factories.coordinator())
    assert client_request.get(spoil(link), expected_status=404).h1.get_text(strip=True) == "This link has expired"


def test_a_temporary_password_set_meanwhile_cancels_the_link(client_request):
    person = factories.coordinator()
    link = emailed_link(client_request, person)
    person.password_hash = "argon2-placeholder-set-by-an-administrator"
    db.session.commit()
    client_request.get(link, expected_status=404)


def test_a_link_for_an_account_disabled_since_does_not_work(client_request):
    person = factories.coordinator()
    link = emailed_link(client_request, person)
    person.is_enabled = False
    db.session.commit()
    client_request.get(link, expected_status=404)


def test_the_new_password_follows_the_password_rules_and_nothing_is_changed_meanwhile(client_request):
    person = factories.coordinator()
    link = emailed_link(client_request, person)
    mismatch = choose(client_request, link, NEW_PASSWORD, "something else entirely", expected=400)
    assert "Enter the same new password twice" in mismatch.select_one(".govuk-error-summary").get_text()
    short = choose(client_request, link, "short", expected=400)
    assert short.title.get_text().startswith("Error: ")
    db.session.refresh(person)
    assert verify_password(person.password_hash, factories.PASSWORD)
    assert client_request.get(link).h1.get_text(strip=True) == "Choose a new password"  # still usable


def test_an_account_is_sent_at_most_three_links_an_hour(client_request):
    person = factories.coordinator()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            ask_for_a_link(client_request, person.email)
        assert len(sent_to(person.email)) == password_reset.LINKS_PER_HOUR
        traveller.shift(timedelta(minutes=61))
        ask_for_a_link(client_request, person.email)
    assert len(sent_to(person.email)) == password_reset.LINKS_PER_HOUR + 1


def test_without_a_way_to_send_e_mail_the_page_sends_people_to_their_administrator(app, client_request):
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = ""
    try:
        page = client_request.get("/sign-in/forgotten-password")
    finally:
        app.config["BASE_URL"] = saved
    assert page.select_one("main form") is None
    assert "Ask your account administrator" in page.select_one("main").get_text()


def test_a_refusal_by_the_mail_server_is_logged_without_the_address_and_not_shown(client_request, refusing_mail_server,
                                                                                   caplog):
    person = factories.coordinator()
    with caplog.at_level(logging.WARNING):
        page = ask_for_a_link(client_request, person.email)
    assert page.h1.get_text(strip=True) == "Check your email"
    assert sent_to(person.email) == []
    assert f"user {person.id}" in caplog.text and person.email not in caplog.text


def test_in_development_the_outbox_shows_the_e_mail_to_admins_only(client_request, signed_in_as):
    person = factories.coordinator()
    ask_for_a_link(client_request, person.email)
    admin_outbox = signed_in_as(factories.user(Role.ADMIN)).get("/outbox").select_one("#outbox-messages").get_text()
    assert person.email in admin_outbox
    coordinators = signed_in_as(factories.coordinator()).get("/outbox")
    assert person.email not in coordinators.select_one("main").get_text()


def test_the_link_is_sent_after_the_page_has_gone(app):
    """The mail server's time is not the page's, so how long the page takes does not tell whether the
    address has an account."""
    person = factories.coordinator()
    browser = FlaskClient(app)  # a client that leaves closing the response to the test
    form = check_page(browser.get("/sign-in/forgotten-password"))
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    page = browser.post("/sign-in/forgotten-password", data={"email": person.email, "csrf_token": token})
    assert page.status_code == 200
    db.session.rollback()
    assert sent_to(person.email) == []
    page.close()
    db.session.rollback()
    assert len(sent_to(person.email)) == 1
