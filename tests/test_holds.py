"""A hold whose parallel proceedings overrun: the coordinator records the new expected end and why.

The review stays on hold; the hold keeps its first expected end; each change is a history event.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import CaseEvent, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from tests import factories
from tests.test_case_pages import act_as, form_data, reload  # noqa: F401 - act_as is a fixture

REASON = "The coroner extended the suspension of the inquest by 28 days."


def on_hold() -> tuple[Review, object]:
    coordinator = factories.coordinator()
    review = factories.review_at("on_hold", by=coordinator)  # its hold was expected to end 136 days ago
    return review, coordinator


def hold_end_url(review: Review) -> str:
    return f"/cases/{review.reference}/hold/expected-end"


def summary_rows(page) -> dict[str, object]:
    return {row.find(class_="govuk-summary-list__key").get_text(strip=True): row
            for row in page.select(".govuk-summary-list__row")}


def events_of(review: Review) -> list[CaseEvent]:
    return db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                              .order_by(CaseEvent.seq)).all()


# --- The action ------------------------------------------------------------------------------------

def test_changing_the_expected_end_keeps_the_review_on_hold_and_the_first_date_and_records_why() -> None:
    review, coordinator = on_hold()
    hold = review.current_hold
    first, version = hold.expected_end_on, review.version
    new_end = today_uk() + timedelta(days=28)

    event = services.change_hold_end(review, coordinator, version, expected_end_on=new_end, reason=f"  {REASON} ")

    review = reload(review)
    hold = review.current_hold
    assert review.status == "on_hold" and review.version == version + 1
    assert (hold.expected_end_on, hold.first_expected_end_on, hold.end_was_changed) == (new_end, first, True)
    assert (event.field, event.from_value, event.to_value, event.reason) == (
        "hold_expected_end_on", first.isoformat(), new_end.isoformat(), REASON)
    assert event.actor_id == coordinator.id and event.payload == {"hold_id": hold.id}
    assert events_of(review)[-1].id == event.id

    # A second change moves the current date again; the first stays.
    later = new_end + timedelta(days=28)
    services.change_hold_end(review, coordinator, review.version, expected_end_on=later, reason="Extended again.")
    hold = reload(review).current_hold
    assert (hold.expected_end_on, hold.first_expected_end_on) == (later, first)


@pytest.mark.parametrize(("new_end", "reason", "problems"), [
    (None, REASON, [("expected_end_on", "Give the date the hold is now expected to end")]),
    ("same", REASON, [("expected_end_on", "The hold is already expected to end on {current}: give the new date")]),
    ("before start", REASON, [("expected_end_on", "The expected end cannot be before the hold started, on {start}")]),
    ("yesterday", REASON, [("expected_end_on", "The new expected end cannot be in the past: if the proceedings "
                                               "have ended, resume the review instead")]),
    ("next month", "   ", [("reason", "Say why the expected end has changed")]),
])
def test_an_expected_end_that_cannot_be_recorded_is_refused_with_the_reason_and_nothing_changes(
        new_end, reason, problems) -> None:
    review, coordinator = on_hold()
    hold = review.current_hold
    # The hold starts in the past, so "before start" and "yesterday" are distinct dates.
    new_end = {"same": hold.expected_end_on, "before start": hold.started_on - timedelta(days=1),
               "yesterday": today_uk() - timedelta(days=1), "next month": today_uk() + timedelta(days=30)}.get(
        new_end, new_end)
    before = (review.version, len(events_of(review)), hold.expected_end_on)

    with pytest.raises(services.InvalidChange) as refused:
        services.change_hold_end(review, coordinator, review.version, expected_end_on=new_end, reason=reason)

    assert refused.value.problems == [(field, sentence.format(current=uk_date(hold.expected_end_on),
                                                               start=uk_date(hold.started_on)))
                                      for field, sentence in problems]
    review = reload(review)
    assert (review.version, len(events_of(review)), review.current_hold.expected_end_on) == before


def test_only_a_coordinator_of_the_review_may_change_it_and_only_while_it_is_on_hold() -> None:
    review, coordinator = on_hold()
    new_end = today_uk() + timedelta(days=10)
    for outsider in (factories.manager(), factories.coordinator(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            services.change_hold_end(review, outsider, review.version, expected_end_on=new_end, reason=REASON)

    with pytest.raises(services.StaleReview):
        services.change_hold_end(review, coordinator, review.version - 1, expected_end_on=new_end, reason=REASON)

    services.advance(review, "resume", coordinator, review.version, hold_ended_on=today_uk())
    with pytest.raises(services.NotAllowedNow, match="only be changed while the review is on hold"):
        services.change_hold_end(review, coordinator, review.version, expected_end_on=new_end, reason=REASON)
    assert reload(review).holds[0].expected_end_on == reload(review).holds[0].first_expected_end_on


# --- The pages -------------------------------------------------------------------------------------

def test_the_case_page_shows_the_hold_its_overrun_and_a_change_link_for_coordinators_only(act_as) -> None:  # noqa: F811
    review, coordinator = on_hold()
    hold = review.current_hold
    late = (today_uk() - hold.expected_end_on).days

    rows = summary_rows(act_as(coordinator).review(review.reference))
    assert rows["Current hold"].find(class_="govuk-summary-list__value").get_text(" ", strip=True) == \
        f"Inquest, since {uk_date(hold.started_on)}"
    end_row = rows["Hold expected to end"]
    assert end_row.find(class_="govuk-summary-list__value").get_text(" ", strip=True) == \
        f"{uk_date(hold.expected_end_on)} Passed {late} days ago"
    link = end_row.select_one(".govuk-summary-list__actions a")
    assert link["href"] == hold_end_url(review)
    assert link.get_text(" ", strip=True) == "Change the expected end of the hold"

    manager = factories.manager()
    rows = summary_rows(act_as(manager).review(review.reference))
    assert rows["Hold expected to end"].select_one(".govuk-summary-list__actions") is None
    act_as(manager).get(hold_end_url(review), expected_status=403)


def test_a_coordinator_changes_the_expected_end_from_the_form_and_the_case_page_and_history_show_it(act_as) -> None:  # noqa: F811
    review, coordinator = on_hold()
    first = review.current_hold.expected_end_on
    client = act_as(coordinator)
    form = client.get(hold_end_url(review))
    assert form.find("h1").get_text(strip=True) == "Change the expected end of the hold"
    assert summary_rows(form)["Expected to end"].find(class_="govuk-summary-list__value").get_text(strip=True) == \
        uk_date(first)
    new_end = today_uk() + timedelta(days=40)
    version = form.find("input", attrs={"name": "version"})["value"]

    response = client.post(hold_end_url(review), form_data({"version": version, "expected_end_on": new_end,
                                                            "reason": REASON}))
    assert response.headers["Location"] == f"/cases/{review.reference}"

    page = client.review(review.reference)
    assert f"The hold is now expected to end on {uk_date(new_end)}" in page.select_one(
        ".govuk-notification-banner").get_text(" ", strip=True)
    assert summary_rows(page)["Hold expected to end"].find(class_="govuk-summary-list__value").get_text(
        " ", strip=True) == f"{uk_date(new_end)} First expected {uk_date(first)}"
    newest = page.select(".moj-timeline__item")[0]
    assert newest.find(class_="moj-timeline__title").get_text(strip=True) == "Expected end of the hold changed"
    assert newest.find(class_="moj-timeline__description").get_text(" ", strip=True) == \
        f"From “{uk_date(first)}” to “{uk_date(new_end)}” {REASON}"
    assert reload(review).status == "on_hold"


def test_a_form_with_mistakes_shows_them_and_keeps_what_was_typed(act_as) -> None:  # noqa: F811
    review, coordinator = on_hold()
    client = act_as(coordinator)
    version = client.get(hold_end_url(review)).find("input", attrs={"name": "version"})["value"]

    page = client.post(hold_end_url(review), {"version": version, "expected_end_on": ["31", "2", "2027"],
                                             "reason": REASON}, expected_status=400)
    summary = page.select_one(".govuk-error-summary")
    assert [(a.get_text(strip=True), a["href"]) for a in summary.select("a")] == [
        ("New expected end must be a real date", "#expected_end_on-day")]
    assert page.find(id="expected_end_on-day")["value"] == "31"
    assert page.find("textarea", attrs={"name": "reason"}).get_text().strip() == REASON
    assert page.find("title").get_text().startswith("Error: ")

    # The service's own rules come back the same way, by field.
    same = reload(review).current_hold.expected_end_on
    page = client.post(hold_end_url(review), form_data({"version": version, "expected_end_on": same, "reason": REASON}),
                       expected_status=400)
    assert [(a.get_text(strip=True), a["href"]) for a in page.select(".govuk-error-summary a")] == [
        (f"The hold is already expected to end on {uk_date(same)}: give the new date", "#expected_end_on-day")]
    assert page.find("textarea", attrs={"name": "reason"}).get_text().strip() == REASON
    assert reload(review).version == int(version)


def test_a_stale_form_shows_what_changed_and_a_resubmit_works(act_as) -> None:  # noqa: F811
    review, coordinator = on_hold()
    colleague = factories.coordinator()
    client = act_as(coordinator)
    version = client.get(hold_end_url(review)).find("input", attrs={"name": "version"})["value"]
    first = review.current_hold.expected_end_on
    theirs = today_uk() + timedelta(days=14)
    services.change_hold_end(review, colleague, review.version, expected_end_on=theirs, reason="Trial relisted.")

    mine = today_uk() + timedelta(days=21)
    data = form_data({"version": version, "expected_end_on": mine, "reason": REASON})
    page = client.post(hold_end_url(review), data, expected_status=409)
    assert [li.get_text(" ", strip=True).rsplit(" (", 1)[0] for li in page.select("#changes-since li")] == [
        f"{colleague.full_name} changed the expected end of the hold from “{uk_date(first)}” to “{uk_date(theirs)}”"]
    assert reload(review).current_hold.expected_end_on == theirs

    data["version"] = page.find("input", attrs={"name": "version"})["value"]
    client.post(hold_end_url(review), data)
    assert reload(review).current_hold.expected_end_on == mine


def test_the_form_is_gone_once_the_review_has_resumed(act_as) -> None:  # noqa: F811
    review, coordinator = on_hold()
    client = act_as(coordinator)
    services.advance(review, "resume", coordinator, review.version, hold_ended_on=today_uk())
    client.get(hold_end_url(review), expected_status=409)
    case_page = client.review(review.reference).get_text(" ", strip=True)
    assert "Current hold" not in case_page and "Hold expected to end" not in case_page

    data = form_data({"version": reload(review).version, "expected_end_on": today_uk() + timedelta(days=9),
                      "reason": REASON})
    page = client.post(hold_end_url(review), data, expected_status=409)
    assert "The expected end can only be changed while the review is on hold" in page.select_one(
        ".govuk-error-summary").get_text(" ", strip=True)
    assert int(data["version"]) == reload(review).version


def test_the_case_list_and_my_work_find_reviews_on_hold_past_the_expected_end(act_as) -> None:  # noqa: F811
    overrun, coordinator = on_hold()  # expected to end 136 days ago
    extended = factories.review_at("on_hold", by=coordinator)
    services.change_hold_end(extended, coordinator, extended.version, expected_end_on=today_uk() + timedelta(days=7),
                             reason=REASON)
    due_today = factories.review_at("on_hold", by=coordinator)
    services.change_hold_end(due_today, coordinator, due_today.version, expected_end_on=today_uk(), reason=REASON)
    resumed = factories.review_at("on_hold", by=coordinator)
    services.advance(resumed, "resume", coordinator, resumed.version, hold_ended_on=today_uk())
    factories.review_at("on_hold", lead=factories.safer_glos())  # another partnership's: not visible

    client = act_as(coordinator)
    page = client.get("/cases?overrun=yes")
    assert {a.get_text(strip=True) for a in page.select("table a") if "-DHR-" in a.get_text()} == {overrun.reference}
    assert page.find(id="overrun").has_attr("checked")
    item = client.get("/").find(id="overrun-holds")
    assert item.get_text(" ", strip=True) == "On hold past the expected end: 1"
    assert item.find("a")["href"] == "/cases?overrun=yes"
