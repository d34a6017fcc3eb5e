"""Deaths counted apart: the case list, the publication board, the statistics and the Home Office library export
show and filter by the kind of death, and the annual figures are split by it."""

from __future__ import annotations

import csv
import io

import pytest

from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.extensions import db
from ssgp_dhr.publication import statistics
from tests import factories


def _csv(client, url: str) -> list[dict[str, str]]:
    response = client.client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def kinds():
    """A review of each kind of death, each published, and one more suicide still in panel."""
    coordinator = factories.coordinator()
    made = {kind: factories.review_at("published", coordinator, death_kind=kind.value, pseudonym=kind.value[:10])
            for kind in DeathKind}
    made["panel"] = factories.review_at("panel", coordinator, death_kind="suicide", pseudonym="Panelsuicide")
    return coordinator, made


def test_the_case_list_filters_by_kind_of_death_and_its_csv_says_which(kinds, signed_in_as):
    coordinator, made = kinds
    client = signed_in_as(coordinator)
    page = client.get("/cases?kind=suicide")
    listed = {a.get_text(strip=True) for a in page.select("#reviews tbody a")}
    assert listed == {made[DeathKind.SUICIDE].reference, made["panel"].reference}
    assert [o["value"] for o in page.select("#kind option")] == ["", *DeathKind]
    rows = _csv(client, page.select_one("main a[download]")["href"])
    assert {r["Reference"]: r["Kind of death"] for r in rows} == {
        made[DeathKind.SUICIDE].reference: "Suicide or suspected suicide following domestic abuse",
        made["panel"].reference: "Suicide or suspected suicide following domestic abuse"}
    everything = _csv(client, "/cases.csv")
    assert {r["Kind of death"] for r in everything} == {k.label for k in DeathKind}
    assert len(client.get("/cases?kind=nonsense").select("#reviews tbody tr")) == 4  # ignored, as other filters


def _column(page, heading: str):
    """The board's table under the heading `heading`."""
    found = next(h for h in page.select("main h2") if h.get_text(" ", strip=True).startswith(heading))
    return found.find_next("table")


def test_the_publication_board_filters_by_kind_of_death(kinds, signed_in_as):
    _coordinator, made = kinds
    client = signed_in_as(factories.manager())
    page = client.get("/publication?kind=other_unexpected_death")
    table = _column(page, "Published")
    assert [a.get_text(strip=True) for a in table.select("tbody a")] == [
        made[DeathKind.OTHER_UNEXPECTED_DEATH].reference]
    assert table.select("tbody td")[2].get_text(strip=True) == "Other unexpected death"
    assert page.title.get_text().startswith("Publication status: Other unexpected death following domestic abuse")
    assert len(_column(client.get("/publication"), "Published").select("tbody tr")) == 3


def test_the_annual_figures_are_split_by_kind_of_death(kinds, signed_in_as):
    _coordinator, made = kinds
    client = signed_in_as(factories.manager())
    year = made["panel"].notified_on.year
    page = client.get("/publication/statistics")
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
            for tr in page.select("#per-year-by-kind tbody tr")]
    published_year = made[DeathKind.SUICIDE].published_on.year
    assert [str(year), "Suicide or suspected suicide following domestic abuse", "2", "2",
            "1" if published_year == year else "0"] in rows
    assert [r[1] for r in rows if r[0] == str(year)] == [k.label for k in DeathKind]  # in the kinds' order

    figures = _csv(client, "/publication/statistics.csv")
    assert {"Figure": "Notified: Suicide or suspected suicide following domestic abuse", "Year": str(year),
            "Value": "2"}.items() <= next(f for f in figures if f["Figure"].startswith("Notified: Suicide")).items()
    only_suicides = _csv(client, "/publication/statistics.csv?kind=suicide")
    assert next(f for f in only_suicides if f["Figure"] == "Notified")["Value"] == "2"
    page = client.get("/publication/statistics?kind=suicide")
    assert page.select_one("#per-year tbody td").get_text(strip=True) == "2"


def test_per_year_by_kind_counts_each_kind_apart():
    reviews = [factories.notified_review(death_kind=k) for k in ("suicide", "suicide", "domestic_homicide")]
    db.session.expire_all()
    rows = statistics.per_year_by_kind(reviews)
    assert [(r.kind, r.notified) for r in rows] == [(DeathKind.DOMESTIC_HOMICIDE, 1), (DeathKind.SUICIDE, 2)]
    facts = statistics.review_facts(db.true())
    assert [(r.kind, r.notified) for r in statistics.per_year_by_kind(facts)] == [
        (DeathKind.DOMESTIC_HOMICIDE, 1), (DeathKind.SUICIDE, 2)]


def test_the_home_office_library_export_says_the_kind_of_death(kinds, signed_in_as):
    _coordinator, made = kinds
    client = signed_in_as(factories.manager())
    rows = _csv(client, "/publication/home-office-library.csv")
    assert {r["Reference"]: r["Kind of death"] for r in rows} == {
        made[k].reference: k.label for k in DeathKind}
    assert [r["Reference"] for r in _csv(client, "/publication/home-office-library.csv?kind=suicide")] == [
        made[DeathKind.SUICIDE].reference]
