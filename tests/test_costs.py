"""A review's costs: what they were for, how much, who pays; seen by the partnerships' coordinators and
managers only, never by the panel or the chair, and never in the history everyone on the review reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from ssgp_dhr.cases import history, services
from ssgp_dhr.cases.models import PanelRole, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.costs import services as costs
from ssgp_dhr.costs.forms import CostForm, parse_percent
from ssgp_dhr.costs.models import CostKind, CostShare, ReviewCost
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
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
    page = client.review(review.reference)
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
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}/costs#costs"
    cost(review, people["coordinator"], kind="family_advocacy", amount_pence=125_050, funder_id=people["pcc"].id)
    page = client.review(review.reference)
    assert page.select_one("#cost-lines caption").get_text(strip=True) == "2 costs, £2,501.00 in all"
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#cost-funders tbody tr")] == [
        [people["pcc"].name, "£1,250.50", "50%"], [review.lead_partnership.name, "£1,250.50", "50%"]]
    assert len(page.select("#cost-lines a[href*='/remove']")) == 2

    reader = act_as(people["manager"]).review(review.reference)
    assert reader.select_one("#cost-lines") and not reader.select("#cost-lines a")
    assert not reader.select_one(f"a[href='{url}']")
    act_as(people["manager"]).get(url, expected_status=403)
    for who in ("member", "chair"):
        page = act_as(people[who]).review(review.reference)
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
    assert f"Costs in pounds: financial year,{year},1650.50,,,1650.50" in rows
    assert "Costs in pounds: total,,1650.50,,," in rows
    assert f"Costs in pounds: paid by {people['pcc'].name},,400.00,,,1650.50" in rows
    assert "Costs in pounds: family advocacy,,400.00,,,1650.50" in rows
    assert act_as(factories.manager(factories.safer_glos())).get("/publication/statistics") \
        .select_one("#costs-total").get_text(strip=True) == "£9,999.99 recorded against these reviews."


def test_costs_fall_in_the_financial_year_that_runs_april_to_march():
    from datetime import date

    import time_machine

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


# --- The agreed shares of a review's costs ----------------------------------------------------

def share(review, who, shares, **changes):
    data = {"agreed_on": today_uk() - timedelta(days=5), "shares": shares, "note": "Agreed at the board.", **changes}
    return costs.agree_cost_sharing(reload(review), who, reload(review).version, **data)


@pytest.mark.parametrize(("total", "points", "due"), [
    (100_000, [4000, 3000, 3000], [40_000, 30_000, 30_000]),
    (100, [3334, 3333, 3333], [34, 33, 33]),
    (1, [3334, 3333, 3333], [1, 0, 0]),
    (2, [5000, 5000], [1, 1]),
    (763_000, [4000, 3000, 3000], [305_200, 228_900, 228_900]),
    (1_001, [2500, 2500, 2500, 2500], [251, 250, 250, 250]),  # the left-over penny to the first of equals
    (999, [1, 9999], [0, 999]),
    (0, [10_000], [0]),
])
def test_costs_are_split_by_the_agreed_shares_into_pence_that_add_up_exactly(total, points, due):
    assert costs.split_pence(total, points) == due
    assert sum(due) == total


@pytest.mark.parametrize(("points", "words"), [(4000, "40%"), (3333, "33.33%"), (1250, "12.5%"), (10_000, "100%"),
                                               (1, "0.01%")])
def test_shares_read_as_percentages(points, words):
    assert costs.share_in_words(points) == words


def test_the_agreed_shares_give_what_each_funder_owes_or_is_owed(review_and_people):
    review, people = review_and_people
    partnership, pcc, nhs = review.lead_partnership, people["pcc"], factories.organisation("NHS Glos", "NHS Glos ICB")
    fire = factories.organisation("GFRS", "Fire and Rescue")
    cost(review, people["coordinator"], amount_pence=600_000)  # the partnership pays the chair
    cost(review, people["coordinator"], kind="family_advocacy", amount_pence=100_000, funder_id=pcc.id)
    cost(review, people["coordinator"], kind="legal", amount_pence=1_001, funder_id=fire.id)  # outside the agreement
    sharing = share(review, people["coordinator"], [(partnership.id, 5000), (None, None), (pcc.id, 2500),
                                                     (nhs.id, 2500)])
    assert [(s.organisation_id, s.basis_points) for s in sharing.shares] == [
        (partnership.id, 5000), (pcc.id, 2500), (nhs.id, 2500)]
    rows = costs.balances(sharing, costs.costs_of(review))
    assert [(r.name, r.basis_points, r.due_pence, r.paid_pence, r.owed_pence) for r in rows] == [
        (partnership.name, 5000, 350_501, 600_000, -249_499),
        (pcc.name, 2500, 175_250, 100_000, 75_250),
        (nhs.name, 2500, 175_250, 0, 175_250),
        (fire.name, 0, 0, 1_001, -1_001)]
    assert sum(r.owed_pence for r in rows) == 0  # what is owed is what is owed back, to the penny
    entry = history.newest_events(reload(review), limit=1)[0]
    assert (entry.field, entry.from_value, entry.reason) == ("cost_sharing", "", "Agreed at the board.")
    assert entry.to_value.startswith(f"{partnership.short_name} 50%, OPCC 25%, NHS Glos 25%, agreed ")


def test_new_shares_replace_the_old_and_the_history_keeps_both(review_and_people):
    review, people = review_and_people
    partnership, pcc = review.lead_partnership, people["pcc"]
    share(review, people["coordinator"], [(partnership.id, 6000), (pcc.id, 4000)])
    version = reload(review).version
    share(review, people["coordinator"], [(partnership.id, 6000), (pcc.id, 4000)])  # the same again
    assert reload(review).version == version
    share(review, people["coordinator"], [(pcc.id, 5000), (partnership.id, 5000)], note="Renegotiated.")
    shares = db.session.scalars(sa.select(CostShare)).all()
    assert sorted((s.organisation_id, s.basis_points) for s in shares) == sorted(
        [(partnership.id, 5000), (pcc.id, 5000)])
    entry = history.newest_events(reload(review), limit=1)[0]
    assert entry.from_value.startswith(f"{partnership.short_name} 60%, OPCC 40%")
    assert entry.to_value.startswith(f"{partnership.short_name} 50%, OPCC 50%") or \
        entry.to_value.startswith(f"OPCC 50%, {partnership.short_name} 50%")
    assert entry.reason == "Renegotiated."


@pytest.mark.parametrize(("shares", "changes", "fields"), [
    ([], {}, ["organisation_1"]),
    ([("lead", 6000), ("pcc", 3000)], {}, ["share_1"]),  # 90%
    ([("lead", 6000), ("pcc", 5000)], {}, ["share_1"]),  # 110%
    ([("lead", 5000), ("lead", 5000)], {}, ["organisation_2"]),
    ([("lead", 10_000), (None, None), (None, 0)], {}, ["organisation_3", "share_3"]),
    ([("lead", None)], {"agreed_on": None}, ["agreed_on", "share_1"]),
    ([("lead", 10_001)], {"agreed_on": today_uk() + timedelta(days=1)}, ["agreed_on", "share_1"]),
    ([(-1, 10_000)], {"agreed_on": today_uk() - timedelta(days=400)}, ["agreed_on", "organisation_1"]),
    ([("lead", 1000)] * 7, {}, ["organisation_1"]),  # more than the form can show
])
def test_shares_that_cannot_be_agreed_are_refused_by_row_and_nothing_changes(review_and_people, shares, changes,
                                                                            fields):
    review, people = review_and_people
    ids = {"lead": review.lead_partnership_id, "pcc": people["pcc"].id}
    rows = [(ids.get(org, org), points) for org, points in shares]
    before = factories.stored_state(review)
    with pytest.raises(services.InvalidChange) as refused:
        share(review, people["coordinator"], rows, **changes)
    assert [field for field, _ in refused.value.problems] == fields
    for outsider in (people["manager"], people["member"], people["chair"]):
        with pytest.raises(services.NotPermitted):
            share(review, outsider, [(review.lead_partnership_id, 10_000)])
    assert factories.stored_state(review) == before
    assert costs.cost_sharing_of(review) is None


def test_the_database_refuses_a_share_outside_0_to_100_percent(review_and_people):
    review, people = review_and_people
    sharing = share(review, people["coordinator"], [(review.lead_partnership_id, 10_000)])
    db.session.add(CostShare(sharing_id=sharing.id, organisation_id=people["pcc"].id, basis_points=0))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(("typed", "points"), [
    ("40", 4000), ("33.33", 3333), ("25%", 2500), (" 12.5 % ", 1250), ("100", 10_000), ("33.333", None),
    ("forty", None), ("-5", None), ("1,5", None),
])
def test_shares_are_read_as_percentages(typed, points):
    assert parse_percent(typed) == points


def test_coordinators_agree_the_shares_on_a_form_and_the_case_page_shows_the_balances(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    url = f"/cases/{review.reference}/costs/sharing"
    nhs = factories.organisation("NHS Glos", "NHS Glos ICB")
    cost(review, people["coordinator"], amount_pence=300_000)
    client = act_as(people["coordinator"])
    assert client.review(review.reference).select_one(f"#costs ~ ul a[href='{url}']").get_text(
        strip=True) == "Agree how the costs are shared"

    form = client.get(url)
    assert form.select_one("h1").get_text(strip=True) == "Agree how the costs are shared"
    assert form.select_one("#organisation_1 option[selected]")["value"] == str(review.lead_partnership_id)
    assert len(form.select("select[name^=organisation_]")) == costs.MOST_FUNDERS
    assert form.select_one("#share_1 + .govuk-input__suffix, #share_1 ~ .govuk-input__suffix").get_text() == "%"

    data = form_data({"version": reload(review).version, "agreed_on": today_uk() - timedelta(days=1),
                      "organisation_1": str(review.lead_partnership_id), "share_1": "50",
                      "organisation_2": str(people["pcc"].id), "share_2": "thirty",
                      "organisation_3": str(nhs.id), "share_3": "25", "note": "By e-mail."})
    page = client.post(url, data, expected_status=400)
    assert [a.get_text() for a in page.select(".govuk-error-summary a")] == [
        "Enter share 2 as a percentage between 0.01 and 100, like 40 or 33.33"]
    assert page.select_one("#share_2")["value"] == "thirty" and page.select_one("#note").get_text() == "By e-mail."

    data["share_2"] = "30"
    page = client.post(url, data, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#share_1']").get_text() == (
        "The shares add up to 105%: they must add up to 100%")
    assert costs.cost_sharing_of(review) is None

    data["share_2"] = "25"
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}/costs#costs"
    page = client.review(review.reference)
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#cost-shares tbody tr")] == [
        [review.lead_partnership.name, "50%", "£1,500.00", "£3,000.00", "Is owed £1,500.00"],
        [people["pcc"].name, "25%", "£750.00", "£0.00", "Owes £750.00"],
        [nhs.name, "25%", "£750.00", "£0.00", "Owes £750.00"]]
    assert page.select_one("#cost-funders") is None  # the shares table replaces the plain "who pays"
    assert "By e-mail." in page.select_one("#cost-shares caption").get_text()

    form = client.get(url)  # changing them starts from what was agreed
    assert form.select_one("h1").get_text(strip=True) == "Change the agreed shares of the costs"
    assert [form.select_one(f"#share_{row}")["value"] for row in (1, 2, 3)] == ["50", "25", "25"]
    assert form.select_one("#organisation_3 option[selected]")["value"] == str(nhs.id)

    manager = act_as(people["manager"])
    assert manager.review(review.reference).select_one("#cost-shares")
    manager.get(url, expected_status=403)
    for who in ("member", "chair"):
        assert act_as(people[who]).review(review.reference).select_one("#cost-shares") is None
        act_as(people[who]).get(url, expected_status=403)
    act_as(factories.coordinator(factories.safer_glos())).get(url, expected_status=404)


def test_the_history_hides_the_agreed_shares_from_the_panel(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    share(review, people["coordinator"], [(review.lead_partnership_id, 10_000)], note="Board minute 12.")

    def shown(who) -> str:
        page = act_as(people[who]).get(f"/cases/{review.reference}/history?topic=costs")
        return " ".join(item.get_text(" ", strip=True) for item in page.select(".moj-timeline__item"))
    assert "Agreed shares of the costs" in shown("member") and "100%" not in shown("member")
    assert "Board minute 12." not in shown("chair")
    assert "100%" in shown("manager") and "Board minute 12." in shown("manager")


def test_the_statistics_sum_what_each_organisation_owes_under_the_agreed_shares(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    coordinator, partnership, pcc = people["coordinator"], review.lead_partnership, people["pcc"]
    client = act_as(people["manager"])
    cost(review, coordinator, amount_pence=100_000)  # the partnership pays £1,000, half each agreed
    assert client.get("/publication/statistics").select_one("#shared-balances").get_text(strip=True).startswith(
        "No review has agreed shares of its costs yet.")
    share(review, coordinator, [(partnership.id, 5000), (pcc.id, 5000)])
    second = factories.review_at("panel", by=coordinator)
    cost(second, coordinator, amount_pence=30_001, funder_id=pcc.id)  # the PCC pays £300.01, a third each
    nhs = factories.organisation("NHS Glos", "NHS Glos ICB")
    share(second, coordinator, [(pcc.id, 3334), (partnership.id, 3333), (nhs.id, 3333)])
    unshared = factories.review_at("panel", by=coordinator)  # no agreement: not in the balances
    cost(unshared, coordinator, amount_pence=77_700)
    elsewhere = factories.review_at("panel", lead=factories.safer_glos())  # another partnership's
    cost(elsewhere, factories.coordinator(factories.safer_glos()), amount_pence=50_000, funder_id=pcc.id)
    share(elsewhere, factories.coordinator(factories.safer_glos()), [(nhs.id, 10_000)])

    # The first review: the PCC owes £500.00, the partnership is owed it. The second: £300.01 in thirds is
    # £100.03 (the left-over penny to the largest share), £99.99 and £99.99, so the PCC is owed £199.98 back,
    # the partnership owes £99.99 and the NHS £99.99. Net, to the penny: the PCC owes £300.02, the NHS
    # £99.99, and the partnership is owed £400.01.
    assert costs.balances_across(sa.true()).reviews == 3
    page = client.get("/publication/statistics")
    assert "2 reviews with agreed shares" in page.select_one("#shared-balances").get_text()
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#costs-balances tbody tr")] \
        == [[pcc.name, "Owes £300.02"], [nhs.name, "Owes £99.99"], [partnership.name, "Is owed £400.01"]]
    rows = client.client.get("/publication/statistics.csv").get_data(as_text=True).splitlines()
    assert "Reviews with agreed shares of their costs,,2,,," in rows
    assert f"Costs in pounds: owed by {pcc.name} under the agreed shares,,300.02,,," in rows
    assert f"Costs in pounds: owed back to {partnership.name} under the agreed shares,,400.01,,," in rows

    recharge(review, coordinator, payer_id=pcc.id, payee_id=partnership.id, amount_pence=30_002)  # settling up
    recharge(second, coordinator, payer_id=nhs.id, payee_id=partnership.id, amount_pence=9_999)
    assert costs.balances_across(Review.id.in_([review.id, second.id])).owed == []
    assert client.get("/publication/statistics").select_one("#shared-balances").get_text(strip=True).startswith(
        "Every organisation has paid its agreed share of the 2 reviews")



# --- Recharges: payments between funders settling their shares -------------------------------

def recharge(review, who, **changes):
    data = {"paid_on": today_uk() - timedelta(days=1), "payer_id": None, "payee_id": review.lead_partnership_id,
            "amount_pence": 10_000, "reference": "Recharge invoice RI-9", **changes}
    return costs.record_recharge(reload(review), who, reload(review).version, **data)


def test_a_recharge_settles_balances_without_changing_what_the_review_cost(review_and_people):
    review, people = review_and_people
    partnership, pcc = review.lead_partnership, people["pcc"]
    cost(review, people["coordinator"], amount_pence=100_000)
    with pytest.raises(services.NotAllowedNow):  # nothing to settle before the shares are agreed
        recharge(review, people["coordinator"], payer_id=pcc.id)
    sharing = share(review, people["coordinator"], [(partnership.id, 6000), (pcc.id, 4000)])
    recharge(review, people["coordinator"], payer_id=pcc.id, amount_pence=25_000)
    rows = costs.balances(sharing, costs.costs_of(review), costs.recharges_of(review))
    assert [(r.name, r.due_pence, r.paid_pence, r.recharged_pence, r.owed_pence) for r in rows] == [
        (partnership.name, 60_000, 100_000, -25_000, -15_000), (pcc.name, 40_000, 0, 25_000, 15_000)]
    assert costs.totals(costs.costs_of(review)).total_pence == 100_000
    entry = history.newest_events(reload(review), limit=1)[0]
    assert entry.field == "cost_recharge" and "250" not in entry.to_value
    assert entry.to_value.startswith(f"OPCC to {partnership.short_name}, ")


@pytest.mark.parametrize(("changes", "fields"), [
    ({"paid_on": None, "payer_id": None}, ["paid_on", "payer_id"]),
    ({"paid_on": today_uk() + timedelta(days=1), "payee_id": -1}, ["paid_on", "payee_id"]),
    ({"payer_id": "lead"}, ["payee_id"]),  # to itself
    ({"amount_pence": 0}, ["amount"]),
    ({"amount_pence": 100_000_001}, ["amount"]),
])
def test_a_recharge_that_cannot_be_recorded_is_refused_by_field(review_and_people, changes, fields):
    review, people = review_and_people
    share(review, people["coordinator"], [(review.lead_partnership_id, 10_000)])
    changes = {"payer_id": people["pcc"].id, **changes}
    if changes["payer_id"] == "lead":
        changes["payer_id"] = review.lead_partnership_id
    before = factories.stored_state(review)
    with pytest.raises(services.InvalidChange) as refused:
        recharge(review, people["coordinator"], **changes)
    assert [field for field, _ in refused.value.problems] == fields
    for outsider in (people["manager"], people["member"]):
        with pytest.raises(services.NotPermitted):
            recharge(review, outsider, payer_id=people["pcc"].id)
    assert factories.stored_state(review) == before and costs.recharges_of(review) == []


def test_recharges_are_recorded_and_removed_on_their_pages(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    pcc = people["pcc"]
    cost(review, people["coordinator"], amount_pence=100_000)
    share(review, people["coordinator"], [(review.lead_partnership_id, 5000), (pcc.id, 5000)])
    url = f"/cases/{review.reference}/costs/recharges/new"
    client = act_as(people["coordinator"])
    assert client.review(review.reference).select_one(f"#costs ~ ul a[href='{url}']")
    data = form_data({"version": reload(review).version, "paid_on": today_uk(), "payer_id": str(pcc.id),
                      "payee_id": str(pcc.id), "amount": "500", "reference": "RI-9"})
    page = client.post(url, data, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#payee_id']").get_text() == (
        "Choose an organisation other than the one that paid")
    assert page.select_one("input[name=amount]")["value"] == "500"
    assert [li.get_text(strip=True) for li in page.select("#balances-now li")] == [
        f"{review.lead_partnership.name} is owed £500.00", f"{pcc.name} owes £500.00"]
    data["payee_id"] = str(review.lead_partnership_id)
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}/costs#costs"

    page = client.review(review.reference)
    assert [[c.get_text(strip=True) for c in row.select("th, td")] for row in page.select("#cost-shares tbody tr")] == [
        [review.lead_partnership.name, "50%", "£500.00", "£1,000.00", "Received £500.00", "Settled"],
        [pcc.name, "50%", "£500.00", "£0.00", "Sent £500.00", "Settled"]]
    assert [c.get_text(strip=True) for c in page.select("#cost-recharges tbody td")][1:4] == [
        pcc.name, f"{review.lead_partnership.name}RI-9", "£500.00"]
    act_as(people["manager"]).get(url, expected_status=403)
    act_as(people["member"]).get(url, expected_status=403)

    client = act_as(people["coordinator"])
    removal = page.select_one("#cost-recharges a[href*='/remove']")["href"]
    assert "£500.00 from " in client.get(removal).select_one("main").get_text()
    client.post(removal, {"version": reload(review).version, "reason": ""}, expected_status=400)
    assert len(costs.recharges_of(review)) == 1
    client.post(removal, {"version": reload(review).version, "reason": "Paid on another review."},
                expected_status=302)
    assert costs.recharges_of(review) == []
    entry = history.newest_events(reload(review), limit=1)[0]
    assert (entry.field, entry.reason) == ("cost_recharge_removed", "Paid on another review.")
    other = factories.review_at("panel", by=people["coordinator"])
    kept = recharge(review, people["coordinator"], payer_id=pcc.id)
    client.get(f"/cases/{other.reference}/costs/recharges/{kept.id}/remove", expected_status=404)


def test_every_cost_and_recharge_of_the_readers_partnerships_downloads_as_a_ledger(act_as, review_and_people):  # noqa: F811
    import csv
    import io

    review, people = review_and_people
    coordinator, pcc = people["coordinator"], people["pcc"]
    day = today_uk() - timedelta(days=3)
    cost(review, coordinator, incurred_on=day, amount_pence=125_050, description="=HYPERLINK(\"http://x\")")
    cost(review, coordinator, incurred_on=day - timedelta(days=1), kind="legal", amount_pence=9_900,
         funder_id=pcc.id, description="Counsel")
    share(review, coordinator, [(review.lead_partnership_id, 5000), (pcc.id, 5000)])
    recharge(review, coordinator, paid_on=day, payer_id=pcc.id, amount_pence=57_575, reference="RI-3")
    elsewhere = factories.review_at("panel", lead=factories.safer_glos())
    cost(elsewhere, factories.coordinator(factories.safer_glos()), amount_pence=1, funder_id=elsewhere.lead_partnership_id)

    response = act_as(people["manager"]).client.get("/publication/costs.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    def year(of):
        return costs.financial_year(of.year if of.month >= 4 else of.year - 1)
    partnership, before = review.lead_partnership.name, day - timedelta(days=1)
    assert rows[0] == ["Review", "Date", "Financial year", "Entry", "For", "Paid by", "Paid to", "Amount in pounds",
                       "Details"]
    assert rows[1:] == [
        [review.reference, before.isoformat(), year(before), "cost", "Legal advice", pcc.name, "", "99.00", "Counsel"],
        [review.reference, day.isoformat(), year(day), "cost", "Independent chair", partnership, "", "1250.50",
         "'=HYPERLINK(\"http://x\")"],  # a formula is written as text
        [review.reference, day.isoformat(), year(day), "recharge", "", pcc.name, partnership, "575.75", "RI-3"]]
    assert act_as(people["member"]).client.get("/publication/costs.csv").status_code == 403
    page = act_as(people["manager"]).get("/publication/statistics")
    assert page.select_one("a[href='/publication/costs.csv']")


def test_a_cost_recorded_wrongly_is_corrected_with_a_reason_and_the_history_names_what_changed(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    recorded = cost(review, people["coordinator"])  # £1,250.50, chair, paid by the partnership
    url = f"/cases/{review.reference}/costs/{recorded.id}/correct"
    client = act_as(people["coordinator"])
    assert client.review(review.reference).select_one(f"#cost-lines a[href='{url}']")
    form = client.get(url)
    assert form.select_one("#amount")["value"] == "1250.50"
    assert form.select_one("#funder_id option[selected]")["value"] == str(review.lead_partnership_id)

    data = form_data({"version": reload(review).version, "incurred_on": recorded.incurred_on, "kind": "chair",
                      "amount": "1,205.50", "funder_id": str(people["pcc"].id), "description": "Invoice 1042",
                      "reason": ""})
    page = client.post(url, data, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#reason']").get_text() == "Say why the cost is corrected"
    assert page.select_one("#amount")["value"] == "1,205.50"
    data["reason"] = "The amount was mistyped and the PCC's office paid it."
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}/costs#costs"
    db.session.expire_all()
    corrected = db.session.get(ReviewCost, recorded.id)
    assert (corrected.amount_pence, corrected.funder_id) == (120_550, people["pcc"].id)
    entry = history.newest_events(reload(review), limit=1)[0]
    assert (entry.field, entry.to_value) == ("cost_corrected", f"Independent chair, {uk_date(recorded.incurred_on)}: "
                                                               "amount, who pays corrected")
    assert "1,205" not in entry.to_value and entry.reason.startswith("The amount was mistyped")

    version = reload(review).version  # the same details again: nothing written
    assert costs.correct_cost(corrected, people["coordinator"], version, reason="Again.",
                              incurred_on=corrected.incurred_on, kind="chair", amount_pence=120_550,
                              funder_id=people["pcc"].id, description="Invoice 1042") is False
    assert reload(review).version == version
    with pytest.raises(services.NotPermitted):
        costs.correct_cost(corrected, people["manager"], version, reason="x", incurred_on=corrected.incurred_on,
                           kind="chair", amount_pence=1, funder_id=people["pcc"].id, description="")
    act_as(people["manager"]).get(url, expected_status=403)
    act_as(people["member"]).get(url, expected_status=403)
    member_history = act_as(people["member"]).get(f"/cases/{review.reference}/history?topic=costs")
    assert "mistyped" not in member_history.get_text() and "Cost corrected" in member_history.get_text()


def test_a_recharge_recorded_wrongly_is_corrected_with_a_reason_and_the_history_names_what_changed(act_as, review_and_people):  # noqa: F811
    review, people = review_and_people
    pcc = people["pcc"]
    cost(review, people["coordinator"], amount_pence=100_000)
    share(review, people["coordinator"], [(review.lead_partnership_id, 5000), (pcc.id, 5000)])
    recorded = recharge(review, people["coordinator"], payer_id=pcc.id, amount_pence=5_000)  # should be £500
    url = f"/cases/{review.reference}/costs/recharges/{recorded.id}/correct"
    client = act_as(people["coordinator"])
    assert client.review(review.reference).select_one(f"#cost-recharges a[href='{url}']")
    form = client.get(url)
    assert form.select_one("#amount")["value"] == "50.00"
    assert form.select_one("#payer_id option[selected]")["value"] == str(pcc.id)

    data = form_data({"version": reload(review).version, "paid_on": recorded.paid_on, "payer_id": str(pcc.id),
                      "payee_id": str(review.lead_partnership_id), "amount": "500", "reference": "RI-9",
                      "reason": ""})
    page = client.post(url, data, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#reason']").get_text() == "Say why the recharge is corrected"
    assert page.select_one("#amount")["value"] == "500"
    assert reload(review) and costs.recharges_of(review)[0].amount_pence == 5_000  # nothing changed meanwhile
    data["reason"] = "A nought was left off."
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}/costs#costs"
    page = client.review(review.reference)
    assert [[c.get_text(strip=True) for c in row.select("th, td")][-1] for row in page.select("#cost-shares tbody tr")] \
        == ["Settled", "Settled"]
    entry = history.newest_events(reload(review), limit=1)[0]
    assert (entry.field, entry.reason) == ("cost_recharge_corrected", "A nought was left off.")
    assert entry.to_value.endswith(": amount, reference corrected") and "500" not in entry.to_value

    version = reload(review).version  # the same details again: nothing written
    corrected = costs.recharges_of(review)[0]
    assert costs.correct_recharge(corrected, people["coordinator"], version, reason="Again.",
                                  paid_on=corrected.paid_on, payer_id=pcc.id, payee_id=review.lead_partnership_id,
                                  amount_pence=50_000, reference="RI-9") is False
    assert reload(review).version == version
    with pytest.raises(services.InvalidChange) as refused:  # the rules of recording one hold
        costs.correct_recharge(corrected, people["coordinator"], version, reason="x", paid_on=corrected.paid_on,
                               payer_id=pcc.id, payee_id=pcc.id, amount_pence=0, reference="")
    assert [field for field, _ in refused.value.problems] == ["payee_id", "amount"]
    with pytest.raises(services.NotPermitted):
        costs.correct_recharge(corrected, people["manager"], version, reason="x", paid_on=corrected.paid_on,
                               payer_id=pcc.id, payee_id=review.lead_partnership_id, amount_pence=1, reference="")
    act_as(people["manager"]).get(url, expected_status=403)
    act_as(people["member"]).get(url, expected_status=403)
    other = factories.review_at("panel", by=people["coordinator"])
    act_as(people["coordinator"]).get(f"/cases/{other.reference}/costs/recharges/{recorded.id}/correct",
                                      expected_status=404)
    member_history = act_as(people["member"]).get(f"/cases/{review.reference}/history?topic=costs")
    assert "nought" not in member_history.get_text()
