"""Masked everywhere else: a recorded real name typed into free text is shown, to anyone who may not
see real names, as the pseudonym (the victim's) or "[name withheld]" (anyone else's)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import PanelRole
from ssgp_dhr.cases.names import WITHHELD, RestrictedName, mask
from ssgp_dhr.clock import today_uk
from ssgp_dhr.panel import services as panel_services
from ssgp_dhr.panel.models import InputKind
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture

SECRETS = ("Victoria", "Realname", "Marguerite", "Oakenshaw", "Peter")


class _Review:
    pseudonym = "Scott"


NAMES = [RestrictedName("victim_name", "Victim", "Victoria Realname"),
         RestrictedName("perpetrator_name", "Perpetrator", "Peter Realname"),
         RestrictedName("family_contact:1", "Family contact (sister)", "Marguerite Oakenshaw"),
         RestrictedName("family_contact:2", "Family contact (aunt)", "June Hartwell")]


def masked(text: str) -> str:
    return mask(text, _Review(), NAMES)


def test_names_are_replaced_by_the_pseudonym_or_withheld():
    assert masked("Victoria Realname's sister, Marguerite Oakenshaw, called.") == \
        f"Scott's sister, {WITHHELD}, called."
    assert masked("Peter came to the door; PETER was angry.") == f"{WITHHELD} came to the door; {WITHHELD} was angry."
    assert masked("Ms Oakenshaw and Mrs Ferraby") == f"Ms {WITHHELD} and Mrs Ferraby"
    assert masked("Margúerite's call") == f"{WITHHELD}'s call"  # an accent added
    assert masked("The Scottish police and the Realnames.") == f"The Scottish police and the {WITHHELD}."
    # A part that is a common word only where it is written as a name.
    assert masked("We met in late june. June Hartwell came.") == f"We met in late june. {WITHHELD} came."


NAME_WORDS = st.sampled_from(["Oakenshaw", "OAKENSHAW", "oakenshaw's", "Óakenshaw", "Realname", "Realnames'",
                                "Marguerite", "VICTORIA", "Peter", "Scottish", "Scott", "the", "panel", "met", "2024"])


@settings(max_examples=100, deadline=None)
@given(words=st.lists(NAME_WORDS, max_size=12), separators=st.lists(st.sampled_from([" ", "\n", "-", ", ", "."]),
                                                                        min_size=12, max_size=12))
def test_masking_leaves_no_whole_part_of_a_recorded_name(words, separators):
    """Every part of a recorded name written as a name (a common word like "victoria" only with a capital)."""
    import re

    from ssgp_dhr.cases.names import fold

    out = masked("".join(w + s for w, s in zip(words, separators, strict=False)))
    left = {fold(w).removesuffix("'s").removesuffix("s'").removesuffix("s") for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", out)}
    assert not left & {"oakenshaw", "realname", "marguerite", "victoria", "peter"}, out


def _busy_review():
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    member = factories.panel_member()
    seat = factories.seat_on_panel(review, member, PanelRole.AGENCY_REPRESENTATIVE)
    panel_services.add_family_contact(review, coordinator, name="Marguerite Oakenshaw", relationship_to_victim="Sister",
                                      contact_details=None)
    panel_services.post_input(review, member, kind=InputKind.REQUEST_ANSWER,
                              text="Victoria Realname called us twice; Peter answered once.")
    meeting = panel_services.record_meeting(review, coordinator, held_on=today_uk() - timedelta(days=1),
                                            agenda="Hear from Marguerite Oakenshaw.",
                                            minutes="Ms Oakenshaw spoke about Victoria.", attendee_ids=[seat.id])
    panel_services.add_meeting_action(review, coordinator, meeting.id, description="Write to Ms Oakenshaw.",
                                      owner_id=seat.id, due_on=today_uk() + timedelta(days=7))
    services.advance(review, "pause", coordinator, review.version, hold_reason="criminal_proceedings",
                     hold_details="Peter Realname's trial is listed.", hold_started_on=today_uk() - timedelta(days=1),
                     hold_expected_end_on=today_uk() + timedelta(days=60))
    return review, coordinator, member


def test_the_manager_and_a_panel_member_see_free_text_masked_the_coordinator_does_not(act_as):  # noqa: F811
    review, coordinator, member = _busy_review()
    for reader in (factories.manager(), member):
        page = act_as(reader).review(review.reference)
        for secret in SECRETS:
            assert secret not in str(page), (reader, secret)
        history = act_as(reader).get(f"/cases/{review.reference}/history")
        assert f"{WITHHELD}'s trial is listed" in history.get_text()
        for secret in SECRETS:
            assert secret not in str(history), (reader, secret)
    page = act_as(member).review(review.reference)
    assert f"Scott called us twice; {WITHHELD} answered once." in page.get_text()
    assert f"Ms {WITHHELD} spoke about Scott." in page.get_text()
    page = act_as(coordinator).review(review.reference)
    assert "Victoria Realname called us twice" in page.get_text() and "Ms Oakenshaw spoke" in page.get_text()
    history = act_as(coordinator).get(f"/cases/{review.reference}/history")
    assert "Peter Realname's trial is listed" in history.get_text()


def test_the_action_plan_list_its_csv_and_the_costs_csv_are_masked_for_the_manager(act_as):  # noqa: F811
    from ssgp_dhr.action_plan import services as action_plan

    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    panel_services.add_family_contact(review, coordinator, name="Marguerite Oakenshaw", relationship_to_victim="Sister",
                                      contact_details=None)
    added = factories.recommendation(review, coordinator, "R1", target_on=today_uk() + timedelta(days=30),
                                     text="Offer Marguerite Oakenshaw a named worker.")
    action_plan.post_progress(added, coordinator, text="Ms Oakenshaw has met the worker; Victoria's GP was told.")
    from ssgp_dhr.costs import services as costs

    costs.record_cost(review, coordinator, review.version, incurred_on=today_uk(), kind="family_advocacy",
                      amount_pence=10_000, funder_id=review.lead_partnership_id, description="Advocate for Ms Oakenshaw.")
    manager = act_as(factories.manager())
    page = manager.get("/action-plans?status=any")
    assert f"Offer {WITHHELD} a named worker." in page.get_text()
    listing = manager.client.get("/action-plans.csv?status=any").get_data(as_text=True)
    ledger = manager.client.get("/publication/costs.csv").get_data(as_text=True)
    assert f"Ms {WITHHELD} has met the worker; Scott's GP was told." in listing
    assert f"Advocate for Ms {WITHHELD}." in ledger
    for text in (str(page), listing, ledger):
        assert "Oakenshaw" not in text and "Victoria" not in text and "Marguerite" not in text
    mine = act_as(coordinator)
    assert "Offer Marguerite Oakenshaw a named worker." in mine.get("/action-plans?status=any").get_text()
    assert "Advocate for Ms Oakenshaw." in mine.client.get("/publication/costs.csv").get_data(as_text=True)


def test_an_e_mail_quoting_typed_text_masks_the_names_for_every_recipient(monkeypatch):
    import sqlalchemy as sa

    from ssgp_dhr.extensions import db
    from ssgp_dhr.reminders import services as reminders
    from ssgp_dhr.reminders import sources
    from ssgp_dhr.reminders.models import Reminder

    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    panel_services.add_family_contact(review, coordinator, name="Marguerite Oakenshaw", relationship_to_victim="Sister",
                                      contact_details=None)

    def action_due(today):
        yield sources.DueItem(kind="meeting_action", review=review, recipients=[coordinator], item="action:1",
                              due_on=today, occasion="due_today", subject="A panel action is due",
                              lines=["Write to Ms Oakenshaw about the family meeting."])

    monkeypatch.setattr(sources, "SOURCES", {"meeting_action": action_due})
    reminders.record_due_reminders(today_uk(), reminders.RunReport())
    body = db.session.scalars(sa.select(Reminder.body)).one()
    assert body == f"Write to Ms {WITHHELD} about the family meeting."


def test_a_name_decisions_details_and_a_decisions_reasons_are_masked_for_the_manager(act_as):  # noqa: F811
    from ssgp_dhr.publication import name_decisions

    coordinator = factories.coordinator()
    review = factories.review_at("approved", by=coordinator)
    name_decisions.record_allowed_name(review, coordinator, review.version, name_key="victim_name",
                                       reason="other", details="Victoria Realname's mother asked for it.",
                                       family_agreed_on=today_uk(), home_office_agreed_on=None)
    page = act_as(factories.manager()).get(f"/cases/{review.reference}/publication/names")
    assert "Scott's mother asked for it." in page.get_text() and "Realname" not in str(page)
    assert "Victoria Realname's mother" in act_as(coordinator).get(
        f"/cases/{review.reference}/publication/names").get_text()


def test_a_document_title_naming_someone_is_masked_for_those_who_may_not_see_real_names(act_as):  # noqa: F811
    from ssgp_dhr.documents.models import DocumentType

    review, coordinator, member = _busy_review()
    document = factories.document(review, coordinator, DocumentType.OTHER, title="Chronology of Victoria Realname",
                                  content=b"A fictional chronology.\n")
    for reader in (factories.manager(), member):
        for url in (f"/cases/{review.reference}", f"/cases/{review.reference}/documents/{document.document_id}"):
            page = act_as(reader).get(url)
            assert "Victoria" not in str(page) and "Realname" not in str(page), (reader, url)
    page = act_as(member).get(f"/cases/{review.reference}/documents/{document.document_id}")
    assert page.h1.get_text(strip=True) == "Chronology of Scott"
    page = act_as(coordinator).get(f"/cases/{review.reference}/documents/{document.document_id}")
    assert page.h1.get_text(strip=True) == "Chronology of Victoria Realname"
