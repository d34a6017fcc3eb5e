"""Revising a recommendation: what it says, who owns it, when it is due; the history keeps what it said
before and why, and the recommendation keeps the first target agreed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.action_plan import services as action_plan
from ssgp_dhr.action_plan.models import Recommendation
from ssgp_dhr.action_plan.rag import Rag, rag_status
from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import CaseEvent
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from tests import factories
from tests.test_case_pages import act_as, form_data  # noqa: F401 - the fixture


@pytest.fixture
def plan():
    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    police, nhs = factories.organisation("Constabulary"), factories.organisation("NHS Glos")
    recommendation = factories.recommendation(review, coordinator, "R1", target_on=today_uk() - timedelta(days=5),
                                              agency=police, text="Train call handlers.")
    return {"coordinator": coordinator, "review": review, "recommendation": recommendation, "police": police,
            "nhs": nhs}


def fresh(recommendation: Recommendation) -> Recommendation:
    return db.session.get(Recommendation, recommendation.id, populate_existing=True)


def newest_event(review) -> CaseEvent:
    return db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                              .order_by(CaseEvent.seq.desc()).limit(1)).one()


def revised(recommendation: Recommendation, **changes):
    """Every revisable part as recorded, with `changes`."""
    return {"text": recommendation.text, "level": recommendation.level.value,
            "owning_agency_id": recommendation.owning_agency_id, "actions": recommendation.actions,
            "target_on": recommendation.target_on, **changes}


def test_a_moved_target_keeps_the_first_one_and_the_history_says_what_changed_and_why(plan):
    coordinator, review, recommendation = plan["coordinator"], plan["review"], plan["recommendation"]
    first_target, today = recommendation.target_on, today_uk()
    assert rag_status(recommendation, today) is Rag.RED
    assert action_plan.revise_recommendation(
        recommendation, coordinator, review.version, reason="Agreed by the board after the restructure.",
        **revised(recommendation, target_on=today + timedelta(days=120), owning_agency_id=plan["nhs"].id))
    recommendation = fresh(recommendation)
    assert (recommendation.target_on, recommendation.original_target_on) == (today + timedelta(days=120), first_target)
    assert recommendation.owning_agency_id == plan["nhs"].id
    assert rag_status(recommendation, today) is Rag.GREEN
    event = newest_event(review)
    assert (event.field, event.to_value, event.reason) == (
        "recommendation_revised", "R1", "Agreed by the board after the restructure.")
    assert event.payload["changes"] == {
        "owning_agency_id": ["Constabulary", "NHS Glos"],
        "target_on": [uk_date(first_target), uk_date(today + timedelta(days=120))]}

    # Moved again: the first target agreed stays.
    action_plan.revise_recommendation(recommendation, coordinator, review.version, reason="Slipped again.",
                                      **revised(recommendation, target_on=today + timedelta(days=200)))
    assert fresh(recommendation).original_target_on == first_target


def test_the_new_owner_posts_progress_and_the_old_one_no_longer_can(plan):
    coordinator, review, recommendation = plan["coordinator"], plan["review"], plan["recommendation"]
    police_member, nhs_member = factories.panel_member(), factories.panel_member()
    factories.seat_on_panel(review, police_member, agency=plan["police"])
    factories.seat_on_panel(review, nhs_member, agency=plan["nhs"])
    action_plan.post_progress(recommendation, police_member, text="Started.")
    action_plan.revise_recommendation(recommendation, coordinator, review.version, reason="Moved to health.",
                                      **revised(recommendation, owning_agency_id=plan["nhs"].id))
    with pytest.raises(services.NotPermitted):
        action_plan.post_progress(fresh(recommendation), police_member, text="Still going.")
    action_plan.post_progress(fresh(recommendation), nhs_member, text="Taken over.")


def test_revisions_are_refused_with_a_reason_and_change_nothing(plan):
    coordinator, review, recommendation = plan["coordinator"], plan["review"], plan["recommendation"]
    before = factories.stored_state(review)
    for outsider in (factories.manager(), factories.coordinator(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            action_plan.revise_recommendation(recommendation, outsider, review.version, reason="Why.",
                                              **revised(recommendation, text="Changed."))
    with pytest.raises(services.StaleReview):
        action_plan.revise_recommendation(recommendation, coordinator, review.version - 1, reason="Why.",
                                          **revised(recommendation, text="Changed."))
    with pytest.raises(services.InvalidChange) as refused:
        action_plan.revise_recommendation(
            recommendation, coordinator, review.version, reason=" ",
            **revised(recommendation, text=" ", target_on=today_uk() - timedelta(days=1),
                      owning_agency_id=factories.ssgp().id))
    assert refused.value.problems == [
        ("text", "Enter the recommendation"), ("owning_agency_id", "Choose the owning agency"),
        ("target_on", "A revised target date cannot be in the past"),
        ("reason", "Say why the recommendation is revised")]
    # The same answer again writes nothing.
    assert not action_plan.revise_recommendation(recommendation, coordinator, review.version, reason="No change.",
                                                 **revised(recommendation))
    assert factories.stored_state(review) == before
    assert fresh(recommendation).text == "Train call handlers."

    action_plan.accept_completion(recommendation, coordinator, completed_on=today_uk())
    with pytest.raises(services.NotAllowedNow, match="accepted as complete cannot be revised"):
        action_plan.revise_recommendation(fresh(recommendation), coordinator, fresh(recommendation).review.version,
                                          reason="Why.", **revised(recommendation, text="Changed."))


def test_the_revision_form_prefills_keeps_what_was_typed_and_shows_the_revision(act_as, plan):  # noqa: F811
    coordinator, review, recommendation = plan["coordinator"], plan["review"], plan["recommendation"]
    client = act_as(coordinator)
    url = f"/cases/{review.reference}/recommendations/{recommendation.id}/revise"
    case = client.review(review.reference)
    assert case.select_one(f"#recommendations a[href='{url}']")
    form = client.get(url)
    assert form.select_one("textarea[name=text]").get_text() == "Train call handlers."
    assert form.select_one("input[name=level][checked]")["value"] == "single_agency"
    assert form.select_one("select[name=owning_agency_id] option[selected]").get_text() == "Constabulary"
    target = recommendation.target_on
    assert [i["value"] for i in form.select("input[name=target_on]")] == [str(target.day), str(target.month),
                                                                         str(target.year)]
    new_target = today_uk() + timedelta(days=90)
    data = form_data({"version": review.version, "text": "Train every call handler.", "level": "multi_agency",
                      "owning_agency_id": str(plan["police"].id), "actions": "", "target_on": new_target, "reason": ""})
    page = client.post(url, data=data, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#reason']").get_text() == "Say why the recommendation is revised"
    assert page.select_one("textarea[name=text]").get_text() == "Train every call handler."
    assert fresh(recommendation).text == "Train call handlers."

    client.post(url, data={**data, "reason": "Scope widened by the panel."}, expected_status=302)
    case = client.review(review.reference)
    assert "Recommendation R1 revised" in case.select_one(".govuk-notification-banner").get_text()
    assert f"Revised from {uk_date(target)}" in case.select_one("#recommendations").get_text()
    history = client.get(f"/cases/{review.reference}/history?topic=publication").get_text(" ", strip=True)
    assert "Recommendation revised" in history and "Scope widened by the panel." in history
    assert f"Target date: from “{uk_date(target)}” to “{uk_date(new_target)}”" in history
    assert "Level: from “Single-agency” to “Multi-agency”" in history
    monitoring = client.get("/action-plans")
    assert f"Revised from {uk_date(target)}" in monitoring.select_one("#recommendations").get_text()
    header, row = client.get("/action-plans.csv").get_data().decode("utf-8-sig").splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["Original target date"] == target.isoformat()


def test_only_the_reviews_coordinators_open_the_form(act_as, plan):  # noqa: F811
    review, recommendation = plan["review"], plan["recommendation"]
    url = f"/cases/{review.reference}/recommendations/{recommendation.id}/revise"
    act_as(factories.manager()).get(url, expected_status=403)
    act_as(factories.coordinator(factories.safer_glos())).get(url, expected_status=404)
    member = factories.panel_member()
    factories.seat_on_panel(review, member, agency=plan["police"])
    act_as(member).get(url, expected_status=403)
    action_plan.accept_completion(recommendation, plan["coordinator"], completed_on=today_uk())
    act_as(plan["coordinator"]).get(url, expected_status=409)


# --- A proposal of completion returned to the owner ---------------------------------------------------

def test_a_coordinator_returns_a_proposal_with_what_is_still_needed(act_as, plan):  # noqa: F811
    coordinator, review, recommendation = plan["coordinator"], plan["review"], plan["recommendation"]
    owner = factories.panel_member()
    factories.seat_on_panel(review, owner, agency=plan["police"])
    url = f"/cases/{review.reference}/recommendations/{recommendation.id}/return"
    client = act_as(coordinator)
    client.get(url, expected_status=409)  # nothing proposed yet
    with pytest.raises(services.NotAllowedNow):
        action_plan.return_to_owner(recommendation, coordinator, reason="Too soon.")
    action_plan.post_progress(recommendation, owner, text="All handlers trained.", propose_completion=True)
    assert client.review(review.reference).select_one(f"#recommendations a[href='{url}']")
    with pytest.raises(services.NotPermitted):
        action_plan.return_to_owner(fresh(recommendation), owner, reason="Mine.")

    page = client.post(url, data={"version": review.version, "reason": " "}, expected_status=400)
    assert page.select_one(".govuk-error-summary a[href='#reason']")
    assert fresh(recommendation).completion_proposed_on == today_uk()
    client.post(url, data={"version": review.version, "reason": "The audit of records is not attached."},
                expected_status=302)
    recommendation = fresh(recommendation)
    assert recommendation.completion_proposed_on is None and recommendation.completed_on is None
    assert recommendation.progress[-1].text == "Not yet complete: The audit of records is not attached."
    assert newest_event(review).field == "recommendation_returned"
    case = client.review(review.reference)
    assert "Recommendation R1 returned to its owner" in case.select_one(".govuk-notification-banner").get_text()
    assert not case.select_one(f"#recommendations a[href='{url}']")
    act_as(factories.manager()).get(url, expected_status=403)
