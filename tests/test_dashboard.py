"""My work: what each role needs first."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import today_uk
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture


def test_a_coordinator_sees_open_reviews_nearest_deadline_first_and_who_they_wait_on(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    today = today_uk()
    later = factories.notified_review(coordinator, pseudonym="Later", notified_on=today - timedelta(days=2))
    overdue = factories.notified_review(coordinator, pseudonym="Overdue", notified_on=today - timedelta(days=45))
    with_ho = factories.review_at("home_office_review", by=coordinator, pseudonym="WithHO")
    factories.review_at("closed", by=coordinator, pseudonym="Closed")
    factories.review_at("not_commissioned", by=coordinator, pseudonym="Declined")
    factories.notified_review(lead=factories.safer_glos(), pseudonym="Elsewhere")

    page = act_as(coordinator).get("/")
    assert page.title.get_text().startswith("My work – ")
    rows = page.find(id="open-reviews").tbody.find_all("tr")
    assert [r.find_all("td")[1].get_text(strip=True) for r in rows] == ["Overdue", "Later", "WithHO"]
    assert "days overdue" in rows[0].get_text() and rows[0].select_one(".govuk-tag--red")
    assert "days left" in rows[1].get_text()
    assert [r.find_all("td")[3].get_text(strip=True) for r in rows] == ["Decision due", "Decision due", "With the Home Office"]
    waiting = page.find(id="waiting-on").get_text(" ", strip=True)
    assert "Decision due: 2" in waiting and "With the Home Office: 1" in waiting and "Awaiting publication: 0" in waiting
    assert page.find("a", string="Record a new notification") is not None
    assert {later.reference, overdue.reference, with_ho.reference} <= {a.get_text() for a in page.select("#open-reviews a")}


def test_overdue_recommendations_are_flagged_beside_the_deadlines_of_the_review(act_as):  # noqa: F811
    from ssgp_dhr.action_plan import services as action_plan

    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator, pseudonym="Drew")
    for reference, days in (("R1", -10), ("R2", -1), ("R3", 30)):
        action_plan.add_recommendation(
            review, coordinator, review.version, reference=reference, text="Train staff.", level="single_agency",
            owning_agency_id=factories.organisation("Constabulary").id, actions="",
            target_on=today_uk() + timedelta(days=days))

    row = act_as(coordinator).get("/").find(id="open-reviews").tbody.find("tr")
    cells = row.find_all("td")
    assert cells[1].get_text(strip=True) == "Drew"
    assert cells[4].select_one(".app-overdue-recommendations").get_text(strip=True) == "2 recommendations overdue"


def test_a_manager_sees_counts_by_stage_and_publication_status(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    factories.notified_review(coordinator)
    factories.notified_review(coordinator)
    published = factories.review_at("published", by=coordinator, pseudonym="Drew")
    factories.review_at("home_office_review", by=coordinator, pseudonym="Sky")
    factories.notified_review(lead=factories.safer_glos())

    page = act_as(factories.manager()).get("/")
    rows = page.find(id="stage-counts").tbody.find_all("tr")
    counts = {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in rows}
    assert counts["Notified"] == "2" and counts["Published"] == "1" and counts["With the Home Office"] == "1"
    assert counts["Closed"] == "0"
    publications = page.find(id="publications").get_text(" ", strip=True)
    assert published.reference in publications and "Sky" in publications and "Not yet" in publications
    assert page.find(id="open-reviews") is None  # no coordinator section
    assert "Realname" not in page.get_text()


def test_a_manager_sees_the_delays_to_explain_in_the_partnerships_they_manage(act_as):  # noqa: F811
    from ssgp_dhr.cases import services

    coordinator = factories.coordinator()
    today = today_uk()
    factories.notified_review(coordinator, notified_on=today - timedelta(days=45))  # decision overdue, untold
    factories.review_at("panel", by=coordinator)  # report overdue (decided 199 days ago), untold
    factories.review_at("on_hold", by=coordinator)  # report overdue, untold, and the hold past its expected end
    declined = factories.review_at("not_commissioned", by=coordinator)
    services.record_decision_response(declined, coordinator, declined.version, received_on=today,
                                      outcome="review_directed", notes="The Home Secretary directed a review.")
    factories.notified_review(lead=factories.safer_glos(), notified_on=today - timedelta(days=45))  # not theirs

    page = act_as(factories.manager()).get("/")
    items = {li["id"]: (li.get_text(" ", strip=True), li.a["href"]) for li in page.select("#managed-delays li")}
    assert items == {
        "managed-overdue": ("Decisions or reports overdue: 3", "/cases?overdue=yes"),
        "managed-overrun-holds": ("On hold past the expected end: 1", "/cases?overrun=yes"),
        "managed-reviews-asked-for": ("Reviews the Home Office asked to reopen: 1", "/cases?declined=review_asked"),
        "managed-untold-delays": ("Late decisions or reports the Home Office has not been told of: 3",
                                  "/cases?untold=yes"),
        "managed-recommendations-overdue": ("Recommendations past their target date: 0", "/action-plans?status=red"),
        "managed-recommendations-proposed": ("Recommendations proposed as complete, awaiting acceptance: 0",
                                             "/action-plans?proposed=yes"),
    }
    # The coordinator sees the same delays beside their open reviews.
    coordinator_page = act_as(coordinator).get("/")
    assert coordinator_page.find(id="untold-delays").get_text(" ", strip=True).endswith(": 3")
    assert coordinator_page.find(id="managed-delays") is None


def test_a_panel_member_sees_only_the_reviews_they_sit_on(act_as):  # noqa: F811
    member = factories.panel_member()
    mine = factories.review_at("panel", pseudonym="Mine")
    factories.review_at("panel", pseudonym="NotMine")
    factories.seat_on_panel(mine, member)
    page = act_as(member).get("/")
    assert [a.get_text() for a in page.select("#panel-reviews a")] == [f"{mine.reference}: Mine"]
    assert page.find(id="stage-counts") is None
    assert "NotMine" not in page.get_text()


def test_someone_without_case_roles_is_told_there_is_nothing(act_as):  # noqa: F811
    from ssgp_dhr.accounts.models import Role

    page = act_as(factories.user(Role.ADMIN)).get("/")
    assert "There are no reviews for you to see." in page.get_text()


def test_the_menu_offers_publication_to_coordinators_and_managers_only(act_as):  # noqa: F811
    def menu(person) -> list[str]:
        page = act_as(person).get("/")
        return [a.get_text(strip=True) for a in page.select(".govuk-service-navigation__list a")]

    assert "Publication" in menu(factories.coordinator())
    assert "Publication" in menu(factories.manager())
    assert "Publication" not in menu(factories.panel_member())


def test_my_work_lists_the_nearest_deadlines_and_links_to_the_rest(act_as, monkeypatch):  # noqa: F811
    from ssgp_dhr.my_work import views

    monkeypatch.setattr(views, "MY_WORK_SHOWN", 2)
    coordinator = factories.coordinator()
    today = today_uk()
    nearest = [factories.notified_review(coordinator, pseudonym=f"Near{n}", notified_on=today - timedelta(days=40 - n))
               for n in range(2)]
    for n in range(3):
        factories.notified_review(coordinator, pseudonym=f"Far{n}", notified_on=today - timedelta(days=n))
    with_ho = factories.review_at("home_office_review", by=coordinator, pseudonym="WithHO")
    factories.review_at("closed", by=coordinator, pseudonym="Closed")

    client = act_as(coordinator)
    page = client.get("/")  # the client checks every page it fetches
    rows = page.find(id="open-reviews").tbody.find_all("tr")
    assert [r.find_all("td")[1].get_text(strip=True) for r in rows] == ["Near0", "Near1"]
    assert "The 2 nearest deadlines of 6 open reviews" in page.find(id="open-reviews").caption.get_text()
    waiting = page.find(id="waiting-on").get_text(" ", strip=True)
    assert "Decision due: 5" in waiting and "With the Home Office: 1" in waiting  # over all, not the 2 shown
    link = page.select_one("#all-open-reviews a")
    assert link.get_text(strip=True) == "All 6 open reviews in the case list"

    listed = client.get(link["href"])
    shown = {row.find("td").get_text(strip=True) for row in listed.find(id="reviews").tbody.find_all("tr")}
    assert with_ho.reference in shown and nearest[0].reference in shown and len(shown) == 6  # not the closed one
    assert listed.select_one("#status option[selected]").get_text(strip=True) == "Any open stage"


def test_my_work_reads_a_coordinators_reviews_as_rows_without_loading_whole_reviews(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    for stage in ("notified", "panel", "home_office_review"):
        factories.review_at(stage, by=coordinator)
    loaded: list[Review] = []

    def count(review: Review, _context: object) -> None:
        loaded.append(review)

    sa.event.listen(Review, "load", count)
    try:
        page = act_as(coordinator).get("/")
    finally:
        sa.event.remove(Review, "load", count)
    assert len(page.find(id="open-reviews").tbody.find_all("tr")) == 3
    assert loaded == []


def test_a_managers_publication_table_puts_work_in_progress_first_and_stays_short(act_as, monkeypatch):  # noqa: F811
    from ssgp_dhr.my_work import views

    monkeypatch.setattr(views, "MY_WORK_SHOWN", 2)
    coordinator = factories.coordinator()
    factories.review_at("closed", by=coordinator, pseudonym="Finished")
    factories.review_at("published", by=coordinator, pseudonym="Online")
    factories.review_at("home_office_review", by=coordinator, pseudonym="Waiting")
    factories.review_at("approved", by=coordinator, pseudonym="Ready")
    page = act_as(factories.manager(coordinator.roles[0].partnership)).get("/")
    rows = page.find(id="publications").tbody.find_all("tr")
    assert sorted(r.find_all("td")[1].get_text(strip=True) for r in rows) == ["Ready", "Waiting"]
    assert page.select_one("a[href='/publication']")


def test_my_work_finds_the_nearest_deadline_when_month_ends_make_them_fall_together(act_as, monkeypatch):  # noqa: F811
    """28 to 31 January 2025 all give a decision due on 28 February: the earliest reference comes first.

    My work fetches a margin of each deadline kind in the order of the date it runs from; here the
    margin (2) fills with reviews due on the same day as the one shown, so it must look at them all.
    """
    from ssgp_dhr.my_work import views

    monkeypatch.setattr(views, "MY_WORK_SHOWN", 1)
    coordinator = factories.coordinator()
    first, *_ = [factories.notified_review(coordinator, pseudonym=f"Jan{day}", notified_on=date(2025, 1, day))
                 for day in (31, 30, 29, 28)]
    factories.notified_review(coordinator, pseudonym="Later", notified_on=date(2025, 2, 10))
    page = act_as(coordinator).get("/")
    rows = page.find(id="open-reviews").tbody.find_all("tr")
    assert [r.find_all("td")[1].get_text(strip=True) for r in rows] == ["Jan31"]
    assert first.pseudonym == "Jan31"


def test_my_works_deadline_cell_is_the_deadline_text_of_the_case_list_with_the_overdue_tags(app):
    from ssgp_dhr.cases.deadlines import Deadline
    from ssgp_dhr.my_work.views import deadline_cell

    today = date(2026, 3, 10)
    macro = app.jinja_env.get_template("cases/_deadline.html").module.deadline_text
    cases = [None,
             Deadline(name="Report <to> the Home Office", due_on=date(2026, 4, 1), met_on=None, pending=True),
             Deadline(name="Decision", due_on=date(2026, 3, 1), met_on=None, pending=True, recorded_on=date(2026, 1, 1)),
             Deadline(name="Decision", due_on=date(2026, 1, 1), met_on=None, pending=True, recorded_on=date(2026, 2, 1))]
    with app.test_request_context():
        for due in cases:
            assert deadline_cell(due, today, 0, 0) == str(macro(due, today))
        cell = deadline_cell(cases[2], today, 1, 2)
    assert cell == (f"{macro(cases[2], today)} <strong class=\"govuk-tag govuk-tag--red app-agency-overdue\">1 agency report"
                    " overdue</strong> <strong class=\"govuk-tag govuk-tag--red app-overdue-recommendations\">2 recommendations"
                    " overdue</strong>")
    assert "&lt;to&gt;" in deadline_cell(cases[1], today, 0, 0)
