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


# --- Routes about one review ------------------------------------------------------------------

def _review_routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/cases/<reference>")),
                  key=lambda rule: rule.rule)


def test_every_route_about_a_review_declares_its_rule_on_that_review(app):
    routes = _review_routes(app)
    assert len(routes) > 40
    undeclared = [rule.rule for rule in routes if rule_for(app, rule.endpoint).review_rule is None]
    assert undeclared == [], f"routes under /cases/<reference> without a review rule: {undeclared}"


def test_each_route_about_a_review_refuses_whoever_its_rule_refuses(app, signed_in_as):
    """As each kind of person, every route on a review: 404 for someone who may not see it at all (its
    existence is not revealed), 403 for someone who may see it but whom the route's rule refuses."""
    from ssgp_dhr.accounts.models import Role
    from ssgp_dhr.cases.models import PanelRole
    from ssgp_dhr.cases.policy import can_view_review
    from tests import factories

    review = factories.review_at("panel")
    chair, agency = factories.panel_member(), factories.panel_member()
    factories.seat_on_panel(review, chair, PanelRole.INDEPENDENT_CHAIR)
    factories.seat_on_panel(review, agency, PanelRole.AGENCY_REPRESENTATIVE)
    people = {"coordinator": factories.coordinator(), "manager": factories.manager(), "chair": chair,
              "agency representative": agency, "another partnership": factories.coordinator(factories.safer_glos()),
              "administrator": factories.user(Role.ADMIN)}
    wrong = []
    for who, person in people.items():
        client = signed_in_as(person)
        for rule in _review_routes(app):
            declared = rule_for(app, rule.endpoint).review_rule
            expected = 404 if not can_view_review(person, review) else 403 if not declared(person, review) else None
            if expected is None:
                continue
            values = {arg: (review.reference if arg == "reference" else "commission" if arg == "trigger" else 1)
                      for arg in rule.arguments}
            url = app.url_map.bind("localhost").build(rule.endpoint, values)
            got = client.client.get(url).status_code
            if got != expected:
                wrong.append(f"{who}: GET {url} answered {got}, not {expected}")
    assert wrong == []
