"""Every CSV download opens cleanly in Excel: UTF-8 with a byte-order mark (without it Excel on Windows
reads "2025–26" as "2025â€“26"), and headings in words, in sentence case, never a field's name."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from ssgp_dhr.clock import today_uk
from ssgp_dhr.costs import services as costs
from ssgp_dhr.presentation import csv_response
from tests import factories

BOM = b"\xef\xbb\xbf"


def _csv_routes(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv"))


def test_every_csv_has_a_byte_order_mark_and_headings_in_words(app, signed_in_as) -> None:
    coordinator, manager = factories.coordinator(), factories.manager()
    review = factories.review_at("published", by=coordinator)
    day = today_uk() - timedelta(days=3)
    costs.record_cost(review, coordinator, review.version, incurred_on=day, kind="chair", amount_pence=125_050,
                      funder_id=review.lead_partnership_id, description="Chair’s fee – first quarter")
    routes = _csv_routes(app)
    assert {"/cases.csv", "/action-plans.csv", "/publication/statistics.csv", "/publication/costs.csv",
            "/publication/home-office-library.csv"} <= set(routes)
    client = signed_in_as(manager).client
    for route in routes:
        response = client.get(route)
        assert response.status_code == 200, route
        assert response.mimetype == "text/csv" and response.mimetype_params.get("charset") == "utf-8", route
        raw = response.get_data()
        assert raw.startswith(BOM) and not raw.startswith(BOM * 2), route
        headings = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        for heading in headings:
            assert re.fullmatch(r"[A-Z][^_]*", heading), (route, heading)

    ledger = client.get("/publication/costs.csv").get_data()
    year = costs.financial_year(day.year if day.month >= 4 else day.year - 1)
    assert year.encode("utf-8") in ledger and "–".encode() in year.encode()  # the en dash, as UTF-8
    assert "Chair’s fee – first quarter".encode() in ledger


def test_the_statistics_name_their_figures_in_the_same_style(signed_in_as) -> None:
    factories.review_at("published")
    text = signed_in_as(factories.manager()).client.get("/publication/statistics.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Figure", "Year", "Value", "Limit", "Within limit", "Count"]
    figures = [row[0] for row in rows[1:]]
    assert all(figure[0].isupper() for figure in figures), figures
    assert not [f for f in figures if "home office" in f], "the Home Office is a proper name"
    assert "Late reports: Home Office told of the delay" in figures


def test_a_csv_with_a_field_name_for_a_heading_is_refused(app) -> None:
    with app.test_request_context(), pytest.raises(ValueError, match="within_limit"):
        csv_response(["Figure", "within_limit"], [], "x.csv")
