"""Journeys in a real browser: sign in, record a notification, take it to publication through each
form, read the timeline, meet a stale-submit conflict, filter and sort the list. Every page visited
passes axe-core, has a "… – Service" title and is photographed; nothing is fetched from outside."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories
from tests.browser.signing_in import prepare_account, sign_in

pytestmark = pytest.mark.browser


def fill_action(page, data: dict[str, Any]) -> None:
    """Fill an action form as a person would: date boxes, radios, checkboxes, text."""
    for name, value in data.items():
        if isinstance(value, date):
            page.fill(f"#{name}-day", str(value.day))
            page.fill(f"#{name}-month", str(value.month))
            page.fill(f"#{name}-year", str(value.year))
        elif isinstance(value, list):
            for item in value:
                page.check(f"input[name={name}][value={item}]")
        elif page.locator(f"input[type=radio][name={name}]").count():
            page.check(f"input[name={name}][value={value}]")
        elif page.locator(f"select#{name}").count():  # chosen from a list (the chair, from the panel)
            page.select_option(f"#{name}", str(value))
        else:
            page.fill(f"#{name}", str(value))


def press(page, selector: str) -> None:
    """Use a link or button by keyboard: focus it and press Enter."""
    page.locator(selector).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def coordinator():
    return prepare_account(factories.coordinator())


def test_record_a_notification_and_take_it_to_publication(visit):
    person = coordinator()
    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, person, on_page=you.check)
    you.check("my work")

    press(page, "a:has-text('New notification')")
    you.check("new notification empty")
    press(page, "main form button.govuk-button")  # nothing typed: errors
    you.check("new notification errors")
    assert page.locator(".govuk-error-summary").count() == 1
    today = today_uk()
    died, notified = today - timedelta(days=40), today - timedelta(days=38)
    fill_action(page, {"death_kind": "domestic_homicide", "pseudonym": "Jordan", "victim_name": "Jo Realname",
                       "victim_age": "34", "notifier_kind": "police",
                       "date_of_death": died, "notified_on": notified, "notified_by": "Gloucestershire Constabulary",
                       "circumstances": "Found at home."})
    press(page, "main form button.govuk-button")
    you.check("case notified")
    reference = page.locator("h1").inner_text().split(":")[0]
    assert page.locator("li[aria-current=step]").inner_text().startswith("Notified")

    review = db.session.scalar(sa.select(Review).where(Review.reference == reference))
    for trigger in ("commission", "convene_panel", "submit", "approve", "publish"):
        factories.ready_for(review, trigger)
        db.session.refresh(review)
        page.reload()  # the uploads are newer than the page
        press(page, f"a.govuk-button[href$='/actions/{trigger}']")
        you.check(f"{trigger} form")
        fill_action(page, factories.trigger_data(review, trigger))
        press(page, "main form button.govuk-button")
        you.check(f"after {trigger}")
        assert "/actions/" not in page.url, page.locator(".govuk-error-summary").all_inner_texts()

    assert "Published" in page.locator("li[aria-current=step]").inner_text()
    titles = []
    for number in range(1, 6):  # the history's pages, newest first
        you.goto(f"/cases/{reference}/history?page={number}")
        titles += page.locator(".moj-timeline__title").all_inner_texts()
        if page.locator(".govuk-pagination__next").count() == 0:
            break
    moves = [t.strip() for t in titles if " to " in t or t.strip() == "Notification recorded"]
    assert moves == [
        "Approved to Published", "With the Home Office to Approved", "Panel to With the Home Office",
        "Commissioned to Panel", "Notified to Commissioned", "Notification recorded"]
    you.goto("/workflow")
    you.goto(f"/cases/{reference}/edit")


def test_a_stale_submit_from_another_browser_is_shown_and_can_be_resubmitted(visit):
    first, second = coordinator(), coordinator()
    review = factories.review_at("commissioned", by=first)
    factories.ready_for(review, "convene_panel", first)
    alice, bob = visit("first"), visit("second")
    sign_in(alice.page, alice.base_url, first)
    sign_in(bob.page, bob.base_url, second)

    alice.goto(f"/cases/{review.reference}/actions/convene_panel")
    bob.goto(f"/cases/{review.reference}/edit")
    bob.page.fill("#pseudonym", "Morgan")
    press(bob.page, "main form button.govuk-button")
    bob.check("edited")

    fill_action(alice.page, factories.trigger_data(review, "convene_panel"))
    with alice.page.expect_response(lambda r: r.request.method == "POST") as answer:
        alice.page.locator("main form button.govuk-button").click()
    assert answer.value.status == 409
    alice.check("conflict")
    assert "This case changed while you were working on it" in alice.page.locator(".govuk-notification-banner").inner_text()
    assert "pseudonym from “Scott” to “Morgan”" in alice.page.locator("#changes-since").inner_text()
    chosen = factories.trigger_data(review, "convene_panel")["chair_name"]
    assert alice.page.input_value("#chair_name") == chosen  # nothing chosen was lost
    press(alice.page, "main form button.govuk-button")  # a deliberate resubmit
    alice.check("resubmitted")
    db.session.refresh(review)
    assert review.status == "panel"


def test_filter_and_sort_the_case_list(visit):
    person = coordinator()
    today = today_uk()
    for n, days in enumerate((3, 45, 10)):
        factories.notified_review(person, pseudonym=f"Name{n}", notified_on=today - timedelta(days=days))
    review = factories.notified_review(person, pseudonym="Moved")
    services.advance(review, "commission", person, review.version, **factories.trigger_data(review, "commission"))
    you = visit()
    sign_in(you.page, you.base_url, person)
    press(you.page, "a:has-text('Case list')")
    you.check("list")
    page = you.page
    page.select_option("#status", "notified")
    page.check("#overdue")
    press(page, "form[role=search] button")
    you.check("filtered")
    assert "status=notified" in page.url and "overdue=yes" in page.url
    assert page.locator("#reviews tbody tr").count() == 1
    assert "Name1" in page.locator("#reviews tbody").inner_text()

    you.goto("/cases?status=notified")
    press(page, "th a:has-text('Pseudonym')")
    you.check("sorted ascending")
    names = page.locator("#reviews tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["Name0", "Name1", "Name2"]
    press(page, "th a:has-text('Pseudonym')")
    you.check("sorted descending")
    assert page.locator("#reviews tbody tr td:nth-child(2)").all_inner_texts() == ["Name2", "Name1", "Name0"]
    assert "status=notified" in page.url  # the filter survives sorting: the view can be bookmarked


def test_readers_pages_and_error_pages(visit):
    review = factories.review_at("published")
    manager = prepare_account(factories.manager())
    you = visit("manager")
    sign_in(you.page, you.base_url, manager)
    you.check("manager dashboard")
    you.goto(f"/cases/{review.reference}")
    you.goto("/cases/NO-SUCH-REVIEW")
    assert "Page not found" in you.page.locator("h1").inner_text()
    you.goto(f"/cases/{review.reference}/actions/close")
    assert "You do not have access" in you.page.locator("h1").inner_text()


def test_tell_the_home_office_of_a_late_decision_record_its_answer_and_read_the_history(visit):
    person = coordinator()
    today = today_uk()
    late = factories.notified_review(person, pseudonym="Late", notified_on=today - timedelta(days=45))
    declined = factories.review_at("not_commissioned", by=person)
    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, person)

    you.goto("/cases?untold=yes")
    assert late.reference in page.locator("main table").inner_text()
    you.goto(f"/cases/{late.reference}")
    press(page, "a[href$='/delays/new']")
    you.check("delay form")
    press(page, "main form button.govuk-button")  # nothing typed: errors
    you.check("delay form errors")
    fill_action(page, {"told_on": today, "cause": "agency_information", "explanation": "Police records awaited.",
                       "expected_on": today + timedelta(days=14)})
    press(page, "main form button.govuk-button")
    you.check("delay recorded")
    assert "Decision expected by" in page.locator("#deadlines ~ dl").first.inner_text()

    you.goto(f"/cases/{declined.reference}")
    press(page, "a[href$='/decision/response']")
    you.check("decision response form")
    fill_action(page, {"received_on": today, "outcome": "review_advised",
                       "notes": "The QA Panel advised a review: abuse was indicated in the GP records."})
    press(page, "main form button.govuk-button")
    you.check("response recorded")
    assert "Reopen the review" in page.locator("main").inner_text()
    you.goto("/cases?declined=review_asked")
    assert declined.reference in page.locator("main table").inner_text()
    you.goto(f"/cases/{declined.reference}/history")
    page.select_option("#topic", "home_office")
    press(page, "main form button.govuk-button")
    you.check("history: the Home Office")
    assert [t.strip() for t in page.locator(".moj-timeline__title").all_inner_texts()] == [
        "Home Office response to the decision"]


def test_follow_the_action_plans_revise_one_correct_a_delay_and_record_a_consideration_panel(visit):
    person = coordinator()
    today = today_uk()
    published = factories.review_at("published", by=person)
    overdue = factories.recommendation(published, person, "R1", target_on=today - timedelta(days=3))
    factories.recommendation(published, person, "R2", target_on=today + timedelta(days=300), level="multi_agency")
    late = factories.review_at("panel", by=person)
    notice = services.record_delay_notice(late, person, late.version, told_on=today, cause="other",
                                          explanation="Chair unwell.", expected_on=today + timedelta(days=30))
    fresh = factories.notified_review(person, pseudonym="Fresh", notified_on=today - timedelta(days=5))
    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, person)

    you.goto("/action-plans")
    assert "R2" in page.locator("#recommendations").inner_text()
    page.select_option("#status", "red")
    press(page, "main form button.govuk-button")
    you.check("action plans: red")
    assert page.locator("#recommendations tbody tr").count() == 1

    you.goto(f"/cases/{published.reference}/recommendations/{overdue.id}/revise")
    press(page, "main form button.govuk-button")  # no reason given
    you.check("revision errors")
    fill_action(page, {"target_on": today + timedelta(days=60), "reason": "Agreed by the board."})
    press(page, "main form button.govuk-button")
    you.check("recommendation revised")
    assert "Revised from" in page.locator("#recommendations").inner_text()

    you.goto(f"/cases/{late.reference}/delays/{notice.id}/correct")
    fill_action(page, {"cause": "agency_information"})
    press(page, "main form button.govuk-button")
    you.check("delay corrected")

    you.goto(f"/cases/{fresh.reference}")
    press(page, "a[href$='/consideration-panels/new']")
    you.check("consideration panel form")
    fill_action(page, {"met_on": today, "attended_by": "Police, NHS", "advice": "hold",
                       "rationale": "Abuse was known to the GP."})
    press(page, "main form button.govuk-button")
    you.check("consideration panel recorded")
    you.goto(f"/cases/{fresh.reference}/actions/commission")
    assert "Advised: Hold a review" in page.locator(".app-consideration-advice").inner_text()


def test_record_a_cost_share_it_settle_it_and_read_the_statistics(visit):
    person = coordinator()
    review = factories.review_at("panel", by=person)
    you = visit("coordinator")
    page = you.page
    sign_in(page, you.base_url, person)
    you.goto(f"/cases/{review.reference}/costs")
    press(page, "a[href$='/costs/new']")
    you.check("cost form")
    fill_action(page, {"incurred_on": today_uk(), "kind": "chair", "amount": "1,250.50"})
    page.select_option("#funder_id", str(review.lead_partnership_id))
    press(page, "main form button.govuk-button")
    you.check("cost recorded")
    assert "£1,250.50" in page.locator("#cost-lines").inner_text()

    opcc = factories.organisation("OPCC", "Office of the Police and Crime Commissioner")
    press(page, "a[href$='/costs/sharing']")  # the funders agree to share it 60/40
    you.check("sharing form")
    fill_action(page, {"agreed_on": today_uk()})
    page.fill("#share_1", "60")
    page.select_option("#organisation_2", str(opcc.id))
    page.fill("#share_2", "40")
    press(page, "main form button.govuk-button")
    you.check("shares agreed")
    assert "Owes £500.20" in page.locator("#cost-shares").inner_text()

    press(page, "a[href$='/costs/recharges/new']")  # and the PCC's office pays its share
    you.check("recharge form")
    fill_action(page, {"paid_on": today_uk(), "amount": "500.20"})
    page.select_option("#payer_id", str(opcc.id))
    page.select_option("#payee_id", str(review.lead_partnership_id))
    press(page, "main form button.govuk-button")
    you.check("recharge recorded")
    assert page.locator("#cost-shares").inner_text().count("Settled") == 2
    you.goto("/publication/statistics")
    assert "£1,250.50" in page.locator("#costs-by-funder").inner_text()
    assert "Every organisation has paid its agreed share" in page.locator("#shared-balances").inner_text()
