"""One rule for what an address carries: an identifier too large for any row, or a control character in a path
or a query string, is "not found"; a number in a query string that is not one the page can use is ignored.
Never an error page, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, Role
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import LARGEST_ID, parse_id, query_page
from tests import factories

BEYOND_64_BITS = "9223372036854775808"
HUGE = "99999999999999999999"


@pytest.fixture
def review():
    return factories.review_at("panel", by=factories.coordinator())


def coordinator_of(review):
    return factories.coordinator(review.lead_partnership)


@pytest.mark.parametrize("path", [
    "/cases/{ref}/documents/{n}", "/cases/{ref}/documents/1/versions/{n}/download",
    "/cases/{ref}/documents/{n}/versions/1/download", "/cases/{ref}/recommendations/{n}/progress",
    "/cases/{ref}/costs/{n}/correct", "/cases/{ref}/input/{n}", "/cases/{ref}/delays/{n}/correct",
    "/cases/{ref}/meetings/{n}/edit", "/cases/{ref}/requests/{n}", "/cases/{ref}/panel/{n}/remove",
])
@pytest.mark.parametrize("number", [HUGE, BEYOND_64_BITS, str(LARGEST_ID + 1), "٣", "0"])
def test_an_id_no_row_can_have_is_not_found(signed_in_as, review, path, number):
    client = signed_in_as(coordinator_of(review))
    client.get(path.format(ref=review.reference, n=number), expected_status=404)


def test_an_id_no_row_can_have_is_not_found_on_the_public_and_account_pages(signed_in_as, client_request):
    published = factories.review_at("published")
    client_request.get(f"/reviews/{published.reference}/documents/{HUGE}/current", expected_status=404)
    admin = signed_in_as(factories.user(Role.ADMIN))
    admin.get(f"/admin/users/{HUGE}", expected_status=404)
    admin.post(f"/notifications/{HUGE}/read", token_from="/", expected_status=404)


@pytest.mark.parametrize("query", [
    f"page={BEYOND_64_BITS}", f"year={BEYOND_64_BITS}", f"partnership={BEYOND_64_BITS}", "partnership=²", "year=-1",
    "page=-3", "page=%F0%9F%98%80",
])
def test_the_case_list_and_its_spreadsheet_ignore_a_number_they_cannot_use(signed_in_as, review, query):
    client = signed_in_as(coordinator_of(review))
    page = client.get(f"/cases?{query}")
    assert review.reference in page.get_text()
    assert review.reference in client.get(f"/cases.csv?{query}").get_data(as_text=True)


@pytest.mark.parametrize("query", [f"partnership={HUGE}", f"agency={HUGE}", f"page={HUGE}", "agency=²"])
def test_the_action_plan_page_ignores_a_number_it_cannot_use(signed_in_as, review, query):
    client = signed_in_as(coordinator_of(review))
    client.get(f"/action-plans?{query}")
    client.get(f"/action-plans.csv?{query}")


def test_the_access_log_ignores_a_position_beyond_any_entry(signed_in_as):
    admin = signed_in_as(factories.user(Role.ADMIN))
    admin.get(f"/admin/access-log?before={HUGE}")


def test_history_and_public_pages_past_any_page(signed_in_as, client_request, review):
    signed_in_as(coordinator_of(review)).get(f"/cases/{review.reference}/history?page={HUGE}")
    client_request.get(f"/reviews?page={HUGE}", expected_status=404)


@pytest.mark.parametrize("path", [
    "/reviews/SSGP%00DHR", "/cases/a%00b/history", "/cases/{ref}%00", "/cases/{ref}/history%1b",
    "/cases?q=a%00b", "/cases?q=%07", "/cases/{ref}/history?topic=%00", "/static/application%00.css",
    "/admin/users?%00=1",
])
def test_a_control_character_in_an_address_is_not_found(signed_in_as, review, path):
    client = signed_in_as(coordinator_of(review))
    client.get(path.format(ref=review.reference), expected_status=404)


def test_a_refused_address_holding_nul_is_in_the_access_log_percent_encoded(signed_in_as, review):
    client = signed_in_as(coordinator_of(review))
    client.get("/cases/a%00b/history", expected_status=404)
    entry = db.session.scalars(sa.select(AccessLogEntry).where(AccessLogEntry.event == AccessEvent.REFUSED)).one()
    assert entry.path == "/cases/a%00b/history"


def test_invalid_utf_8_in_an_address_is_not_found(signed_in_as, review):
    client = signed_in_as(coordinator_of(review))
    client.get("/cases/%FF%FE", expected_status=404)
    client.get("/reviews/%C3%28", expected_status=404)
    assert review.reference not in client.get("/cases?q=%FF").get_text()  # read as U+FFFD, which matches nothing


def test_identifiers_and_pages_are_read_by_one_rule():
    assert [parse_id(t) for t in ("1", "0", "-1", "٣", "²", " 1", "1 ", str(LARGEST_ID), str(LARGEST_ID + 1), HUGE,
                                  None, "")] == [1, None, None, None, None, None, None, LARGEST_ID, None, None, None, None]
    assert [query_page({"page": t}) for t in ("", "x", "0", "-1", "3", HUGE)] == [1, 1, 1, 1, 3, LARGEST_ID]


@pytest.mark.parametrize("typed", ["%", "_", "S%t", "S_ott", "\\"])
def test_a_search_looks_for_percent_underscore_and_backslash_as_typed(signed_in_as, typed):
    coordinator = factories.coordinator()
    scott = factories.notified_review(by=coordinator, pseudonym="Scott")
    marked = factories.notified_review(by=coordinator, pseudonym="Scott_%\\ 50%")
    client = signed_in_as(coordinator)
    listed = client.get("/cases", query_string={"q": typed}).get_text()
    expected = typed in "scott_%\\ 50%"
    assert (marked.reference in listed, scott.reference in listed) == (expected, False)
    client.get("/action-plans.csv", query_string={"q": typed})  # the same autoescaped search, without an error


@pytest.mark.parametrize("version", [HUGE, "%FF", "٣", "0", ""])
def test_a_form_carrying_a_version_no_review_can_have_is_a_bad_request(signed_in_as, version):
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    recommendation = factories.recommendation(review, coordinator, "R1", target_on=today_uk() + timedelta(days=30))
    page = f"/cases/{review.reference}/recommendations/{recommendation.id}/progress"
    signed_in_as(coordinator).post(page, {"version": version, "text": "Done."}, 400)
