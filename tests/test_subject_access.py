"""A subject access request finds every record naming the person, wherever in a review the name was written,
by the rule masking reads names with: whole parts of the name, whatever the case and accents."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from ssgp_dhr.cases.names import names_person
from ssgp_dhr.clock import today_uk
from ssgp_dhr.costs import services as costs
from ssgp_dhr.organisations.models import OrganisationKind
from ssgp_dhr.panel import services as panel
from tests import factories
from tests.test_queries import counting_statements

URL = "/reviews/import/subject-access"


@pytest.mark.parametrize(("text", "found"), [
    ("Spoke to José García yesterday", True),
    ("SPOKE TO JOSE GARCIA", True),
    ("José García's sister called", True),
    ("jose-garcia", True),
    ("Josés Garcíaville", False),
    ("Joseph Garcia", False),
    ("García, José", False),
    ("José spoke to Mr García", False),
    (None, False),
])
def test_a_text_names_the_person_only_with_every_part_of_the_name_as_whole_words(text, found):
    assert names_person(text, "José García") is found


def _answer(client, name: str) -> dict:
    return json.loads(client.post(URL, {"name": name}, expected_status=200).data)


@pytest.fixture
def coordinator_and_review():
    partnership = factories.ssgp()
    coordinator = factories.coordinator(partnership)
    return coordinator, factories.review_at("panel", coordinator)


def test_a_name_written_only_in_a_meeting_note_or_a_history_reason_is_found(signed_in_as, coordinator_and_review):
    coordinator, review = coordinator_and_review
    panel.record_meeting(review, coordinator, held_on=today_uk() - timedelta(days=2), agenda="Chronology",
                         minutes="Her neighbour, Alan Brierley, called the police twice")
    cost = costs.record_cost(review, coordinator, review.version, incurred_on=today_uk(), kind="other",
                             amount_pence=100, funder_id=review.lead_partnership_id, description="Taxi")
    costs.remove_cost(cost, coordinator, review.version, reason="Paid by ALAN BRIERLEY himself, not the partnership")
    answer = _answer(signed_in_as(coordinator), "alan brierley")
    assert [(r["reference"], r["kind"], r["field"]) for r in answer["records"]] == [
        (review.reference, "History entry", "Reason"), (review.reference, "Panel meeting", "Minutes")]
    assert answer["records"][1]["text"] == "Her neighbour, Alan Brierley, called the police twice"
    assert answer["reviews"] == []  # named in its records, not recorded in the review's name fields
    assert answer["made_by"] == coordinator.full_name


def test_a_name_only_inside_other_words_is_not_found(signed_in_as, coordinator_and_review):
    coordinator, review = coordinator_and_review
    panel.record_meeting(review, coordinator, held_on=today_uk() - timedelta(days=2), agenda="Chronology",
                         minutes="Alanna Brierleys-Smith and Alan Brierleyson attended")
    assert _answer(signed_in_as(coordinator), "Alan Brierley")["records"] == []


def test_the_name_fields_family_contacts_and_action_plan_are_searched_and_the_recording_review_given_whole(
        signed_in_as, coordinator_and_review):
    coordinator, review = coordinator_and_review
    panel.add_family_contact(review, coordinator, name="Zoë O'Hara", relationship_to_victim="Sister",
                             contact_details=None)
    factories.recommendation(review, coordinator, "R1", target_on=today_uk(), text="Offer Zoe O’Hara an advocate")
    answer = _answer(signed_in_as(coordinator), "zoe o'hara")
    assert [(r["kind"], r["which"], r["field"]) for r in answer["records"]] == [
        ("Family contact", answer["records"][0]["which"], "Name"), ("Recommendation", "R1", "Text")]
    (whole,) = answer["reviews"]
    assert whole["reference"] == review.reference and whole["history"]
    victim = _answer(signed_in_as(coordinator), "Victoria Realname")
    assert ("Review", "Name of the person who died") in {(r["kind"], r["field"]) for r in victim["records"]}


def test_only_reviews_the_coordinator_may_see_with_real_names_are_searched(signed_in_as, coordinator_and_review):
    coordinator, _review = coordinator_and_review
    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    elsewhere = factories.review_at("panel", factories.coordinator(other), lead=other)
    answer = _answer(signed_in_as(coordinator), "Victoria Realname")
    assert elsewhere.reference not in {r["reference"] for r in answer["records"]}
    assert {r["reference"] for r in answer["records"]} == {_review.reference}


def test_the_search_reads_each_kind_of_record_once_whatever_the_number_of_reviews(signed_in_as,
                                                                                 coordinator_and_review):
    coordinator, _review = coordinator_and_review
    client = signed_in_as(coordinator)
    _answer(client, "Nobody Named")  # what a first request reads once (the reader's roles) is not counted
    with counting_statements() as one:
        _answer(client, "Nobody Named")
    for _ in range(3):
        factories.review_at("panel", coordinator)
    with counting_statements() as four:
        _answer(client, "Nobody Named")
    assert len(four) == len(one)
    with counting_statements() as recorded_in_one:
        _answer(client, "Victoria Realname")
    for _ in range(3):
        factories.review_at("panel", coordinator)
    with counting_statements() as recorded_in_seven:  # each given whole, with its history
        _answer(client, "Victoria Realname")
    assert len(recorded_in_seven) == len(recorded_in_one)


def test_masking_reads_a_name_written_with_a_curly_apostrophe_as_one_word():
    from ssgp_dhr.cases.models import Review
    from ssgp_dhr.cases.names import RestrictedName, mask

    named = [RestrictedName("family_contact:1", "Family contact (sister)", "Zoë O'Hara")]
    assert mask("Zoe O’Hara’s notes", Review(pseudonym="Scott"), named) == "[name withheld]’s notes"
