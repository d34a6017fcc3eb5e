"""Names allowed for publication and findings accepted as false positives, by two people.

The ML review: the partnership's own public page names the victim and his mother; its wording is
published only once a coordinator has recorded that each name may be, and a second person confirmed it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import CaseEvent
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.publication import name_decisions
from ssgp_dhr.publication import services as publication
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture

# The partnership page's own words about the ML review (ssgp-partnership-page.txt).
ML_WORDING = ("Michael Liddell, aged 35, was killed by his mother Joy Liddell, aged 65, at their home in Gloucester "
              "in January 2019. Mrs. Liddell was charged with her son’s murder but died before the prosecution "
              "was concluded.")


def ml_review():
    coordinator = factories.coordinator()
    review = factories.review_at("approved", by=coordinator, pseudonym="ML", victim_name="Michael Liddell",
                                 perpetrator_name="Joy Liddell", victim_age=35)
    publication.record_decision(review, coordinator, review.version, form="full",
                                decided_on=review.current_qa_round.letter_on)
    return review, coordinator


def allow(review, coordinator, key):
    return name_decisions.record_allowed_name(
        review, coordinator, review.version, name_key=key, reason="public_through_courts",
        details="Named in open court and on the partnership's page.", family_agreed_on=today_uk() - timedelta(days=30),
        home_office_agreed_on=today_uk() - timedelta(days=10))


def test_the_ml_wording_is_refused_until_two_people_allow_both_names(act_as):  # noqa: F811
    review, coordinator = ml_review()
    with pytest.raises(publication.RestrictedText) as refused:
        publication.record_details(review, coordinator, review.version, {"public_summary": ML_WORDING})
    assert {f.field for f in refused.value.findings} == {"victim_name", "perpetrator_name"}

    decisions = [allow(review, coordinator, key) for key in ("victim_name", "perpetrator_name")]
    # Recorded, not yet confirmed: nothing changes.
    with pytest.raises(publication.RestrictedText):
        publication.record_details(review, coordinator, review.version, {"public_summary": ML_WORDING})
    # The person who recorded a decision cannot confirm it.
    for decision in decisions:
        with pytest.raises(services.NotPermitted, match="You recorded this decision"):
            name_decisions.confirm(review, coordinator, decision)
    # A manager of the lead partnership confirms one, another coordinator the other.
    name_decisions.confirm(review, factories.manager(), decisions[0])
    with pytest.raises(publication.RestrictedText) as refused:  # the mother is still named
        publication.record_details(review, coordinator, review.version, {"public_summary": ML_WORDING})
    assert {f.field for f in refused.value.findings} == {"perpetrator_name"}
    name_decisions.confirm(review, factories.coordinator(), decisions[1])

    publication.record_details(review, coordinator, review.version, {"public_summary": ML_WORDING})
    kinds = ["overview_report", "executive_summary"]
    assert publication.run_check(review, coordinator, kinds).passed
    services.advance(review, "publish", coordinator, review.version, **factories.trigger_data(review, "publish"))
    assert review.status == "published"
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id,
                                                           CaseEvent.field == "name_decision")).all()
    assert [(e.to_value, e.payload["who"]) for e in events] == [
        ("recorded", "Victim"), ("recorded", "Perpetrator"), ("confirmed", "Victim"), ("confirmed", "Perpetrator")]
    assert all("Liddell" not in str(e.payload) for e in events)


def test_the_ml_wording_reaches_the_public_page_after_the_decisions(client_request):
    review, coordinator = ml_review()
    for key in ("victim_name", "perpetrator_name"):
        name_decisions.confirm(review, factories.manager(), allow(review, coordinator, key))
    publication.record_details(review, coordinator, review.version, {"public_summary": ML_WORDING})
    publication.run_check(review, coordinator, ["overview_report", "executive_summary"])
    services.advance(review, "publish", coordinator, review.version, **factories.trigger_data(review, "publish"))
    assert ML_WORDING in client_request.get(f"/reviews/{review.reference}").select_one("main").get_text()


def test_only_a_coordinator_or_a_manager_of_the_lead_partnership_confirms():
    review, coordinator = ml_review()
    decision = allow(review, coordinator, "victim_name")
    for outsider in (factories.manager(factories.safer_glos()), factories.panel_member()):
        with pytest.raises(services.NotPermitted):
            name_decisions.confirm(review, outsider, decision)
    assert not decision.in_effect
    with pytest.raises(services.NotPermitted):
        allow(review, factories.manager(), "perpetrator_name")


def test_a_corrected_name_is_no_longer_allowed():
    review, coordinator = ml_review()
    name_decisions.confirm(review, factories.manager(), allow(review, coordinator, "victim_name"))
    assert name_decisions.allowed_keys(review) == {"victim_name"}
    services.update_details(review, coordinator, review.version, {"victim_name": "Michael John Liddell"})
    assert name_decisions.allowed_keys(review) == set()


def test_a_false_positive_is_accepted_for_that_finding_only_after_a_second_person(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("approved", by=coordinator, perpetrator_name="June Hartwell")
    publication.record_decision(review, coordinator, review.version, form="full",
                                decided_on=review.current_qa_round.letter_on)
    record = publication.publication_record(review)
    record.public_summary = "Scott died in June 2024."  # saved before the check on saving existed
    db.session.commit()
    kinds = ["overview_report", "executive_summary"]
    check = publication.run_check(review, coordinator, kinds)
    assert not check.passed
    number = next(n for n, f in enumerate(check.findings, start=1) if f["document"] == "Public summary")

    client = act_as(coordinator)
    case = client.review(review.reference)
    link = case.select_one(f"a[href$='/publication/names/accept/{check.id}/{number}']")
    form = client.get(link["href"])
    assert "June Hartwell" in form.select_one("#the-finding").get_text()
    publication.run_check(review, coordinator, kinds)  # checked again meanwhile: the link still means that finding
    client.post(link["href"], data={"version": review.version, "details": ""}, expected_status=400)
    client.post(link["href"], data={"version": review.version, "details": "The month, not the person."},
                expected_status=302)
    assert not publication.run_check(review, coordinator, kinds).passed  # not confirmed yet

    names_page = act_as(coordinator).get(f"/cases/{review.reference}/publication/names")
    assert names_page.select_one("button[id^='confirm-']") is None  # not for the person who recorded it
    manager = factories.manager()
    names_page = act_as(manager).get(f"/cases/{review.reference}/publication/names")
    assert "June Hartwell" not in str(names_page)  # a manager does not see real names
    button = names_page.select_one("button[id^='confirm-']")
    decision_id = button["id"].split("-")[1]
    act_as(manager).post(f"/cases/{review.reference}/publication/names/{decision_id}/confirm", data={},
                         expected_status=302, token_from=f"/cases/{review.reference}/publication/names")
    check = publication.run_check(review, coordinator, kinds)
    assert check.passed and [f["accepted"] for f in check.findings] == [True]
    # Another text with the name in it is still refused: the acceptance covered that finding only.
    with pytest.raises(publication.RestrictedText):
        publication.record_details(review, coordinator, review.version, {"learning_summary": "June Hartwell agreed."})


def test_the_recorder_cannot_confirm_through_the_page(act_as):  # noqa: F811
    review, coordinator = ml_review()
    decision = allow(review, coordinator, "victim_name")
    page = act_as(coordinator).post(f"/cases/{review.reference}/publication/names/{decision.id}/confirm", data={},
                                    expected_status=403, token_from=f"/cases/{review.reference}/publication/names")
    assert "You recorded this decision" in page.select_one(".govuk-error-summary").get_text()
    assert not db.session.get(type(decision), decision.id).in_effect
