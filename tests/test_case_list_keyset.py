"""The case list's numbered pages, reached through the next and previous links, are read from the review the
link names (keyset pagination): the same reviews, in the same order, as the page found by its number, with
reviews sharing a sort key, at the last page, and when the review named has left the list."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from ssgp_dhr.cases import services, views
from ssgp_dhr.clock import today_uk
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture
from tests.test_case_pages_list import references
from tests.test_queries import statements_for

SHOWN = 3  # a page: 3 reviews, so 14 reviews make five pages, the last of two


@pytest.fixture
def listing(act_as, monkeypatch):  # noqa: F811
    """14 reviews in two partnerships, most sharing a pseudonym, a stage and a notification date with others."""
    monkeypatch.setattr(views, "PAGE_SIZE", SHOWN)
    ssgp, glos = factories.ssgp(), factories.safer_glos()
    coordinator = factories.user(*((role, p) for p in (ssgp, glos) for role in [views.Role.COORDINATOR]))
    today = today_uk()
    reviews = []
    for n in range(14):
        review = factories.notified_review(coordinator, lead=glos if n % 3 == 0 else ssgp, pseudonym=f"P{n % 2}",
                                           notified_on=today - timedelta(days=10 + n % 4))
        if n % 5 == 0:
            services.advance(review, "commission", coordinator, review.version,
                             **factories.trigger_data(review, "commission"))
        reviews.append(review)
    return act_as(coordinator), reviews


def _link(page, rel: str) -> str | None:
    found = page.select_one(f".govuk-pagination__{rel} a")
    return found["href"] if found else None


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", sorted(views.SORTS))
def test_following_next_and_previous_lists_what_each_numbered_page_lists(listing, sort, order):
    client, reviews = listing
    numbered = [references(client.get(f"/cases?sort={sort}&order={order}&page={n}")) for n in range(1, 6)]
    assert [len(shown) for shown in numbered] == [3, 3, 3, 3, 2]
    assert sorted(ref for shown in numbered for ref in shown) == sorted(r.reference for r in reviews)

    page, walked, address = client.get(f"/cases?sort={sort}&order={order}"), [], None
    while True:
        walked.append(references(page))
        address = _link(page, "next")
        if address is None:
            break
        assert "after=" in address
        page = client.get(address)
        assert page.select_one(".govuk-pagination__item--current").get_text(strip=True) == str(len(walked) + 1)
    assert walked == numbered  # through to the last page, which has no next link

    back = [walked[-1]]
    while (address := _link(page, "prev")) is not None:
        page = client.get(address)
        back.insert(0, references(page))
    assert back == numbered


def test_a_link_naming_a_review_no_longer_listed_finds_the_page_by_its_number(listing):
    client, _reviews = listing
    second = references(client.get("/cases?sort=pseudonym&page=2"))
    unknown = client.get("/cases?sort=pseudonym&page=2&after=NOT-A-REFERENCE")
    assert references(unknown) == second
    first = client.get("/cases?sort=pseudonym")
    address = _link(first, "next")
    filtered_out = client.get(address.replace("sort=pseudonym", "sort=pseudonym&status=commissioned"))
    assert references(filtered_out) == references(client.get("/cases?sort=pseudonym&status=commissioned&page=2"))


def test_the_count_after_a_keyset_page_is_the_count_of_the_list(listing):
    client, _reviews = listing
    page = client.get("/cases?sort=partnership")
    for _ in range(3):
        page = client.get(_link(page, "next"))
    assert page.find(id="result-count").get_text(strip=True) == "14 reviews, page 4 of 5"


def test_a_keyset_page_runs_the_statements_the_numbered_page_runs(listing):
    client, _reviews = listing
    address = _link(client.get("/cases?sort=partnership"), "next")
    assert parse_qs(urlsplit(address).query)["after"]
    assert statements_for(client, address) == statements_for(client, "/cases?sort=partnership&page=2")
