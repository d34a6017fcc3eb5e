"""The pages about the service: the accessibility statement, the privacy page and the cookies page.
Open to anyone, linked from every page's footer, and true to the configuration and to the cookies the
service really sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import pytest
from werkzeug.test import TestResponse

from ssgp_dhr import create_app
from ssgp_dhr.clock import utcnow
from tests import factories
from tests.test_sign_in import enrolled, give_code, give_password

ABOUT_PAGES = {"/accessibility": "Accessibility statement for the Domestic Homicide Review tracker",
               "/privacy": "How this service uses personal information",
               "/cookies": "Cookies"}


def cookies_set_by(response: TestResponse) -> set[str]:
    """The cookies a response puts on the device (not those it deletes: Flask-Login, on signing out
    whoever was signed in before, tells the browser to delete a remember-me cookie it never set)."""
    names: set[str] = set()
    for header in response.headers.getlist("Set-Cookie"):
        names.update(name for name, morsel in SimpleCookie(header).items() if morsel["max-age"] != "0")
    return names


def listed_cookies(page) -> set[str]:
    return {code.get_text(strip=True) for code in page.select("main code.app-cookie-name")}


@pytest.mark.parametrize(("path", "heading"), ABOUT_PAGES.items())
def test_anyone_can_read_the_pages_about_the_service(client_request, path, heading):
    page = client_request.get(path)
    assert page.h1.get_text(" ", strip=True) == heading


def test_every_page_links_to_them_in_its_footer(client_request, signed_in_as):
    for page in (client_request.get("/sign-in"), client_request.get("/reviews"),
                 signed_in_as(factories.coordinator()).get("/")):
        footer = {a["href"] for a in page.select("footer a")}
        assert set(ABOUT_PAGES) <= footer


def test_they_give_the_configured_contact_and_privacy_notice(app, client_request):
    overrides = {"SERVICE_CONTACT_EMAIL": "dhr@gloucester.example", "DATA_CONTROLLER": "Example City Council",
                 "PRIVACY_NOTICE_URL": "https://council.example/privacy/dhr"}
    saved = {key: app.config[key] for key in overrides}
    app.config.update(overrides)
    try:
        statement, privacy = client_request.get("/accessibility"), client_request.get("/privacy")
    finally:
        app.config.update(saved)
    for page in (statement, privacy):
        assert page.select_one("a[href='mailto:dhr@gloucester.example']") is not None
    assert privacy.select_one("a[href='https://council.example/privacy/dhr']") is not None
    assert "Example City Council is the data controller" in privacy.get_text(" ", strip=True)

    without = client_request.get("/accessibility")
    assert without.select_one("a[href^='mailto:']") is None
    assert "contact the Stronger Safer Gloucester Partnership" in without.get_text(" ", strip=True)


def test_the_statement_and_the_cookies_page_state_the_session_limits_in_force(app, client_request):
    saved = app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_ABSOLUTE_HOURS"]
    app.config.update(SESSION_IDLE_MINUTES=20, SESSION_ABSOLUTE_HOURS=9)
    try:
        statement = client_request.get("/accessibility").get_text(" ", strip=True)
        cookies = client_request.get("/cookies").get_text(" ", strip=True)
    finally:
        app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_ABSOLUTE_HOURS"] = saved
    assert "signed out 9 hours after you sign in" in statement
    assert "20 minutes after you last used the service, and 9 hours after you signed in" in cookies


def test_signing_in_sets_only_the_cookies_the_cookies_page_lists(client_request):
    listed = listed_cookies(client_request.get("/cookies"))
    person = enrolled(factories.coordinator())
    responses = [client_request.client.get("/sign-in"), give_password(client_request, person),
                 give_code(client_request, person), client_request.client.get("/"),
                 client_request.client.get("/cases")]
    set_while_signing_in = set().union(*(cookies_set_by(r) for r in responses))
    assert set_while_signing_in, "signing in should set the session cookie"
    assert set_while_signing_in <= listed, f"not on the cookies page: {set_while_signing_in - listed}"


def test_reading_the_public_pages_sets_no_cookies(client):
    for path in ("/reviews", "/reviews/feed.atom", "/reviews/SSGP-DHR-2020-999", *ABOUT_PAGES, "/no-such-page"):
        assert cookies_set_by(client.get(path)) == set(), path


def test_in_production_the_cookies_page_names_the_secure_cookie(tmp_path):
    production = create_app("production", {"SECRET_KEY": "k" * 48, "BASE_URL": "https://dhr.example.org",
                                           "SINGLE_WORKER": True,
                                           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    html = production.test_client().get("/cookies", base_url="https://dhr.example.org").get_data(as_text=True)
    assert ">__Host-session<" in html


def test_production_warns_until_the_contact_and_privacy_notice_are_set():
    from config import ProductionConfig

    unset = ProductionConfig.warnings({})
    assert any("SERVICE_CONTACT_EMAIL" in w for w in unset)
    assert any("PRIVACY_NOTICE_URL" in w for w in unset)
    configured = ProductionConfig.warnings({"SERVICE_CONTACT_EMAIL": "a@b.example", "PRIVACY_NOTICE_URL": "https://x"})
    assert not [w for w in configured if "SERVICE_CONTACT_EMAIL" in w or "PRIVACY_NOTICE_URL" in w]


def security_txt(app, client, **settings) -> TestResponse:
    saved = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        return client.get("/.well-known/security.txt")
    finally:
        app.config.update(saved)


def test_security_txt_says_where_to_report_a_vulnerability_and_expires_within_a_year(app, client):
    response = security_txt(app, client, SERVICE_CONTACT_EMAIL="dhr@gloucester.example", SECURITY_CONTACT="")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:dhr@gloucester.example"
    assert fields["Canonical"] == "https://dhr.example.org/.well-known/security.txt"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert utcnow() < expires < utcnow() + timedelta(days=365)

    chosen = security_txt(app, client, SERVICE_CONTACT_EMAIL="dhr@gloucester.example",
                          SECURITY_CONTACT="https://council.example/report-a-vulnerability")
    assert "Contact: https://council.example/report-a-vulnerability\n" in chosen.get_data(as_text=True)


def test_without_a_contact_there_is_no_security_txt(app, client):
    assert security_txt(app, client, SERVICE_CONTACT_EMAIL="", SECURITY_CONTACT="").status_code == 404


def test_the_privacy_page_states_how_long_case_files_and_the_access_log_are_kept(app, client_request, monkeypatch):
    text = client_request.get("/privacy").get_text(" ", strip=True)
    assert "until the partnership's retention schedule says" in text and "access log are deleted" not in text
    monkeypatch.setitem(app.config, "CASE_FILE_RETENTION_YEARS", 15)
    monkeypatch.setitem(app.config, "ACCESS_LOG_RETENTION_DAYS", 730)
    text = client_request.get("/privacy").get_text(" ", strip=True)
    assert "kept for 15 years after the review closes" in text
    assert "Entries in the access log are deleted 730 days after they were made" in text
