"""A consideration panel: agencies meet after a notification and advise the chair whether to hold a review;
the advice sits beside the decision on the case page and on the pages where the decision is made."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ssgp_dhr.cases import history, services
from ssgp_dhr.cases.models import ConsiderationAdvice
from ssgp_dhr.clock import today_uk
from ssgp_dhr.presentation import uk_date
from tests import factories
from tests.test_case_pages import act_as, form_data, reload  # noqa: F401 - act_as is a fixture

REASONS = "Police and adult social care knew of abuse in the months before Scott's death."


def meeting(**changes) -> dict:
    return {"met_on": today_uk() - timedelta(days=1), "attended_by": "Police, adult social care, NHS",
            "advice": "hold", "rationale": REASONS, **changes}


def consideration_row(page) -> str | None:
    for row in page.select(".govuk-summary-list__row"):
        if row.find(class_="govuk-summary-list__key").get_text(strip=True) == "Consideration panel":
            return row.find(class_="govuk-summary-list__value").get_text(" ", strip=True)
    return None


def test_a_consideration_panel_is_recorded_before_the_decision_and_again_after_a_decline() -> None:
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=10))
    panel = services.record_consideration_panel(review, coordinator, review.version,
                                                **meeting(rationale=f"  {REASONS} "))
    review = reload(review)
    assert [(p.advice, p.rationale, p.attended_by) for p in review.consideration_panels] == [
        (ConsiderationAdvice.HOLD, REASONS, "Police, adult social care, NHS")]
    assert panel.recorded_by_id == coordinator.id
    newest = history.newest_events(review, limit=1)[0]
    assert (newest.field, newest.reason) == ("consideration_panel", REASONS)
    assert newest.to_value.endswith("Advised: Hold a review")

    declined = factories.review_at("not_commissioned", by=coordinator)
    services.record_consideration_panel(declined, coordinator, declined.version,
                                        **meeting(advice="other_review", met_on=today_uk()))
    commissioned = factories.review_at("commissioned", by=coordinator)
    before = factories.stored_state(commissioned)
    with pytest.raises(services.NotAllowedNow, match="until a review is commissioned"):
        services.record_consideration_panel(commissioned, coordinator, commissioned.version, **meeting())
    assert factories.stored_state(commissioned) == before


@pytest.mark.parametrize(("changes", "problems"), [
    ({"met_on": None}, ["met_on"]),
    ({"met_on": today_uk() + timedelta(days=1)}, ["met_on"]),
    ({"met_on": today_uk() - timedelta(days=30)}, ["met_on"]),  # before the notification
    ({"attended_by": " ", "advice": "maybe", "rationale": ""}, ["attended_by", "advice", "rationale"]),
])
def test_a_meeting_that_cannot_be_recorded_is_refused_by_field_and_nothing_changes(changes, problems) -> None:
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=10))
    before = factories.stored_state(review)
    with pytest.raises(services.InvalidChange) as refused:
        services.record_consideration_panel(review, coordinator, review.version, **meeting(**changes))
    assert [field for field, _ in refused.value.problems] == problems
    for outsider in (factories.manager(), factories.coordinator(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            services.record_consideration_panel(review, outsider, review.version, **meeting())
    with pytest.raises(services.StaleReview):
        services.record_consideration_panel(review, coordinator, review.version - 1, **meeting())
    assert factories.stored_state(review) == before
    assert reload(review).consideration_panels == []


def test_the_coordinator_records_it_from_the_case_page_and_the_decision_pages_show_the_advice(act_as) -> None:  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=10))
    url = f"/cases/{review.reference}/consideration-panels/new"
    client = act_as(coordinator)
    page = client.get(f"/cases/{review.reference}")
    assert consideration_row(page) == "None recorded"
    assert page.select_one(f"a[href='{url}']")
    assert consideration_row(act_as(factories.manager()).get(f"/cases/{review.reference}")) is None

    client = act_as(coordinator)  # the one test client, signed in again
    version = client.get(url).find("input", attrs={"name": "version"})["value"]
    empty = client.post(url, {"version": version}, expected_status=400)
    assert [a["href"] for a in empty.select(".govuk-error-summary a")] == [
        "#met_on-day", "#attended_by", "#advice", "#rationale"]
    data = form_data({"version": version, **meeting(met_on=today_uk() - timedelta(days=40))})
    page = client.post(url, data, expected_status=400)
    assert "before the partnership was notified" in page.select_one(".govuk-error-summary").get_text()
    assert page.find("textarea", attrs={"name": "rationale"}).get_text().strip() == REASONS
    assert page.find("input", attrs={"name": "advice", "checked": True})["value"] == "hold"

    data = form_data({"version": version, **meeting()})
    assert client.post(url, data, expected_status=302).headers["Location"] == f"/cases/{review.reference}"
    expected = f"Met on {uk_date(today_uk() - timedelta(days=1))}. Advised: Hold a review"
    assert consideration_row(client.get(f"/cases/{review.reference}")) == expected
    assert consideration_row(act_as(factories.manager()).get(f"/cases/{review.reference}")) == expected
    client = act_as(coordinator)
    for trigger in ("commission", "decline"):
        advice = client.get(f"/cases/{review.reference}/actions/{trigger}").select_one(".app-consideration-advice")
        met = uk_date(today_uk() - timedelta(days=1))
        assert advice.get_text(" ", strip=True) == (
            f"The consideration panel met on {met}. Advised: Hold a review. Its reasons: {REASONS}")
    history = client.get(f"/cases/{review.reference}/history?topic=panel")
    assert [t.get_text(strip=True) for t in history.select(".moj-timeline__title")] == ["Consideration panel"]

    services.record_consideration_panel(reload(review), coordinator, reload(review).version,
                                        **meeting(met_on=today_uk(), advice="more_information"))
    assert consideration_row(client.get(f"/cases/{review.reference}")).startswith(
        f"Met on {uk_date(today_uk())}. Advised: Meet again when more is known (2 meetings, each in the history)")

    act_as(factories.manager()).get(url, expected_status=403)
    act_as(factories.coordinator(factories.safer_glos())).get(url, expected_status=404)
    declined = factories.review_at("not_commissioned", by=coordinator)  # reconsidered after a decline
    client = act_as(coordinator)
    assert client.get(f"/cases/{declined.reference}").select_one(
        f"a[href='/cases/{declined.reference}/consideration-panels/new']")
    services.advance(reload(review), "commission", coordinator, reload(review).version,
                     **factories.trigger_data(reload(review), "commission"))
    client.get(url, expected_status=409)
    assert not client.get(f"/cases/{review.reference}").select_one(f"a[href='{url}']")
