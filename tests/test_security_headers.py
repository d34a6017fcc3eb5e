"""Security headers on every response: CSP without inline script, nosniff, referrer policy, no-store,
frame refusal; HSTS and Secure __Host- cookies in production."""

from __future__ import annotations

import pytest
from flask import request

from ssgp_dhr import create_app
from tests import factories
from tests.conftest import sign_in

CSP_PARTS = ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]


def _assert_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert all(part in csp for part in CSP_PARTS), csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("path", "method", "status"), [
    ("/sign-in", "get", 200), ("/", "get", 302), ("/healthz", "get", 200), ("/no-such-page", "get", 404),
    ("/sign-in", "post", 400), ("/static/application.css", "get", 200),
])
def test_every_response_carries_the_security_headers(client, path, method, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    _assert_headers(response)
    if path.startswith("/static/"):
        assert "no-store" not in response.headers.get("Cache-Control", "")
    else:
        assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_not_stored_and_have_no_inline_script_or_style(client_request):
    person = factories.coordinator()
    sign_in(client_request.client, person)
    for path in ("/", "/workflow", "/account"):
        response = client_request.client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
        page = client_request.get(path)
        assert not page.find(attrs={"style": True}), f"{path} has a style attribute"
        assert all(script.get("src") and not script.string for script in page.find_all("script")), path
        assert not page.find(attrs=lambda a: a and any(k.startswith("on") for k in a)), f"{path} has an inline handler"


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in", base_url="https://localhost").headers


def test_production_sends_hsts_and_a_secure_host_prefixed_cookie(tmp_path):
    app = create_app("production", {"SECRET_KEY": "x" * 40, "BASE_URL": "https://dhr.example", "SINGLE_WORKER": True,
                                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}"})
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://dhr.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    _assert_headers(response)
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_production_takes_the_client_address_and_scheme_from_the_one_reverse_proxy(tmp_path):
    app = create_app("production", {"SECRET_KEY": "x" * 40, "BASE_URL": "https://localhost", "SINGLE_WORKER": True,
                                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}"})
    seen = {}
    app.before_request(lambda: seen.update(address=request.remote_addr, secure=request.is_secure))
    response = app.test_client().get("/sign-in", headers={"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"})
    assert seen == {"address": "198.51.100.4", "secure": True}
    assert "Strict-Transport-Security" in response.headers
