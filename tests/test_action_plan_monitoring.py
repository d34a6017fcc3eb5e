"""Action plan monitoring: the recommendations of every review a person may see, by RAG status, across
reviews; filtered, paged, and downloaded as a CSV for the partnership's report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from ssgp_dhr.action_plan import services as action_plan
from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.action_plan.rag import rag_sql, rag_status
from ssgp_dhr.cases.models import RESTRICTED_FIELDS
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture
from tests.test_queries import counting_statements, statements_for


def test_the_database_works_out_the_rag_status_as_the_rule_does_on_every_day():
    """Targets passed, near and far; progress never posted, posted long ago, and posted at 00:30 UK time
    (23:30 UTC the day before, in summer); complete. Checked on the days the rule changes its answer."""
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=UTC), tick=False):
        targets = {"R1": date(2030, 1, 20), "R2": date(2030, 3, 1), "R3": date(2030, 12, 31), "R4": date(2030, 12, 31),
                   "R5": date(2030, 12, 31), "R6": date(2030, 2, 1)}
        added = {ref: factories.recommendation(review, coordinator, ref, target_on=on) for ref, on in targets.items()}
        action_plan.accept_completion(added["R6"], coordinator, completed_on=date(2030, 1, 1))
    with time_machine.travel(datetime(2030, 4, 1, 23, 30, tzinfo=UTC), tick=False):  # 00:30 on 2 April in the UK
        action_plan.post_progress(added["R4"], coordinator, text="Training booked.")
    with time_machine.travel(datetime(2030, 2, 15, 9, tzinfo=UTC), tick=False):
        action_plan.post_progress(added["R5"], coordinator, text="Policy drafted.")
    db.session.expire_all()

    days = [date(2030, 1, 1), date(2030, 1, 20), date(2030, 1, 21), date(2030, 3, 31), date(2030, 4, 1),
            date(2030, 4, 2), date(2030, 5, 16), date(2030, 5, 17), date(2030, 6, 30), date(2030, 7, 1),
            date(2030, 7, 2), date(2030, 12, 1), date(2031, 1, 1)]
    seen = set()
    for day in days:
        with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC) + (day - date(2030, 1, 1)) + timedelta(hours=12),
                                 tick=False):
            recommendations = db.session.scalars(sa.select(Recommendation)).all()
            by_rule = {r.reference: rag_status(r, day).value for r in recommendations}
            by_sql = dict(db.session.execute(sa.select(Recommendation.reference, rag_sql(day))).all())
            assert by_sql == by_rule, day
            seen.update(by_rule.values())
    assert seen == {"red", "amber", "green", "complete"}
    # The edge the UK calendar decides: R4's progress is 90 days old on 1 July, not yet quiet; 91 on 2 July.
    assert rag_status(db.session.scalar(sa.select(Recommendation).filter_by(reference="R4")), date(2030, 6, 30)).value \
        == "green"


@pytest.fixture
def plans():
    """Review A (SSGP) with red, amber, green and complete recommendations, a police and an NHS owner on its
    panel; review B (Safer Gloucestershire) with one of its own."""
    ssgp, sg = factories.ssgp(), factories.safer_glos()
    police, nhs = factories.organisation("Constabulary"), factories.organisation("NHS Glos")
    coordinator, sg_coordinator = factories.coordinator(ssgp), factories.coordinator(sg)
    police_member, nhs_member = factories.panel_member(ssgp), factories.panel_member(ssgp)
    a = factories.review_at("published", by=coordinator, lead=ssgp, pseudonym="Scott")
    b = factories.review_at("published", by=sg_coordinator, lead=sg, pseudonym="Jordan")
    factories.seat_on_panel(a, police_member, agency=police)
    factories.seat_on_panel(a, nhs_member, agency=nhs)
    today = today_uk()
    red = factories.recommendation(a, coordinator, "R1", target_on=today - timedelta(days=10), agency=police)
    factories.recommendation(a, coordinator, "R2", target_on=today + timedelta(days=20), agency=nhs,
                             level="multi_agency")
    factories.recommendation(a, coordinator, "R3", target_on=today + timedelta(days=200), agency=police)
    done = factories.recommendation(a, coordinator, "R4", target_on=today + timedelta(days=100), agency=nhs)
    action_plan.accept_completion(done, coordinator, completed_on=today)
    factories.recommendation(b, sg_coordinator, "R1", target_on=today - timedelta(days=400), agency=police,
                             text="=HYPERLINK(\"http://example.invalid\")")
    return {"coordinator": coordinator, "sg_coordinator": sg_coordinator, "police_member": police_member,
            "nhs_member": nhs_member, "manager": factories.manager(ssgp), "a": a, "b": b, "red": red,
            "police": police, "nhs": nhs}


def listed(page) -> list[str]:
    """The rows as 'review reference / recommendation reference'."""
    return [" / ".join(cell.get_text(" ", strip=True).split(" ")[0] for cell in row.select("td")[:2])
            for row in page.select("#recommendations tbody tr")]


def rag_counts(page) -> dict[str, int]:
    return {item.get_text(" ", strip=True).split(":")[0]: int(item.strong.get_text())
            for item in page.select("#rag-counts li")}


def test_a_coordinator_follows_the_recommendations_not_complete_across_their_reviews(act_as, plans):  # noqa: F811
    a, b = plans["a"].reference, plans["b"].reference
    page = act_as(plans["coordinator"]).get("/action-plans")
    assert listed(page) == [f"{a} / R1", f"{a} / R2", f"{a} / R3"]  # the passed target first; none of B's
    assert rag_counts(page) == {"Red": 1, "Amber": 1, "Green": 1, "Complete": 1}
    assert [tag.get_text(strip=True) for tag in page.select("#recommendations .govuk-tag")] == ["Red", "Amber", "Green"]
    assert page.select_one("#recommendations a")["href"] == f"/cases/{a}/action-plan#action-plan"
    assert "Scott" in page.select_one("#recommendations").get_text()
    assert page.select_one(".govuk-service-navigation a[href='/action-plans']")
    assert not page.select_one("#owned")  # only panel members represent an owning agency

    client = act_as(plans["coordinator"])
    assert listed(client.get("/action-plans?status=complete")) == [f"{a} / R4"]
    assert listed(client.get("/action-plans?status=any")) == [f"{a} / R1", f"{a} / R2", f"{a} / R3", f"{a} / R4"]
    assert listed(client.get(f"/action-plans?agency={plans['nhs'].id}")) == [f"{a} / R2"]
    assert listed(client.get("/action-plans?level=multi_agency")) == [f"{a} / R2"]
    assert listed(client.get("/action-plans?q=r3")) == [f"{a} / R3"]
    assert listed(client.get("/action-plans?q=scott&status=red")) == [f"{a} / R1"]
    filtered = client.get(f"/action-plans?agency={plans['police'].id}")
    assert rag_counts(filtered) == {"Red": 1, "Amber": 0, "Green": 1, "Complete": 0}  # the counts follow the filters
    assert filtered.select_one("#rag-counts a")["href"] == f"/action-plans?agency={plans['police'].id}&status=red"
    assert listed(act_as(plans["sg_coordinator"]).get("/action-plans")) == [f"{b} / R1"]
    assert listed(act_as(plans["manager"]).get("/action-plans")) == [f"{a} / R1", f"{a} / R2", f"{a} / R3"]


def test_a_panel_member_sees_their_reviews_and_can_narrow_to_their_agencys(act_as, plans):  # noqa: F811
    a = plans["a"].reference
    client = act_as(plans["police_member"])
    page = client.get("/action-plans")
    assert listed(page) == [f"{a} / R1", f"{a} / R2", f"{a} / R3"]
    assert page.select_one("#owned")
    assert listed(client.get("/action-plans?owned=yes")) == [f"{a} / R1", f"{a} / R3"]
    assert listed(act_as(plans["nhs_member"]).get("/action-plans?owned=yes")) == [f"{a} / R2"]
    assert listed(act_as(factories.panel_member()).get("/action-plans")) == []


def test_completion_proposed_by_the_owner_is_listed_for_the_coordinator_to_accept(act_as, plans):  # noqa: F811
    client = act_as(plans["coordinator"])
    assert listed(client.get("/action-plans?proposed=yes")) == []
    action_plan.post_progress(plans["red"], plans["police_member"], text="All staff trained.", propose_completion=True)
    page = client.get("/action-plans?proposed=yes")
    assert listed(page) == [f"{plans['a'].reference} / R1"]
    row = page.select_one("#recommendations tbody tr")
    assert "Completion proposed" in row.get_text()
    assert "None posted" not in row.get_text()
    assert "None posted" in client.get("/action-plans?q=r2").select_one("#recommendations tbody tr").get_text()


def test_values_that_are_not_choices_show_the_default_list(act_as, plans):  # noqa: F811
    page = act_as(plans["coordinator"]).get("/action-plans?status=purple&agency=abc&level=x&page=99")
    assert len(listed(page)) == 3
    assert page.select_one("#status option[selected]")["value"] == "open"


def test_a_page_holds_fifty_recommendations_and_the_pages_link_on(act_as, plans):  # noqa: F811
    a, coordinator = plans["a"], plans["coordinator"]
    for n in range(48):
        factories.recommendation(a, coordinator, f"X{n:02d}", target_on=today_uk() + timedelta(days=300 + n))
    client = act_as(coordinator)
    first = client.get("/action-plans")
    assert len(listed(first)) == 50
    assert "51 recommendations, page 1 of 2" in first.select_one("#result-count").get_text()
    assert first.title.get_text(strip=True).startswith("Action plans (page 1 of 2)")
    assert listed(client.get(first.select_one(".govuk-pagination__next a")["href"])) == [f"{a.reference} / X47"]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_csv_holds_every_matching_recommendation_with_its_progress(act_as, plans):  # noqa: F811
    action_plan.post_progress(plans["red"], plans["police_member"], text="Half the staff trained.",
                              evidence="Training register")
    client = act_as(plans["coordinator"])
    page = client.get(f"/action-plans?agency={plans['police'].id}")
    link = page.select_one("a[download]")
    assert link["href"] == f"/action-plans.csv?agency={plans['police'].id}"
    response = client.get(link["href"])
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename=action-plans-{today_uk().isoformat()}.csv"
    header, *rows = rows_of(response)
    assert header[:4] == ["Review", "Pseudonym", "Lead partnership", "Recommendation"]
    record = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["Review"], r["Recommendation"], r["RAG status"]) for r in record] == [
        (plans["a"].reference, "R1", "Red"), (plans["a"].reference, "R3", "Green")]
    assert record[0]["Latest progress"] == "Half the staff trained."
    assert record[0]["Evidence"] == "Training register"
    assert record[0]["Last update"] == today_uk().isoformat()
    assert record[1]["Last update"] == ""
    assert len(rows_of(client.get("/action-plans.csv?status=any"))) == 1 + 4

    # A recommendation's text is written as text, never as a formula a spreadsheet would run.
    [_, sg_row] = rows_of(act_as(plans["sg_coordinator"]).get("/action-plans.csv"))
    assert sg_row[6] == "'=HYPERLINK(\"http://example.invalid\")"


def test_the_page_and_the_csv_never_read_real_names(act_as, plans):  # noqa: F811
    client = act_as(plans["coordinator"])
    with counting_statements() as statements:
        client.get("/action-plans?status=any")
        client.get("/action-plans.csv?status=any")
    assert statements
    assert not [s for s in statements for field in RESTRICTED_FIELDS if field in s]


def test_the_page_runs_the_same_statements_for_4_or_40_recommendations(act_as, plans):  # noqa: F811
    client = act_as(plans["coordinator"])
    url = "/action-plans?status=any"
    few = statements_for(client, url)
    for n in range(36):
        added = factories.recommendation(plans["a"], plans["coordinator"], f"N{n:02d}",
                                         target_on=today_uk() + timedelta(days=n))
        action_plan.post_progress(added, plans["coordinator"], text=f"Update {n}.")
    assert statements_for(client, url) == few


def test_my_work_counts_the_recommendations_to_chase_or_accept_and_links_to_them(act_as, plans):  # noqa: F811
    action_plan.post_progress(plans["red"], plans["police_member"], text="All staff trained.", propose_completion=True)
    client = act_as(plans["coordinator"])
    page = client.get("/")
    overdue, proposed = page.select_one("#recommendations-overdue a"), page.select_one("#recommendations-proposed a")
    assert (overdue.strong.get_text(), proposed.strong.get_text()) == ("1", "1")  # not Safer Gloucestershire's
    assert listed(client.get(proposed["href"])) == [f"{plans['a'].reference} / R1"]
    assert listed(client.get(overdue["href"])) == [f"{plans['a'].reference} / R1"]
    page = act_as(plans["sg_coordinator"]).get("/")
    assert page.select_one("#recommendations-overdue strong").get_text() == "1"
    assert page.select_one("#recommendations-proposed strong").get_text() == "0"
    page = act_as(plans["manager"]).get("/")
    assert page.select_one("#managed-recommendations-overdue strong").get_text() == "1"
    owned = act_as(plans["police_member"]).get("/").select_one("#owned-recommendations a")
    assert owned.strong.get_text() == "2"
    assert owned["href"] == "/action-plans?owned=yes"
