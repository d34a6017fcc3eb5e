"""Each partnership's own name: in the header for its people and on its public pages; every public review
says which partnership published it and where to get help."""

from __future__ import annotations

from ssgp_dhr.accounts.models import Role
from tests import factories

SSGP = "Stronger Safer Gloucester Partnership"


def _header(page) -> str:
    return page.select_one("header .govuk-header__link, header .govuk-header__logotype-text, header a").get_text(
        " ", strip=True)


def test_each_partnerships_people_see_its_own_name_in_the_header(signed_in_as) -> None:
    sg = factories.safer_glos()
    assert SSGP not in _header(signed_in_as(factories.coordinator(sg)).get("/"))
    assert sg.name in _header(signed_in_as(factories.coordinator(sg)).get("/"))
    assert SSGP in _header(signed_in_as(factories.coordinator()).get("/"))
    assert sg.name in _header(signed_in_as(factories.manager(sg)).get("/cases"))


def test_someone_working_for_both_partnerships_sees_the_services_name(signed_in_as, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "PARTNERSHIP_NAME", "Gloucestershire's community safety partnerships")
    both = factories.user((Role.COORDINATOR, factories.ssgp()), (Role.MANAGER, factories.safer_glos()))
    assert _header(signed_in_as(both).get("/")).startswith(app.config["PARTNERSHIP_NAME"])


def test_a_public_review_names_the_partnership_that_published_it_and_where_to_get_help(client_request) -> None:
    sg = factories.safer_glos()
    review = factories.review_at("published", lead=sg)
    page = client_request.get(f"/reviews/{review.reference}")
    assert sg.name in _header(page) and SSGP not in _header(page)
    published_by = page.select_one(".app-published-by")
    assert published_by.get_text(" ", strip=True).startswith(f"Published by {sg.name}")
    assert published_by.a["href"] == f"/reviews?partnership={sg.short_name}"
    support = page.select_one("#support-title").find_parent("aside")
    assert "0808 2000 247" in support.get_text() and "999" in support.get_text()
    assert support.select_one("a[href='https://www.nationaldahelpline.org.uk/']")

    listed = client_request.get("/reviews")
    assert listed.select_one("#support-title")
    assert f"Published by {sg.name}" in listed.select_one(".app-published-by").get_text(" ", strip=True)


def test_a_partnerships_public_page_lists_only_its_reviews_under_its_name(client_request) -> None:
    sg = factories.safer_glos()
    theirs = factories.review_at("published", lead=sg, pseudonym="Theirs")
    joint = factories.review_at("published", joint=sg, pseudonym="Joint")
    ours = factories.review_at("published", pseudonym="Ours")
    page = client_request.get(f"/reviews?partnership={sg.short_name}")
    assert sg.name in _header(page)
    text = page.select_one("main").get_text(" ", strip=True)
    assert "Theirs" in text and "Joint" in text and "Ours" not in text
    assert f"Published by {SSGP} with {sg.name}" in text
    everyone = client_request.get("/reviews").select_one("main").get_text(" ", strip=True)
    assert all(name in everyone for name in (theirs.pseudonym, joint.pseudonym, ours.pseudonym))
    client_request.get("/reviews?partnership=NOPE", expected_status=404)
    client_request.get("/reviews?partnership=Constabulary", expected_status=404)  # an agency publishes nothing


def test_the_feed_names_the_partnership_of_each_review(client_request) -> None:
    sg = factories.safer_glos()
    factories.review_at("published", lead=sg)
    feed = client_request.client.get("/reviews/feed.atom").get_data(as_text=True)
    assert f"<author><name>{sg.name}</name></author>" in feed
