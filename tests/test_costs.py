"""A review's costs: what they were for, how much, who pays; seen by the partnerships' coordinators and
managers only, never by the panel or the chair, and never in the history everyone on the review reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from ssgp_dhr.cases import history, services
from ssgp_dhr.cases.models import PanelRole
from ssgp_dhr.clock import today_uk
from ssgp_dhr.costs import services as costs
from ssgp_dhr.costs.forms import CostForm
from ssgp_dhr.costs.models import CostKind, ReviewCost
from ssgp_dhr.extensions import db
from tests import factories
from tests.test_case_pages import act_as, form_data, reload  # noqa: F401 - act_as is a fixture


@pytest.fixture
def review_and_people():
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    member, chair = factories.panel_member(), factories.panel_member()
    factories.seat_on_panel(review, member)
    factories.seat_on_panel(review, chair, PanelRole.INDEPENDENT_CHAIR)
    return review, {"coordinator": coordinator, "manager": factories.manager(), "member": member, "chair": chair,
                    "pcc": factories.organisation("OPCC", "Office of the Police and Crime Commissioner")}


def cost(review, who, **changes) -> ReviewCost:
    data = {"incurred_on": today_uk() - timedelta(days=3), "kind": "chair", "amount_pence": 125_050,
            "funder_id": review.lead_partnership_id, "description": "Invoice 1042", **changes}
    return costs.record_cost(reload(review), who, reload(review).version, **data)


def test_costs_are_recorded_in_pence_and_totalled_by_who_pays(review_and_people):
    review, people = review_and_people
    cost(review, people["coordinator"])
    cost(review, people["coordinator"], kind="family_advocacy", amount_pence=40_000, funder_id=people["pcc"].id)
    cost(review, people["coordinator"], kind="administration", amount_pence=9_950)
    totals = costs.totals(costs.costs_of(review))
    assert totals.total_pence == 175_000
    assert totals.by_funder == [(review.lead_partnership.name, 135_000), (people["pcc"].name, 40_000)]
    assert totals.by_kind == [(CostKind.CHAIR, 125_050), (CostKind.ADMINISTRATION, 9_950),
                              (CostKind.FAMILY_ADVOCACY, 40_000)]
    entry = history.newest_events(reload(review), limit=1)[0]
    assert entry.field == "cost" and "99.50" not in entry.to_value and "9950" not in entry.to_value


@pytest.mark.parametrize(("changes", "fields"), [
    ({"incurred_on": None}, ["incurred_on"]),
    ({"incurred_on": today_uk() + timedelta(days=1)}, ["incurred_on"]),
    ({"incurred_on": today_uk() - timedelta(days=400)}, ["incurred_on"]),  # before the notification
    ({"kind": "lunch", "amount_pence": 0, "funder_id": None}, ["kind", "amount", "funder_id"]),
    ({"amount_pence": 100_000_001}, ["amount"]),
])
def test_a_cost_that_cannot_be_recorded_is_refused_by_field_and_nothing_changes(review_and_people, changes, fields):
    review, people = review_and_people
    before = factories.stored_state(review)
    with pytest.raises(services.InvalidChange) as refused:
        cost(review, people["coordinator"], **changes)
    assert [field for field, _ in refused.value.problems] == fields
    for outsider in (people["manager"], people["member"], people["chair"], factories.coordinator(factories.safer_glos())):
        with pytest.raises(services.NotPermitted):
            cost(review, outsider)
    with pytest.raises(services.StaleReview):
        costs.record_cost(review, people["coordinator"], review.version - 1, incurred_on=today_uk(), kind="chair",
                          amount_pence=100, funder_id=review.lead_partnership_id, description="")
    assert factories.stored_state(review) == before
    assert costs.costs_of(review) == []


def test_the_database_refuses_an_amount_that_is_not_positive(review_and_people):
    review, people = review_and_people
    db.session.add(ReviewCost(review_id=review.id, incurred_on=today_uk(), kind=CostKind.OTHER, amount_pence=0,
                              funder_id=review.lead_partnership_id, recorded_by_id=people["coordinator"].id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(("typed", "pence"), [
    ("1250", 125_000), ("1,250.50", 125_050), ("£80", 8_000), ("£ 0.5", 50), ("12.345", None), ("1,25", None),
    ("ten pounds", None), ("-5", None),
])
def test_amounts_are_read_as_pounds_and_pence(app, typed, pence):
    with app.test_request_context(method="POST", data=MultiDict({"amount": typed})):
        form = CostForm(meta={"csrf": False})
        assert form.amount.pence == pence
        assert form.amount.validate(form) is (pence is not None)


def test_removing_a_cost_needs_a_reason_and_the_history_keeps_it(review_and_people):
    review, people = review_and_people
    recorded = cost(review, people["coordinator"])
    with pytest.raises(services.InvalidChange):
        costs.remove_cost(recorded, people["coordinator"], reload(review).version, reason=" ")
    with pytest.raises(services.NotPermitted):
        costs.remove_cost(recorded, people["manager"], reload(review).version, reason="Twice.")
    costs.remove_cost(recorded, people["coordinator"], reload(review).version, reason="Recorded twice.")
    assert costs.costs_of(review) == []
    entry = history.newest_events(reload(review), limit=1)[0]
    assert (entry.field, entry.reason) == ("cost_removed", "Recorded twice.")


def test_coordinators_record_costs_managers_read_them_and_the_panel_never_sees_them(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    url = f"/cases/{review.reference}/costs/new"
    client = act_as(people["coordinator"])
    page = client.get(f"/cases/{review.reference}")
    assert page.select_one("#costs") and page.select_one(f"a[href='{url}']")
    assert "No costs recorded." in page.get_text()

    form = client.get(url)
    assert form.select_one(".govuk-input__prefix").get_text(strip=True) == "£"
    data = form_data({"version": reload(review).version, "incurred_on": today_uk() - timedelta(days=2), "kind": "chair",
                      "amount": "12.345", "funder_id": str(review.lead_partnership_id), "description": ""})
    page = client.post(url, data, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#amount']").get_text() == (
        "Enter the amount in pounds, like 1250 or 1,250.50")
    assert page.select_one("input[name=amount]")["value"] == "12.345"
    assert costs.costs_of(review) == []

    data["amount"] = "1,250.50"
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}#costs"
    cost(review, people["coordinator"], kind="family_advocacy", amount_pence=125_050, funder_id=people["pcc"].id)
    page = client.get(f"/cases/{review.reference}")
    assert page.select_one("#cost-lines caption").get_text(strip=True) == "2 costs, £2,501.00 in all"
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#cost-funders tbody tr")] == [
        [people["pcc"].name, "£1,250.50", "50%"], [review.lead_partnership.name, "£1,250.50", "50%"]]
    assert len(page.select("#cost-lines a[href*='/remove']")) == 2

    reader = act_as(people["manager"]).get(f"/cases/{review.reference}")
    assert reader.select_one("#cost-lines") and not reader.select("#cost-lines a")
    assert not reader.select_one(f"a[href='{url}']")
    act_as(people["manager"]).get(url, expected_status=403)
    for who in ("member", "chair"):
        page = act_as(people[who]).get(f"/cases/{review.reference}")
        assert page.select_one("#costs") is None and "£" not in page.get_text(), who
        assert "Costs" not in [a.get_text(strip=True) for a in page.select("nav.app-contents a")]
        act_as(people[who]).get(url, expected_status=403)
    act_as(factories.coordinator(factories.safer_glos())).get(url, expected_status=404)


def test_the_remove_page_removes_a_cost_with_a_reason(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    recorded_id = cost(review, people["coordinator"]).id
    url = f"/cases/{review.reference}/costs/{recorded_id}/remove"
    client = act_as(people["coordinator"])
    page = client.get(url)
    assert "£1,250.50" in page.select_one("main").get_text()
    client.post(url, {"version": reload(review).version, "reason": ""}, expected_status=400)
    assert len(costs.costs_of(review)) == 1
    client.post(url, {"version": reload(review).version, "reason": "Wrong review."}, expected_status=302)
    assert costs.costs_of(review) == []
    kept = cost(review, people["coordinator"])
    other = factories.review_at("panel", by=people["coordinator"])
    client.get(f"/cases/{other.reference}/costs/{kept.id}/remove", expected_status=404)  # not that review's


def test_the_statistics_sum_the_costs_of_the_readers_partnerships_by_payer_and_purpose(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    cost(review, people["coordinator"])  # £1,250.50 chair, the partnership
    cost(review, people["coordinator"], kind="family_advocacy", amount_pence=40_000, funder_id=people["pcc"].id)
    elsewhere = factories.review_at("panel", lead=factories.safer_glos())  # another partnership's: not counted
    cost(elsewhere, factories.coordinator(factories.safer_glos()), amount_pence=999_999,
         funder_id=elsewhere.lead_partnership_id)
    client = act_as(people["manager"])
    page = client.get("/publication/statistics")
    assert page.select_one("#costs-total").get_text(strip=True) == "£1,650.50 recorded against these reviews."
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#costs-by-funder tbody tr")] \
        == [[review.lead_partnership.name, "£1,250.50"], [people["pcc"].name, "£400.00"]]
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#costs-by-kind tbody tr")] \
        == [["Independent chair", "£1,250.50"], ["Family advocacy", "£400.00"]]
    year = costs.financial_year(today_uk().year if today_uk().month >= 4 else today_uk().year - 1)
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#costs-by-year tbody tr")] \
        == [[year, "£1,650.50"]]
    rows = client.client.get("/publication/statistics.csv").get_data(as_text=True).splitlines()
    assert f"costs in pounds: financial year,{year},1650.50,,,1650.50" in rows
    assert "costs in pounds: total,,1650.50,,," in rows
    assert f"costs in pounds: paid by {people['pcc'].name},,400.00,,,1650.50" in rows
    assert "costs in pounds: family advocacy,,400.00,,,1650.50" in rows
    assert act_as(factories.manager(factories.safer_glos())).get("/publication/statistics") \
        .select_one("#costs-total").get_text(strip=True) == "£9,999.99 recorded against these reviews."


def test_costs_fall_in_the_financial_year_that_runs_april_to_march():
    from datetime import date

    import time_machine

    from ssgp_dhr.cases.models import Review

    coordinator = factories.coordinator()
    with time_machine.travel(date(2026, 3, 1), tick=False):
        review = factories.review_at("panel", by=coordinator)  # notified 200 days before
    with time_machine.travel(date(2027, 6, 1), tick=False):
        for day, pence in ((date(2026, 3, 31), 100), (date(2026, 4, 1), 200), (date(2027, 3, 31), 400),
                           (date(2027, 4, 1), 800)):
            cost(review, coordinator, incurred_on=day, amount_pence=pence)
    assert costs.spend(Review.id == review.id).by_financial_year == [("2025–26", 100), ("2026–27", 600),
                                                                     ("2027–28", 800)]
    assert costs.financial_year(2099) == "2099–00"


def test_the_history_says_a_cost_was_recorded_and_only_the_partnerships_read_what_for(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    recorded = cost(review, people["coordinator"], kind="legal")
    costs.remove_cost(recorded, people["coordinator"], reload(review).version, reason="Recorded on the wrong review.")

    def entries(who) -> list[str]:
        page = act_as(people[who]).get(f"/cases/{review.reference}/history?topic=costs")
        return [item.get_text(" ", strip=True) for item in page.select(".moj-timeline__item")]
    for who in ("member", "chair"):
        shown = " ".join(entries(who))
        assert "Cost recorded" in shown and "Cost removed" in shown
        assert "Legal advice" not in shown and "wrong review" not in shown, who
    member_page = act_as(people["member"]).get(f"/cases/{review.reference}/history")
    assert "costs" not in [o["value"] for o in member_page.select("#topic option")]
    assert "costs" in [o["value"] for o in act_as(people["manager"]).get(
        f"/cases/{review.reference}/history").select("#topic option")]
    shown = " ".join(entries("manager"))
    assert "Legal advice" in shown and "Recorded on the wrong review." in shown
