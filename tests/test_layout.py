"""The layout every page shares: the header, the menu for the person's roles, the fixed links."""

from __future__ import annotations

from jinja2 import DictLoader

from ssgp_dhr.accounts.models import Role
from ssgp_dhr.layout import HouseEnvironment
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture


def _menu(page) -> list[tuple[str, str, str | None]]:
    return [(a.get_text(strip=True), a["href"], a.get("aria-current"))
            for a in page.select(".govuk-service-navigation__list a")]


def test_the_menu_lists_what_the_roles_open_and_marks_the_page_shown(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    page = act_as(coordinator).get("/cases")
    assert _menu(page) == [("My work", "/", None), ("Case list", "/cases", "true"), ("New notification", "/cases/new", None),
                           ("Action plans", "/action-plans", None), ("Workflow", "/workflow", None),
                           ("Publication", "/publication", None)]
    current = page.select_one(".govuk-service-navigation__item--active")
    assert current.select_one("strong.govuk-service-navigation__active-fallback").get_text() == "Case list"

    administrator = act_as(factories.user(Role.ADMIN)).get("/admin/users")
    assert [(text, current) for text, _href, current in _menu(administrator)] == [
        ("My work", None), ("Case list", None), ("Action plans", None), ("Workflow", None), ("Accounts", "true"),
        ("Partnerships and agencies", None)]


def test_signed_out_the_header_leads_to_sign_in_and_there_is_no_menu(client_request):
    page = client_request.get("/sign-in")
    assert page.select_one(".govuk-generic-header__homepage-link")["href"] == "/sign-in"
    assert page.select_one(".govuk-service-navigation__service-name a") is None
    assert page.select_one(".govuk-service-navigation__text") is not None
    assert page.select_one(".govuk-service-navigation__list") is None
    assert page.select_one("#session-timeout") is None


def test_the_fixed_links_follow_the_prefix_the_service_is_mounted_under(app, client_request):
    client = client_request.client
    under_prefix = client.get("/sign-in", base_url="http://localhost/dhr/").get_data(as_text=True)
    at_root = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/dhr/static/application.css"' in under_prefix and 'href="/dhr/accessibility"' in under_prefix
    assert 'href="/static/application.css"' in at_root and 'href="/dhr/' not in at_root


def test_an_imported_macro_sees_the_globals_of_the_page_that_imports_it(app):
    # Jinja gives an import the importing page's own globals when they are more than the imported template's:
    # the comparison the house environment makes with sets.
    environment = HouseEnvironment(app, loader=DictLoader({
        "macros.html": "{% macro greet() %}{{ greeting | default('Nobody greets') }}{% endmacro %}",
        "page.html": '{% from "macros.html" import greet %}{{ greet() }}',
    }))
    assert environment.get_template("page.html").render() == "Nobody greets"
    assert environment.get_template("page.html", globals={"greeting": "Hello"}).render() == "Hello"
    assert isinstance(environment.get_template("page.html").globals.keys(), frozenset)


def test_a_review_address_is_the_one_url_for_builds(app):
    from flask import url_for

    from ssgp_dhr.layout import review_url

    for base in ("http://localhost/", "http://localhost/dhr/"):
        with app.test_request_context("/", base_url=base):
            for reference in ("CSP001-DHR-2020-001", "SG/DHR 2024/1", "Ünïcode?#%"):
                assert review_url(reference) == url_for("cases.case_page", reference=reference)
