"""The Home Office's answer to a decision whether to hold a review: a decision not to hold one is seen
by the Quality Assurance Panel, which may agree or ask for a review; the case page, the case list and
My work show which declines are still unanswered and which the Home Office asked to reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import CaseEvent, DecisionResponseOutcome, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from tests import factories
from tests.test_case_pages import act_as, form_data, reload  # noqa: F401 - act_as is a fixture

NOTES = "The QA Panel found abuse indicated in the GP records and advised that a review be held."


def declined() -> tuple[Review, object]:
    coordinator = factories.coordinator()
    return factories.review_at("not_commissioned", by=coordinator), coordinator


def answer(review: Review, **changes) -> dict:
    return {"received_on": review.home_office_told_on + timedelta(days=40), "outcome": "agreed", "notes": "",
            **changes}


def response_url(review: Review) -> str:
    return f"/cases/{review.reference}/decision/response"


def key_fact(page, key: str) -> str | None:
    for row in page.select(".govuk-summary-list__row"):
        if row.find(class_="govuk-summary-list__key").get_text(strip=True) == key:
            return row.find(class_="govuk-summary-list__value").get_text(" ", strip=True)
    return None


def response_row(page) -> str | None:
    return key_fact(page, "Home Office response")


def newest_event(review: Review) -> CaseEvent:
    return db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                              .order_by(CaseEvent.seq.desc())).first()


# --- The action ------------------------------------------------------------------------------------

def test_the_answer_to_a_decline_is_kept_against_that_decision_with_the_history() -> None:
    review, coordinator = declined()
    version = review.version
    assert review.decision_response is None

    response = services.record_decision_response(
        review, coordinator, version, **answer(review, outcome="review_advised", notes=f"  {NOTES} "))

    review = reload(review)
    assert review.version == version + 1 and review.status == "not_commissioned"
    assert review.decision_response.id == response.id
    assert (response.decision_on, response.review_held, response.outcome, response.notes, response.recorded_by_id) == (
        review.decision_on, False, DecisionResponseOutcome.REVIEW_ADVISED, NOTES, coordinator.id)
    event = newest_event(review)
    assert (event.field, event.reason) == ("decision_response", NOTES)
    assert event.to_value == (f"Received {response.received_on.isoformat()}, on the decision of "
                              f"{review.decision_on.isoformat()}: "
                              "The Quality Assurance Panel advised that a review be held")


def test_reopening_makes_the_new_decision_await_its_own_answer_and_keeps_the_old_one() -> None:
    review, coordinator = declined()
    services.record_decision_response(review, coordinator, review.version,
                                      **answer(review, outcome="review_directed", notes=NOTES))
    services.advance(review, "reopen", coordinator, review.version, **factories.trigger_data(review, "reopen"))

    review = reload(review)
    assert review.status == "commissioned" and review.decision_response is None
    assert [r.outcome for r in review.decision_responses] == [DecisionResponseOutcome.REVIEW_DIRECTED]

    # The decision to hold a review can only be acknowledged.
    with pytest.raises(services.InvalidChange) as refused:
        services.record_decision_response(review, coordinator, review.version, **answer(review, outcome="agreed"))
    assert refused.value.problems == [("outcome", "Choose the Home Office's response")]
    services.record_decision_response(review, coordinator, review.version, **answer(review, outcome="acknowledged"))
    assert reload(review).decision_response.outcome is DecisionResponseOutcome.ACKNOWLEDGED


@pytest.mark.parametrize(("changes", "problems"), [
    ({"received_on": None}, [("received_on", "Record the date of the Home Office's response")]),
    ({"received_on": "tomorrow"}, [("received_on", "The date of the response cannot be in the future")]),
    ({"received_on": "before told"}, [("received_on", "The response cannot be before the Home Office was told of "
                                                      "the decision, on {told}")]),
    ({"outcome": None}, [("outcome", "Choose the Home Office's response")]),
    ({"outcome": "acknowledged"}, [("outcome", "Choose the Home Office's response")]),
    ({"outcome": "review_directed", "notes": "  "}, [("notes", "Say what the Home Office asked for, and why")]),
])
def test_an_answer_that_cannot_be_recorded_is_refused_with_the_reason_and_nothing_changes(changes, problems) -> None:
    review, coordinator = declined()
    dates = {"tomorrow": today_uk() + timedelta(days=1), "before told": review.home_office_told_on - timedelta(days=1)}
    changes = {key: dates.get(value, value) if isinstance(value, str) else value for key, value in changes.items()}
    version = review.version

    with pytest.raises(services.InvalidChange) as refused:
        services.record_decision_response(review, coordinator, version, **answer(review, **changes))

    assert refused.value.problems == [(field, sentence.format(told=uk_date(review.home_office_told_on)))
                                      for field, sentence in problems]
    review = reload(review)
    assert review.version == version and review.decision_responses == []


def test_only_a_coordinator_records_it_only_after_the_home_office_was_told_and_a_correction_keeps_the_old() -> None:
    review, coordinator = declined()
    for outsider in (factories.manager(), factories.coordinator(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            services.record_decision_response(review, outsider, review.version, **answer(review))
    with pytest.raises(services.StaleReview):
        services.record_decision_response(review, coordinator, review.version - 1, **answer(review))

    first = services.record_decision_response(review, coordinator, review.version, **answer(review))
    # Recorded wrongly: the same decision's response is corrected, and the history says from what.
    version = reload(review).version
    corrected = services.record_decision_response(review, coordinator, version,
                                                  **answer(review, outcome="review_advised", notes=NOTES))
    review = reload(review)
    assert corrected.id == first.id and review.version == version + 1
    assert [r.outcome for r in review.decision_responses] == [DecisionResponseOutcome.REVIEW_ADVISED]
    event = newest_event(review)
    assert (event.field, event.reason) == ("decision_response", NOTES)
    assert event.from_value.endswith("The Quality Assurance Panel agreed a review is not needed")
    assert event.to_value.endswith("The Quality Assurance Panel advised that a review be held")
    # The same answer again changes nothing.
    services.record_decision_response(review, coordinator, review.version,
                                      **answer(review, outcome="review_advised", notes=NOTES))
    assert reload(review).version == version + 1
    notified = factories.notified_review(coordinator)
    with pytest.raises(services.NotAllowedNow, match="once it has been told of the decision"):
        services.record_decision_response(notified, coordinator, notified.version,
                                          received_on=today_uk(), outcome="acknowledged", notes="")
    assert len(reload(review).decision_responses) == 1 and reload(notified).decision_responses == []


# --- The pages -------------------------------------------------------------------------------------

def test_an_unanswered_decline_shows_as_awaited_and_coordinators_get_the_link(act_as) -> None:  # noqa: F811
    review, coordinator = declined()
    page = act_as(coordinator).review(review.reference)
    assert key_fact(page, "Decision") == f"{uk_date(review.decision_on)}: not to hold a review"
    assert response_row(page) == "Awaited"
    link = page.select_one(f"#key-facts ~ dl a[href='{response_url(review)}']")
    assert link.get_text(" ", strip=True) == "Record the Home Office's response to the decision"
    assert page.select_one(f"#attention a[href='{response_url(review)}']")  # the next step, at the top

    manager = factories.manager()
    page = act_as(manager).review(review.reference)
    assert response_row(page) == "Awaited"
    assert page.find("a", href=response_url(review)) is None
    act_as(manager).get(response_url(review), expected_status=403)

    # No decision yet: no row, and no form.
    notified = factories.notified_review(coordinator)
    assert response_row(act_as(coordinator).review(notified.reference)) is None
    act_as(coordinator).get(response_url(notified), expected_status=409)


def test_a_coordinator_records_that_a_review_was_asked_for_and_the_case_page_says_to_reopen(act_as) -> None:  # noqa: F811
    review, coordinator = declined()
    client = act_as(coordinator)
    form = client.get(response_url(review))
    assert form.find("h1").get_text(strip=True) == "Record the Home Office's response to the decision"
    assert "Not to hold a review, made on " + uk_date(review.decision_on) in form.find("main").get_text(" ", strip=True)
    assert [i["value"] for i in form.find_all("input", attrs={"name": "outcome"})] == [
        "agreed", "review_advised", "review_directed"]
    version = form.find("input", attrs={"name": "version"})["value"]
    data = answer(review, outcome="review_advised", notes=NOTES)
    before = client.review(review.reference).select_one("a.app-action[href$='/actions/reopen']")
    assert "govuk-button--secondary" in before["class"]  # while the Home Office has not asked for a review

    response = client.post(response_url(review), form_data({"version": version, **data}))
    assert response.headers["Location"] == f"/cases/{review.reference}"

    page = client.review(review.reference)
    assert response_row(page) == (f"The Quality Assurance Panel advised that a review be held, received "
                                  f"{uk_date(data['received_on'])} Reopen the review")
    # Reopening is now the next step, not an exception.
    assert "govuk-button--secondary" not in page.select_one("a.app-action[href$='/actions/reopen']")["class"]
    change = page.find("a", href=response_url(review))
    assert change.get_text(" ", strip=True) == "Change the Home Office's response to the decision"
    form = client.get(response_url(review))
    assert form.find("h1").get_text(strip=True) == "Correct the Home Office's response to the decision"
    assert form.find("input", attrs={"name": "outcome", "checked": True})["value"] == "review_advised"
    assert form.find("textarea", attrs={"name": "notes"}).get_text().strip() == NOTES
    newest = page.select(".moj-timeline__item")[0]
    assert newest.find(class_="moj-timeline__title").get_text(strip=True) == "Home Office response to the decision"
    assert NOTES in newest.find(class_="moj-timeline__description").get_text(" ", strip=True)

    # Reopened: the new decision is to hold a review, not yet acknowledged.
    services.advance(reload(review), "reopen", coordinator, reload(review).version,
                     **factories.trigger_data(review, "reopen"))
    page = client.review(review.reference)
    assert key_fact(page, "Decision") == f"{uk_date(reload(review).decision_on)}: to hold a review"
    assert response_row(page) == "Not recorded"
    assert page.find("a", href=response_url(review)) is not None


def test_a_decision_to_hold_a_review_is_only_acknowledged_so_the_form_asks_no_outcome(act_as) -> None:  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    client = act_as(coordinator)
    form = client.get(response_url(review))
    assert form.find("input", attrs={"name": "outcome"}) is None
    version = form.find("input", attrs={"name": "version"})["value"]
    client.post(response_url(review), form_data({"version": version, **answer(review, notes="")}))
    assert response_row(client.review(review.reference)) == (
        f"Acknowledged the decision to hold a review, received {uk_date(answer(review)['received_on'])}")
    assert client.get(response_url(review)).find(id="received_on-day")["value"] == str(answer(review)["received_on"].day)


def test_a_form_with_mistakes_shows_them_and_keeps_what_was_typed(act_as) -> None:  # noqa: F811
    review, coordinator = declined()
    client = act_as(coordinator)
    version = client.get(response_url(review)).find("input", attrs={"name": "version"})["value"]
    data = form_data({"version": version, **answer(review, notes=NOTES)})
    data.pop("outcome")
    data["received_on"] = ["31", "2", "2026"]
    page = client.post(response_url(review), data, expected_status=400)
    assert [(a.get_text(strip=True), a["href"]) for a in page.select(".govuk-error-summary a")] == [
        ("Date of the Home Office's response must be a real date", "#received_on-day"),
        ("Choose the Home Office's response", "#outcome"),
    ]
    assert page.find("textarea", attrs={"name": "notes"}).get_text().strip() == NOTES
    assert page.find(id="received_on-day")["value"] == "31"

    # The service's rules come back the same way, by field, with the choice kept.
    data = form_data({"version": version, **answer(review, outcome="review_directed")})
    page = client.post(response_url(review), data, expected_status=400)
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#notes"]
    assert page.find("input", attrs={"name": "outcome", "checked": True})["value"] == "review_directed"
    assert reload(review).decision_responses == []


def test_the_case_list_and_my_work_find_declines_awaiting_an_answer_or_asked_to_reopen(act_as) -> None:  # noqa: F811
    coordinator = factories.coordinator()
    awaited, agreed, advised, directed, reopened = (factories.review_at("not_commissioned", by=coordinator)
                                                    for _ in range(5))
    for review, outcome in ((agreed, "agreed"), (advised, "review_advised"), (directed, "review_directed"),
                            (reopened, "review_directed")):
        services.record_decision_response(review, coordinator, review.version, **answer(review, outcome=outcome,
                                                                                        notes=NOTES))
    services.advance(reopened, "reopen", coordinator, reopened.version, **factories.trigger_data(reopened, "reopen"))
    commissioned = factories.review_at("commissioned", by=coordinator)  # unacknowledged, but not a decline
    factories.review_at("not_commissioned", lead=factories.safer_glos())  # another partnership's: not visible

    client = act_as(coordinator)

    def listed(answer_: str) -> set[str]:
        page = client.get(f"/cases?declined={answer_}")
        assert page.find("option", selected=True, value=answer_) is not None
        return {a.get_text(strip=True) for a in page.select("table a") if "-DHR-" in a.get_text()}

    assert listed("awaited") == {awaited.reference}
    assert client.get("/cases?declined=awaited").find(id="result-count").get_text(strip=True) == (
        "1 review matches the filters")
    assert listed("review_asked") == {advised.reference, directed.reference}
    # The SQL filter and the case page agree.
    for review in (awaited, agreed, advised, directed, reopened, commissioned):
        review = reload(review)
        current = review.decision_response
        assert (review.reference in listed("awaited")) is (not review.review_held and current is None)
        assert (review.reference in listed("review_asked")) is bool(
            not review.review_held and current and current.outcome.asks_for_review)

    item = client.get("/").find(id="reviews-asked-for")
    assert item.get_text(" ", strip=True) == "Reviews the Home Office asked to reopen: 2"
    assert item.find("a")["href"] == "/cases?declined=review_asked"


def test_the_annual_statistics_count_declines_by_the_home_offices_answer(act_as) -> None:  # noqa: F811
    from ssgp_dhr.publication import statistics

    coordinator = factories.coordinator()
    awaited, agreed, advised, reopened = (factories.review_at("not_commissioned", by=coordinator) for _ in range(4))
    services.record_decision_response(agreed, coordinator, agreed.version, **answer(agreed))
    for review in (advised, reopened):
        services.record_decision_response(review, coordinator, review.version,
                                          **answer(review, outcome="review_advised", notes=NOTES))
    services.advance(reopened, "reopen", coordinator, reopened.version, **factories.trigger_data(reopened, "reopen"))
    acknowledged = factories.review_at("commissioned", by=coordinator)
    services.record_decision_response(acknowledged, coordinator, acknowledged.version,
                                      **answer(acknowledged, outcome="acknowledged"))
    factories.review_at("panel", by=coordinator)

    by_hand = statistics.Declines(declined=4, reopened=1, agreed=1, review_asked=1, awaited=1)
    reviews = [reload(r) for r in (awaited, agreed, advised, reopened, acknowledged)]
    assert statistics.declines(reviews) == by_hand
    facts = statistics.review_facts(Review.lead_partnership_id == awaited.lead_partnership_id)
    assert statistics.declines(facts) == by_hand
    # The facts name the same answer as the review does, for a decline and for a decision to hold one.
    assert sorted(str(f.decision_response.outcome) for f in facts if f.decision_response) == [
        "acknowledged", "agreed", "review_advised"]

    client = act_as(factories.manager())
    assert client.get("/publication/statistics").find(id="declines").get_text(" ", strip=True) == (
        "4 decisions not to hold a review, 1 of them later reopened. Of the 3 still standing, the Home Office "
        "agreed 1, asked for a review in 1 (not yet reopened) and has not yet answered 1.")
    csv = client.client.get("/publication/statistics.csv").get_data(as_text=True).splitlines()
    assert [line for line in csv if line.startswith("Decisions not to hold a review")] == [
        "Decisions not to hold a review,,4,,,",
        "Decisions not to hold a review: reopened,,1,,,4",
        "Decisions not to hold a review: Home Office agreed,,1,,,3",
        "Decisions not to hold a review: Home Office asked for a review,,1,,,3",
        "Decisions not to hold a review: Home Office response awaited,,1,,,3",
    ]


def test_an_acknowledgement_never_recorded_is_not_asked_for_once_the_report_has_gone(act_as) -> None:  # noqa: F811
    coordinator = factories.coordinator()
    client = act_as(coordinator)
    published = factories.review_at("published", by=coordinator)
    assert response_row(client.review(published.reference)) is None
    acknowledged = factories.review_at("panel", by=coordinator)
    services.record_decision_response(acknowledged, coordinator, acknowledged.version,
                                      **answer(acknowledged, outcome="acknowledged"))
    factories.ready_for(acknowledged, "submit", coordinator)
    services.advance(reload(acknowledged), "submit", coordinator, reload(acknowledged).version,
                     **factories.trigger_data(acknowledged, "submit"))
    assert response_row(client.review(acknowledged.reference)).startswith(
        "Acknowledged the decision to hold a review")  # recorded: still shown
