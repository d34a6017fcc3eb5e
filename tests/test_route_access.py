"""Deny by default: every endpoint declares who may use it, and only a short list is public."""

from ssgp_dhr.access import rule_for

PUBLIC_ENDPOINTS = {"static", "health.healthz", "accounts.sign_in", "publication.public_reviews",
                    "about.accessibility_statement", "about.privacy", "about.cookies", "about.security_txt",
                    "accounts.forgotten_password", "accounts.new_password",
                    "publication.public_review", "publication.public_feed", "publication.public_document"}


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = sorted(e for e in app.view_functions if rule_for(app, e) is None)
    assert undeclared == [], f"endpoints without an access rule: {undeclared}"


def test_only_the_listed_endpoints_are_public(app):
    public = {e for e in app.view_functions if (rule := rule_for(app, e)) and rule.public}
    assert public == PUBLIC_ENDPOINTS


def test_an_undeclared_route_is_refused_at_run_time(tmp_path):
    from ssgp_dhr import create_app

    fresh = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'probe.sqlite3'}"})
    fresh.add_url_rule("/undeclared-probe", "undeclared_probe", lambda: "secret")
    response = fresh.test_client().get("/undeclared-probe")
    assert response.status_code == 403
    assert b"secret" not in response.data


def test_signed_in_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
