"""A form sent twice is saved once: each carries a one-time key saved with what it writes, and a repeat writes
nothing and says it was already saved; shown with the reply to a COMMIT lost on the way back (a proxy in front
of PostgreSQL forwards the COMMIT and cuts the connection before its answer)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr import create_app
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.models import InputEntry
from ssgp_dhr.submissions import FormSubmission
from tests import factories
from tests.conftest import database_url, on_postgres
from tests.pages import check_page
from tests.tcp_proxy import proxied


def _entries() -> list[str]:
    return list(db.session.scalars(sa.select(InputEntry.text).order_by(InputEntry.id)))


def _form(client, url: str) -> dict[str, str]:
    page = client.get(url)
    form = page.find("main").find("form", method="post")
    return {field["name"]: field.get("value", "") for field in form.find_all("input", type="hidden")}


def test_a_form_sent_twice_is_saved_once_and_the_repeat_says_so(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    client = signed_in_as(coordinator)
    url = f"/cases/{review.reference}/input/new"
    hidden = _form(client, url)
    assert set(hidden) == {"csrf_token", "submission_key"}
    data = {**hidden, "kind": "note", "text": "The GP saw her twice in May"}

    client.post(url, data)
    page = client.post(url, data, expected_status=200)

    assert page.h1.get_text(strip=True) == "This was already saved"
    assert "It has not been saved again" in page.get_text()
    assert _entries() == ["The GP saw her twice in May"]
    saved = db.session.get(FormSubmission, hidden["submission_key"])
    assert (saved.user_id, saved.endpoint) == (coordinator.id, "panel.new_input")


def test_a_form_sent_back_with_a_mistake_keeps_its_key_and_two_forms_are_two_saves(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    client = signed_in_as(coordinator)
    url = f"/cases/{review.reference}/input/new"
    hidden = _form(client, url)

    page = client.post(url, {**hidden, "kind": "note", "text": ""}, expected_status=400)
    assert page.find("input", attrs={"name": "submission_key"})["value"] == hidden["submission_key"]
    client.post(url, {**hidden, "kind": "note", "text": "First"})
    client.post(url, {**_form(client, url), "kind": "note", "text": "First"})  # a second form, the same words

    assert _entries() == ["First", "First"]


@pytest.mark.slow
def test_a_form_whose_commit_answer_was_lost_is_not_saved_again(client_of, tmp_path):
    if not on_postgres():
        pytest.skip("the proxy stands in front of PostgreSQL: set TEST_DATABASE_URL")
    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    url = f"/cases/{review.reference}/input/new"
    with proxied(database_url()) as (proxy, proxied_url):
        application = create_app("test", {"SQLALCHEMY_DATABASE_URI": proxied_url, "DOCUMENT_STORE_PATH": str(tmp_path),
                                           "DATABASE_CONNECT_TIMEOUT_SECONDS": 1,
                                           "DATABASE_STATEMENT_TIMEOUT_SECONDS": 1})
        client = client_of(application, coordinator)
        hidden = _form(client, url)

        proxy.lose_next_commit_reply()
        response = client.client.post(url, data={**hidden, "kind": "note", "text": "Seen by the GP"})

        assert response.status_code == 503
        page = check_page(response)
        assert "could not confirm whether what you sent was saved" in page.get_text()
        assert _entries() == ["Seen by the GP"]  # it was: only the answer was lost
        again = {field["name"]: field["value"] for field in page.find("main").find("form").find_all("input")}
        assert again["submission_key"] == hidden["submission_key"]

        repeat = client.post(url, again, expected_status=200)  # the page's "Send it again", the service back

        assert repeat.h1.get_text(strip=True) == "This was already saved"
        assert _entries() == ["Seen by the GP"]
        assert proxy.commits_forwarded >= 1
        with application.app_context():
            db.engine.dispose()


def test_a_copy_saved_while_the_form_was_being_handled_makes_this_one_write_nothing(signed_in_as, monkeypatch):
    """Two copies of a form at the same moment both pass the check before the view; the second to commit finds the
    key taken, and its whole transaction is abandoned."""
    from ssgp_dhr.panel import services as panel

    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    client = signed_in_as(coordinator)
    url = f"/cases/{review.reference}/input/new"
    hidden = _form(client, url)
    post_input = panel.post_input

    def other_copy_saved_first(*args, **kwargs):
        engine = sa.create_engine(database_url(), poolclass=sa.pool.NullPool)
        with engine.begin() as other:  # the other copy's transaction, committed while this one runs
            other.execute(sa.insert(FormSubmission).values(key=hidden["submission_key"], user_id=coordinator.id,
                                                           endpoint="panel.new_input", saved_at=sa.func.now()))
        engine.dispose()
        return post_input(*args, **kwargs)

    monkeypatch.setattr(panel, "post_input", other_copy_saved_first)
    page = client.post(url, {**hidden, "kind": "note", "text": "Sent twice at once"}, expected_status=200)

    assert page.h1.get_text(strip=True) == "This was already saved"
    assert _entries() == []


# Forms a repeat of which is harmless or must not be refused: signing in and its codes (each sending is a new
# attempt), passwords, marking notifications read, signing out, the roles form (it sets them to what is ticked),
# and the 503 page's own button (it sends back the key of the form it keeps).
NOT_KEYED = {
    "accounts/change_password.html", "accounts/confirm_password.html", "accounts/forgotten_password.html",
    "accounts/new_password.html", "accounts/recovery_code.html", "accounts/security_code.html",
    "accounts/set_up_authenticator.html", "accounts/sign_in.html", "accounts/your_account.html",
    "accounts/admin_user.html", "reminders/_notifications.html", "layout.html", "unavailable.html",
}


def test_every_data_entry_form_carries_its_one_time_key():
    from ssgp_dhr import PACKAGE_DIR, PROJECT_DIR

    templates = [*PACKAGE_DIR.glob("*/templates/**/*.html"), *(PROJECT_DIR / "templates").glob("*.html")]
    unkeyed = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        name = path.name if path.parent.name == "templates" else f"{path.parent.name}/{path.name}"
        if 'method="post"' in text and "submission_key_field(" not in text and name not in NOT_KEYED:
            unkeyed.append(name)
    assert unkeyed == [], "add {{ submission_key_field() }} after the form's CSRF token"


def test_the_access_log_purge_takes_the_keys_of_the_same_period_with_it(app):
    from datetime import timedelta

    from ssgp_dhr.accounts.access_log import purge_entries_older_than
    from ssgp_dhr.clock import utcnow

    now = utcnow()
    db.session.add_all([FormSubmission(key="o" * 32, endpoint="panel.new_input", saved_at=now - timedelta(days=200)),
                        FormSubmission(key="n" * 32, endpoint="panel.new_input", saved_at=now - timedelta(days=10))])
    db.session.commit()

    purge_entries_older_than(183, now=now)

    assert list(db.session.scalars(sa.select(FormSubmission.key))) == ["n" * 32]
