"""The case list: filters in the query string, search, sorting by column, 25 a page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role
from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.models import RESTRICTED_FIELDS, Review
from ssgp_dhr.cases.views import overdue_clause
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import OrganisationKind
from ssgp_dhr.presentation import uk_date
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture
from tests.test_queries import counting_statements


def references(page) -> list[str]:
    table = page.find(id="reviews")
    return [row.find("td").get_text(strip=True) for row in table.tbody.find_all("tr")] if table else []


@pytest.fixture
def setting(act_as):  # noqa: F811
    coordinator = factories.user((Role.COORDINATOR, factories.ssgp()), (Role.COORDINATOR, factories.safer_glos()))
    today = today_uk()
    reviews = {
        "fresh": factories.notified_review(coordinator, pseudonym="Robin", notified_on=today - timedelta(days=3)),
        "late": factories.notified_review(coordinator, pseudonym="Ellis", notified_on=today - timedelta(days=60)),
        "panel": factories.review_at("panel", by=coordinator, pseudonym="Avery"),
        "sg": factories.notified_review(coordinator, lead=factories.safer_glos(), pseudonym="Sky",
                                        notified_on=today - timedelta(days=5)),
        "hidden": factories.notified_review(lead=factories.organisation("OTHER", "Other Partnership"), pseudonym="Hidden"),
    }
    return act_as(coordinator), reviews


def test_the_list_shows_only_visible_reviews_with_status_tags(setting):
    client, reviews = setting
    page = client.get("/cases")
    assert page.title.get_text().startswith("Reviews – ")
    assert sorted(references(page)) == sorted(r.reference for k, r in reviews.items() if k != "hidden")
    assert page.select("#reviews .govuk-tag")
    assert "Other Partnership" not in page.find(id="partnership").get_text()


@pytest.mark.parametrize(("query", "expected"), [
    ("status=notified", {"fresh", "late", "sg"}),
    ("status=panel", {"panel"}),
    ("overdue=yes", {"late", "panel"}),
    ("q=rob", {"fresh"}),
    ("q=sg-dhr", {"sg"}),  # any case
    ("status=notified&overdue=yes", {"late"}),
])
def test_filters_and_search_live_in_the_query_string(setting, query, expected):
    client, reviews = setting
    page = client.get(f"/cases?{query}")
    assert set(references(page)) == {reviews[k].reference for k in expected}
    for pair in query.split("&"):
        name, value = pair.split("=")
        assert f"{name}={value}" in page.select_one("th a.app-sort-link")["href"] or name == "q"


def test_partnership_and_year_filters(setting):
    client, reviews = setting
    sg = factories.safer_glos()
    assert set(references(client.get(f"/cases?partnership={sg.id}"))) == {reviews["sg"].reference}
    year = reviews["panel"].ref_year
    assert set(references(client.get(f"/cases?year={year}"))) == {
        r.reference for k, r in reviews.items() if k != "hidden" and r.ref_year == year}


def test_the_overdue_filter_agrees_with_the_deadlines(setting):
    today = today_uk()
    everything = db.session.scalars(sa.select(Review)).all()
    in_sql = set(db.session.scalars(sa.select(Review.reference).where(overdue_clause(today))))
    in_python = {r.reference for r in everything if any(d.is_overdue(today) for d in deadlines.deadlines(r))}
    assert in_sql == in_python


def test_sorting_by_column_both_ways(setting):
    client, reviews = setting
    page = client.get("/cases?sort=pseudonym&order=asc")
    assert references(page) == [reviews[k].reference for k in ("panel", "late", "fresh", "sg")]
    header = page.find("th", attrs={"aria-sort": "ascending"})
    assert "Pseudonym" in header.get_text()
    page = client.get(header.a["href"])
    assert references(page) == [reviews[k].reference for k in ("sg", "fresh", "late", "panel")]
    assert page.find("th", attrs={"aria-sort": "descending"}) is not None
    client.get("/cases?sort=nonsense&order=sideways")  # ignored, not an error

    for order in ("asc", "desc"):
        page = client.get(f"/cases?sort=partnership&order={order}")
        leads = [row.find_all("td")[2].get_text(strip=True) for row in page.find(id="reviews").tbody.find_all("tr")]
        assert len(set(leads)) == 2 and leads == sorted(leads, reverse=order == "desc")


def test_pages_of_25(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    for n in range(27):
        factories.notified_review(coordinator, pseudonym=f"P{n:02d}")
    client = act_as(coordinator)
    page = client.get("/cases?sort=pseudonym&order=asc")
    assert len(references(page)) == 25
    assert "27 reviews" in page.find(id="result-count").get_text()
    next_link = page.select_one(".govuk-pagination__next a")["href"]
    assert "page=2" in next_link and "sort=pseudonym" in next_link
    page = client.get(next_link)
    assert len(references(page)) == 2
    assert page.select_one(".govuk-pagination__prev") is not None
    assert page.select_one(".govuk-pagination__item--current").get_text(strip=True) == "2"
    assert len(references(client.get("/cases?page=99"))) == 2  # past the end: the last page


def test_a_long_list_is_counted_only_a_few_pages_ahead(act_as, monkeypatch):  # noqa: F811
    from ssgp_dhr.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_UP_TO", 4)
    monkeypatch.setattr(views, "PAGINATION_AHEAD", 1)
    coordinator = factories.coordinator()
    for n in range(12):
        factories.notified_review(coordinator, pseudonym=f"P{n:02d}")
    client = act_as(coordinator)

    page = client.get("/cases?sort=pseudonym&order=asc")
    assert references(page) and len(references(page)) == 2
    assert page.find(id="result-count").get_text(strip=True) == "More than 4 reviews, page 1"
    assert page.title.get_text().startswith("Reviews (page 1) – ")
    assert "page=2" in page.select_one(".govuk-pagination__next a")["href"]
    assert page.select(".govuk-pagination__item--ellipsis")  # pages beyond those counted

    page = client.get("/cases?sort=pseudonym&order=asc&page=5")  # near the end the count is exact again
    assert page.find(id="result-count").get_text(strip=True) == "12 reviews, page 5 of 6"
    assert [a.get_text(strip=True) for a in page.select(".govuk-pagination__item a")][-1] == "6"
    page = client.get("/cases?sort=pseudonym&order=asc&page=40")  # past the end: the last page
    assert page.find(id="result-count").get_text(strip=True) == "12 reviews, page 6 of 6"
    assert page.select_one(".govuk-pagination__next") is None


def test_filter_choices_come_from_the_users_roles_and_panel_seats(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    other = factories.organisation("OTHER", "Other Partnership")
    sat_on = factories.review_at("panel", lead=other, pseudonym="Seated")
    factories.notified_review(lead=factories.organisation("THIRD", "Third Partnership"), pseudonym="Unseen")
    member = factories.panel_member()
    factories.seat_on_panel(sat_on, member)

    choices = client_choices(act_as(member))
    assert "Other Partnership" in choices["partnership"] and "Third Partnership" not in choices["partnership"]
    assert choices["year"] == ["Any", str(sat_on.ref_year)]

    choices = client_choices(act_as(coordinator))
    assert choices["partnership"] == ["Any", factories.ssgp().name]
    assert choices["year"] == ["Any", str(sat_on.ref_year)]  # the years of the service's references


def client_choices(client) -> dict[str, list[str]]:
    page = client.get("/cases")
    return {name: [o.get_text(strip=True) for o in page.find(id=name).find_all("option")]
            for name in ("partnership", "year")}


def test_someone_following_many_partnerships_sees_exactly_their_reviews(act_as):  # noqa: F811
    """Past policy.LISTED_PARTNERSHIPS the visible reviews are read through the role table, not listed ids."""
    from ssgp_dhr.cases import policy

    partnerships = [factories.organisation(f"P{n:02}", f"Partnership {n:02}", OrganisationKind.PARTNERSHIP)
                    for n in range(policy.LISTED_PARTNERSHIPS + 1)]
    unfollowed = factories.organisation("UNF", "Unfollowed Partnership", OrganisationKind.PARTNERSHIP)
    reader = factories.user(*[(Role.MANAGER, p) for p in partnerships])
    led = factories.notified_review(lead=partnerships[0], pseudonym="Led")
    joint = factories.notified_review(lead=unfollowed, joint=partnerships[-1], pseudonym="Joint")
    factories.notified_review(lead=unfollowed, pseudonym="Elsewhere")
    factories.user((Role.COORDINATOR, unfollowed))  # another person's roles must not widen the reader's view

    page = act_as(reader).get("/cases")
    assert sorted(references(page)) == sorted([led.reference, joint.reference])
    options = [o.get_text(strip=True) for o in page.find(id="partnership").find_all("option")]
    assert options == ["Any", *(p.name for p in partnerships)]


def test_each_row_shows_the_partnerships_and_the_next_deadline(setting):
    client, _reviews = setting
    joint = factories.notified_review(joint=factories.safer_glos(), pseudonym="Jordan")
    page = client.get("/cases?q=jordan")
    cells = [td.get_text(" ", strip=True) for td in page.find(id="reviews").tbody.tr.find_all("td")]
    assert cells[2] == "Stronger Safer Gloucester Partnership with Safer Gloucestershire"
    due = deadlines.next_deadline(joint, today_uk())
    assert cells[5] == f"{due.name}: {uk_date(due.due_on)} ({due.days_left(today_uk())} days left)"

    late = client.get("/cases?q=ellis").find(id="reviews").tbody.tr.find_all("td")[5]
    assert late.find(class_="govuk-tag").get_text(strip=True).endswith("days overdue")
    assert client.get("/cases?q=avery").find(id="reviews").tbody.tr.find_all("td")[5].get_text(strip=True) \
        .startswith(deadlines.REPORT)


def test_the_list_never_reads_real_names(setting):
    """It shows pseudonyms: the restricted fields are not even selected, let alone shown."""
    client, _reviews = setting
    with counting_statements() as statements:
        assert references(client.get("/cases"))
    assert not [s for s in statements for field in RESTRICTED_FIELDS if field in s]


def csv_rows(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=reviews-")
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_list_downloads_as_a_csv_of_every_match_in_its_order(setting):
    client, reviews = setting
    page = client.get("/cases?status=notified&sort=pseudonym&order=desc")
    link = page.select_one("main a[download]")
    assert link.get_text(strip=True).startswith("Download every review listed as a spreadsheet (CSV)")
    rows = csv_rows(client, link["href"])
    assert [row["Reference"] for row in rows] == [reviews[k].reference for k in ("sg", "fresh", "late")]
    late = rows[2]
    due = deadlines.next_deadline(reviews["late"], today_uk())
    assert late == {
        "Reference": reviews["late"].reference, "Pseudonym": "Ellis", "Kind of death": "Domestic homicide",
        "Stage": "Notified",
        "Lead partnership": "Stronger Safer Gloucester Partnership", "Joint partnership": "",
        "Notified": reviews["late"].notified_on.isoformat(), "Next deadline": due.name,
        "Due": due.due_on.isoformat(), "Days overdue": str(due.days_overdue(today_uk())), "Case file disposed of": "",
    }
    assert rows[0]["Days overdue"] == ""  # not overdue


def test_the_csv_holds_every_match_not_one_page_and_nothing_hidden(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    for n in range(27):
        factories.notified_review(coordinator, pseudonym=f"P{n:02d}")
    factories.notified_review(lead=factories.organisation("OTHER", "Other Partnership"), pseudonym="Hidden")
    client = act_as(coordinator)
    rows = csv_rows(client, "/cases.csv?sort=pseudonym&order=asc")
    assert [row["Pseudonym"] for row in rows] == [f"P{n:02d}" for n in range(27)]
    with counting_statements() as statements:
        csv_rows(client, "/cases.csv")
    assert not [s for s in statements for field in RESTRICTED_FIELDS if field in s]


def test_a_panel_member_downloads_only_the_reviews_they_sit_on(act_as):  # noqa: F811
    member = factories.panel_member()
    seated = factories.review_at("panel", pseudonym="Seated")
    factories.seat_on_panel(seated, member)
    factories.review_at("panel", pseudonym="Elsewhere")
    assert [row["Pseudonym"] for row in csv_rows(act_as(member), "/cases.csv")] == ["Seated"]
