"""The database fails: every page says the service is not available (503), made without the database; a form
says nothing was saved and keeps what was typed; /healthz says so whatever the cookies; a hung database is
answered in bounded time; and the service recovers without a restart. Failures are made by a proxy in front of
the tests' PostgreSQL database, never by stopping the shared server; on SQLite, by holding its write lock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr import create_app
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.models import InputEntry
from tests import factories
from tests.conftest import database_url, on_postgres
from tests.pages import check_page
from tests.tcp_proxy import TcpProxy, proxied

NOT_AVAILABLE = "The service is not available"


def _fast_failing_app(url: str, tmp_path) -> Flask:
    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "DOCUMENT_STORE_PATH": str(tmp_path),
                               "DATABASE_CONNECT_TIMEOUT_SECONDS": 1, "DATABASE_STATEMENT_TIMEOUT_SECONDS": 1,
                               "DATABASE_BUSY_TIMEOUT_SECONDS": 1})


@pytest.fixture
def through_proxy(tmp_path) -> Iterator[tuple[TcpProxy, Flask]]:
    if not on_postgres():
        pytest.skip("the proxy stands in front of PostgreSQL: set TEST_DATABASE_URL")
    with proxied(database_url()) as (proxy, url):
        application = _fast_failing_app(url, tmp_path)
        yield proxy, application
        with application.app_context():
            db.engine.dispose()


def _panel_case():
    coordinator = factories.coordinator()
    review = factories.notified_review(by=coordinator)
    return coordinator, review


def _input_entries() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(InputEntry))


def _post_while_down(client, url: str, data: dict):
    """POST with a token fetched before (ClientRequest.post fetches the form first, which needs the database)."""
    response = client.client.post(url, data=data)
    assert response.status_code == 503
    return check_page(response)


def _says_not_available(page) -> str:
    assert page.h1.get_text(strip=True) == NOT_AVAILABLE
    assert "Internal Server Error" not in str(page)
    return page.find("main").get_text(" ", strip=True)


@pytest.mark.slow
def test_a_database_that_is_down_gets_the_house_page_on_every_kind_of_request_and_recovers(through_proxy, client_of):
    proxy, application = through_proxy
    coordinator, review = _panel_case()
    signed_in = client_of(application, coordinator)
    signed_out = client_of(application)
    new_input = f"/cases/{review.reference}/input/new"
    token = signed_in.csrf_token(new_input)  # while the database is up

    proxy.refuse()
    for client, path in ((signed_in, "/"), (signed_in, f"/cases/{review.reference}"), (signed_out, "/reviews")):
        text = _says_not_available(client.get(path, expected_status=503))
        assert "Try again in a few minutes" in text
    # The page of someone signed in is made as for nobody: who they are cannot be read.
    assert "Signed in as" not in str(signed_in.get("/", expected_status=503))

    for client in (signed_in, signed_out):
        health = client.client.get("/healthz")
        assert (health.status_code, health.json) == (503, {"status": "error", "database": "error"})

    page = _post_while_down(signed_in, new_input, {"csrf_token": token, "kind": "note",
                                                   "text": "The GP saw her twice in May"})
    assert "Nothing has been saved: try again." in _says_not_available(page)
    retry = page.find("main").find("form")
    kept = {field["name"]: field["value"] for field in retry.find_all("input", type="hidden")}
    assert kept == {"csrf_token": token, "kind": "note", "text": "The GP saw her twice in May"}
    assert retry["action"] == new_input

    # A password is never written back into a page: the form is to be sent again from the start.
    sign_in_token = signed_out.csrf_token("/sign-in")  # a page that needs no database
    page = _post_while_down(signed_out, "/sign-in", {"csrf_token": sign_in_token, "email": coordinator.email,
                                                     "password": "the password"})
    assert "go back and send the form again" in _says_not_available(page)
    assert page.find("main").find("form") is None
    assert "the password" not in str(page)

    proxy.resume()  # the database is back: no restart of the service
    assert signed_in.client.get("/healthz").json == {"status": "ok", "database": "ok"}
    signed_in.get(f"/cases/{review.reference}")
    signed_in.post(new_input, kept)  # the page's own button, once the service is back
    assert _input_entries() == 1


@pytest.mark.slow
def test_a_hung_database_is_answered_in_bounded_time(through_proxy, client_of):
    proxy, application = through_proxy
    coordinator, review = _panel_case()
    signed_in = client_of(application, coordinator)
    signed_in.get(f"/cases/{review.reference}")  # a connection in the pool, which will hang mid-conversation

    proxy.hang()
    for path in (f"/cases/{review.reference}", "/healthz"):
        started = time.monotonic()
        response = signed_in.client.get(path)
        waited = time.monotonic() - started
        assert response.status_code == 503
        # One second to connect, one for a statement, two more before a silent connection is cut.
        assert waited < 8, f"{path} took {waited:.1f} s"

    proxy.resume()
    signed_in.get(f"/cases/{review.reference}")


@pytest.mark.slow
def test_a_write_kept_waiting_by_another_gets_the_same_page_and_saves_nothing(app, tmp_path, client_of):
    """SQLite's busy timeout; PostgreSQL's statement timeout on a row another transaction holds."""
    coordinator, review = _panel_case()
    signed_in = client_of(_fast_failing_app(database_url(), tmp_path), coordinator)
    new_input = f"/cases/{review.reference}/input/new"
    token = signed_in.csrf_token(new_input)

    blocker = sa.create_engine(database_url(), poolclass=sa.pool.NullPool)
    with blocker.connect() as holding:
        if holding.dialect.name == "sqlite":
            holding.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holding.execute(sa.text("SELECT id FROM reviews WHERE id = :id FOR UPDATE"), {"id": review.id})
        started = time.monotonic()
        page = _post_while_down(signed_in, new_input, {"csrf_token": token, "kind": "note", "text": "Waiting"})
        assert time.monotonic() - started < 6
        assert "Nothing has been saved: try again." in _says_not_available(page)
        holding.rollback()
    blocker.dispose()
    assert _input_entries() == 0


def test_healthz_is_ok_only_at_the_codes_migration_head(client, client_request, signed_in_as):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0027_access_log_by_event'"))
    db.session.commit()
    try:
        for asking in (client, signed_in_as(factories.coordinator()).client):
            response = asking.get("/healthz")
            assert (response.status_code, response.json) == (503, {"status": "error",
                                                                   "database": "not at the migration head"})
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert client.get("/healthz").status_code == 200
