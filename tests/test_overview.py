"""A review's overview: what needs attention with the next step, and what the signed-in person may do now,
each action with the task list of what it needs first. The task list is drawn from the workflow's own
requirements, so at every stage, for every action, the page and the guard agree."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.models import PanelRole
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories


def _page_tasks(page, trigger: str) -> dict[str, str]:
    """The task list the overview shows for `trigger`: each task's text and its status."""
    offer = page.select_one(f"#offer-{trigger}")
    assert offer is not None, trigger
    return {li.select_one(".govuk-task-list__name-and-hint").get_text(" ", strip=True):
            li.select_one(".govuk-task-list__status").get_text(" ", strip=True) for li in offer.select("li")}


@pytest.mark.slow
@pytest.mark.parametrize("status", sorted(workflow.STATES))
def test_the_page_and_the_guard_agree_for_every_action_at_every_stage(status, signed_in_as):
    """With everything the form asks for given, the guard refuses an action for exactly the tasks the overview
    lists as to do; once they are done, the overview offers the button and the guard lets it through."""
    coordinator = factories.coordinator()
    review = factories.review_at(status, by=coordinator)
    client = signed_in_as(coordinator)
    for prepared in (False, True):
        open_now = workflow.available_triggers(review.status)
        if prepared:
            for trigger in open_now:
                factories.ready_for(review, trigger, coordinator)
        page = client.get(f"/cases/{review.reference}")
        offered = [o["id"].removeprefix("offer-") for o in page.select(".app-offer")]
        assert offered == ([] if review.disposed_on else open_now), status
        for trigger in open_now:
            shown = _page_tasks(page, trigger)
            to_do = {text for text, state in shown.items() if state == "To do"}
            guard = set(workflow.unmet_requirements(review, trigger, factories.trigger_data(review, trigger)))
            assert guard == to_do, (status, trigger, prepared)
            assert shown == {req.reason: ("Done" if done else "To do")
                             for req, done in workflow.prerequisites(review, trigger)}
            button = page.select_one(f"#offer-{trigger} a.govuk-button")
            assert (button is not None) == (not to_do), (status, trigger)


@pytest.mark.parametrize("status", ["notified", "commissioned", "panel", "on_hold", "home_office_review", "approved",
                                    "published"])
def test_people_see_only_the_actions_they_may_take(status, signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at(status, by=coordinator)
    member = factories.panel_member()
    factories.seat_on_panel(review, member)
    chair = next((m.user for m in review.panel if m.panel_role is PanelRole.INDEPENDENT_CHAIR), None)
    for who in [factories.manager(), member, *([chair] if chair else [])]:
        page = signed_in_as(who).get(f"/cases/{review.reference}")
        assert page.select(".app-offer") == [] and page.select("a.app-action") == [], (status, who)
        assert "What you can do now" not in page.get_text()
        assert page.find(id="not-yet") is None
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}")
    assert [o["id"] for o in page.select(".app-offer")] == [
        f"offer-{t}" for t in workflow.available_triggers(review.status)]


def test_resuming_a_hold_taken_from_the_panel_says_where_it_goes(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("on_hold", by=coordinator)  # paused from the panel
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}")
    assert [o["id"] for o in page.select(".app-offer")] == ["offer-resume"]
    assert "goes back to being with the panel" in page.select_one("#offer-resume").get_text(" ", strip=True)
    assert "Submit to the Home Office" not in page.get_text() and "Convene" not in page.get_text()


def test_an_overdue_decision_is_at_the_top_with_the_next_step(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=56))
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}")
    banner = page.select_one("#attention")
    text = banner.get_text(" ", strip=True)
    assert "days overdue" in text and "The Home Office has not been told of the delay" in text
    assert banner.select_one("a")["href"] == f"/cases/{review.reference}/delays/new"
    # It comes before the key facts, not 1,300 pixels down under the deadlines.
    assert page.find(id="attention").find_next(id="key-facts") is not None
    manager_page = signed_in_as(factories.manager()).get(f"/cases/{review.reference}")
    assert "days overdue" in manager_page.select_one("#attention").get_text() and not manager_page.select("#attention a")


def test_a_review_on_time_has_no_banner_and_no_delay_link(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=2))
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}")
    assert page.find(id="attention") is None
    assert "Record that the Home Office was told of a delay" not in page.get_text()


def test_a_review_with_the_home_office_says_it_is_waiting_for_the_letter(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("home_office_review", by=coordinator)
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}")
    assert "With the Home Office's Quality Assurance Panel since" in page.select_one("#attention").get_text()


def test_the_chair_is_chosen_from_the_panel_not_typed(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    factories.ready_for(review, "convene_panel", coordinator)
    chair = next(m.user for m in review.panel if m.panel_role is PanelRole.INDEPENDENT_CHAIR)
    client = signed_in_as(coordinator)
    form = client.get(f"/cases/{review.reference}/actions/convene_panel")
    field = form.select_one("select#chair_name")
    assert field is not None and form.select_one("input#chair_name") is None
    assert [o.get_text(strip=True) for o in field.select("option") if o["value"]] == [chair.full_name]
    data = {"version": review.version, "chair_name": "Somebody Typed",
            "chair_appointed_on": [str(d) for d in (today_uk().day, today_uk().month, today_uk().year)],
            "terms_of_reference_agreed_on": [str(d) for d in (today_uk().day, today_uk().month, today_uk().year)]}
    page = client.post(f"/cases/{review.reference}/actions/convene_panel", data, expected_status=400)
    assert "Choose the independent chair on the panel" in page.select_one(".govuk-error-summary").get_text()
    client.post(f"/cases/{review.reference}/actions/convene_panel", {**data, "chair_name": chair.full_name})
    db.session.expire_all()
    assert (review.status, review.chair_name) == ("panel", chair.full_name)
