"""Panel work: each role's view of each section, membership, the input log, family contacts,
overdue agency requests, and the two workflow requirements the panel's records feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from ssgp_dhr.cases import services as case_services
from ssgp_dhr.cases.models import CaseEvent, PanelMembership, PanelRole
from ssgp_dhr.cases.policy import visible_reviews_clause
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import requirements, services
from ssgp_dhr.panel.models import InputEntry, InputKind, PanelMeeting, RequestKind, RequestStatus
from tests import factories
from tests.conftest import sign_in
from tests.test_case_pages import act_as, form_data  # noqa: F401 - the fixture

CONTACT = "Margaret Familyname"


@pytest.fixture
def world():
    """Review A at panel with a chair, an agency representative and some of each record; review B elsewhere."""
    coordinator = factories.coordinator()
    a = factories.review_at("panel", by=coordinator)
    chair = next(m.user for m in a.panel if m.panel_role is PanelRole.INDEPENDENT_CHAIR)
    member = factories.panel_member()
    seat = factories.seat_on_panel(a, member)
    b = factories.review_at("panel", by=factories.coordinator())
    other = factories.panel_member()
    factories.seat_on_panel(b, other)
    today = today_uk()
    services.record_request(a, coordinator, agency_id=factories.organisation("Constabulary").id, kind=RequestKind.IMR,
                            requested_on=today - timedelta(days=30), due_on=today - timedelta(days=1), responsible_id=seat.id)
    meeting = services.record_meeting(a, coordinator, held_on=today - timedelta(days=3), agenda="Scoping the review",
                                      minutes=None, attendee_ids=[seat.id])
    services.add_meeting_action(a, coordinator, meeting.id, description="Send the IMR template", owner_id=seat.id,
                                due_on=today + timedelta(days=7))
    services.post_input(a, member, kind=InputKind.NOTE, text="The GP saw the victim twice in March.")
    services.update_family(a, coordinator, advocate_organisation="AAFDA", draft_shared_on=today - timedelta(days=2))
    services.add_family_contact(a, coordinator, name=CONTACT, relationship_to_victim="Mother", contact_details="01452 111111")
    return {"coordinator": coordinator, "chair": chair, "member": member, "manager": factories.manager(),
            "other": other}, a


SECTIONS = ("panel-members", "agency-request-table", "panel-meetings", "input-log", "family", "panel-summary")
# Who sees which section of review A's page.
VIEWS = {
    "coordinator": {"panel-members", "agency-request-table", "panel-meetings", "input-log", "family"},
    "chair": {"panel-members", "agency-request-table", "panel-meetings", "input-log", "family"},
    "member": {"panel-members", "agency-request-table", "panel-meetings", "input-log", "family"},
    "manager": {"panel-summary"},
}


@pytest.mark.parametrize("who", list(VIEWS))
def test_each_role_sees_its_sections_of_the_case_page(act_as, world, who):  # noqa: F811
    people, review = world
    page = act_as(people[who]).review(review.reference)
    shown = {s for s in SECTIONS if page.find(id=s) is not None}
    assert shown == VIEWS[who]
    text = page.get_text(" ", strip=True)
    assert ("The GP saw the victim twice in March." in text) == (who != "manager")
    assert (CONTACT in text) == (who in ("coordinator", "chair"))
    if who == "member":
        assert page.select_one("#family-contacts").get_text(strip=True) == "Restricted"
    if who == "manager":
        assert "1 agency requests overdue" in page.find(id="panel-summary").get_text(" ", strip=True)
        assert "AAFDA" not in text
    assert "01452 111111" not in text or who in ("coordinator", "chair")


def test_a_panel_member_of_another_review_gets_none_of_it(act_as, world):  # noqa: F811
    people, review = world
    client = act_as(people["other"])
    entry = db.session.scalar(sa.select(InputEntry.id))
    for path in ("", "/panel/new", "/requests/new", "/meetings/new", "/input/new", f"/input/{entry}",
                 f"/input/{entry}/edit", "/family", "/family/contacts/new"):
        client.get(f"/cases/{review.reference}{path}", expected_status=404)
    page = client.get("/")
    assert review.reference not in page.get_text()


@pytest.mark.parametrize("who", ["member", "chair", "manager"])
def test_only_coordinators_change_the_panel_records(act_as, world, who):  # noqa: F811
    people, review = world
    client = act_as(people[who])
    for path in ("/panel/new", "/requests/new", "/meetings/new", "/family", "/family/contacts/new", "/family/dates/new"):
        client.get(f"/cases/{review.reference}{path}", expected_status=403)
    client.get(f"/cases/{review.reference}/input/new", expected_status=403 if who == "manager" else 200)


def test_a_coordinator_adds_a_member_and_removing_them_ends_their_access_at_once(act_as, world):  # noqa: F811
    people, review = world
    newcomer = factories.panel_member()
    coordinator = act_as(people["coordinator"])
    url = f"/cases/{review.reference}/panel/new"
    page = coordinator.post(url, {"user_id": str(newcomer.id), "panel_role": "observer"}, expected_status=400)
    links = {a["href"] for a in page.select(".govuk-error-summary a")}
    assert links == {"#agency_id", "#started_on-day"}
    assert page.find("option", selected=True, value=str(newcomer.id)) is not None  # what was chosen is kept
    agency = factories.organisation("Housing")
    coordinator.post(url, form_data({"user_id": str(newcomer.id), "agency_id": str(agency.id), "panel_role": "observer",
                                     "started_on": today_uk()}))
    membership = db.session.scalar(sa.select(PanelMembership).where(PanelMembership.user_id == newcomer.id))
    newcomer_client = coordinator.client.application.test_client()
    sign_in(newcomer_client, newcomer)
    assert newcomer_client.get(f"/cases/{review.reference}").status_code == 200

    coordinator.post(f"/cases/{review.reference}/panel/{membership.id}/remove", {})
    assert newcomer_client.get(f"/cases/{review.reference}").status_code == 404
    assert newcomer_client.get(f"/cases/{review.reference}/input/new").status_code == 404
    db.session.refresh(membership)
    assert membership.ended_on == today_uk()
    changes = db.session.scalars(sa.select(CaseEvent.to_value).where(
        CaseEvent.review_id == review.id, CaseEvent.field == "panel_membership")).all()
    assert changes[-2:] == [f"{newcomer.full_name} joined as observer", f"{newcomer.full_name} left the panel"]


def test_input_log_edits_keep_the_history_and_retraction_hides_but_keeps_the_text(act_as, world):  # noqa: F811
    people, review = world
    entry = db.session.scalar(sa.select(InputEntry))
    member = act_as(people["member"])
    base = f"/cases/{review.reference}/input/{entry.id}"
    page = member.post(f"{base}/edit", {"text": ""}, expected_status=400)
    assert page.select_one(".govuk-error-summary a")["href"] == "#text"
    member.post(f"{base}/edit", {"text": "The GP saw the victim three times in March."})
    page = member.review(review.reference)
    assert "Edited" in page.find(id=f"entry-{entry.id}").get_text()
    history = member.get(base)
    assert "three times" in history.find(id="current-text").get_text()
    assert "twice" in history.find(id="revisions").get_text()

    # Someone else cannot edit it; the coordinator cannot edit it but may retract it.
    act_as(people["chair"]).get(f"{base}/edit", expected_status=403)
    coordinator = act_as(people["coordinator"])
    coordinator.get(f"{base}/edit", expected_status=403)
    page = coordinator.post(f"{base}/retract", {"reason": ""}, expected_status=400)
    assert page.select_one(".govuk-error-summary a")["href"] == "#reason"
    coordinator.post(f"{base}/retract", {"reason": "Posted on the wrong review"})
    page = coordinator.review(review.reference)
    shown = page.find(id=f"entry-{entry.id}").get_text(" ", strip=True)
    assert "three times" not in shown and "Posted on the wrong review" in shown
    assert "twice" not in coordinator.get(base).get_text()
    db.session.refresh(entry)
    assert entry.text == "The GP saw the victim three times in March." and entry.revisions[0].text.endswith("twice in March.")
    with pytest.raises(services.PanelError):
        services.edit_input(review, people["member"], entry.id, text="again")
    # No text of the log reaches the history, which managers read.
    history_text = " ".join(filter(None, db.session.scalars(sa.select(CaseEvent.to_value)).all()))
    assert "GP" not in history_text


def test_a_panel_member_posts_to_the_log_and_bad_input_keeps_what_was_typed(act_as, world):  # noqa: F811
    people, review = world
    member = act_as(people["member"])
    url = f"/cases/{review.reference}/input/new"
    page = member.post(url, {"text": "Half a thought"}, expected_status=400)
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#kind"]
    assert page.find("textarea", id="text").get_text() == "Half a thought"
    member.post(url, {"kind": "draft_comment", "text": "Section 4 needs the housing contact."})
    page = act_as(people["chair"]).review(review.reference)
    assert "Section 4 needs the housing contact." in page.find(id="input-log").find_parent("section").get_text()


def test_family_contacts_are_restricted_like_real_names(act_as, world):  # noqa: F811
    people, review = world
    for who, sees in (("coordinator", True), ("chair", True), ("member", False), ("manager", False)):
        text = str(act_as(people[who]).review(review.reference))
        assert (CONTACT in text) == sees, who
        assert ("01452 111111" in text) == sees, who
    assert CONTACT not in " ".join(filter(None, db.session.scalars(sa.select(CaseEvent.to_value)).all()))


def test_overdue_agency_requests_are_flagged_as_time_passes(act_as, world):  # noqa: F811
    people, review = world
    coordinator = people["coordinator"]
    today = today_uk()
    chronology = services.record_request(review, coordinator, agency_id=factories.organisation("NHS").id,
                                         kind=RequestKind.CHRONOLOGY, requested_on=today, due_on=today + timedelta(days=5))
    clause = visible_reviews_clause(coordinator)
    assert [r.kind for r in services.overdue_agency_requests(clause)] == [RequestKind.IMR]
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        assert services.overdue_counts(clause) == {review.id: 2}
        client = act_as(coordinator)
        page = client.review(review.reference)
        assert len(page.select("#agency-request-table .app-overdue")) == 2
        assert "2 agency reports are overdue" in page.get_text()
        dashboard = client.get("/")
        assert "Agency reports overdue: 2" in dashboard.find(id="agency-reports-overdue").get_text(" ", strip=True)
        services.update_request(review, coordinator, chronology.id, status=RequestStatus.RECEIVED,
                                due_on=chronology.due_on, received_on=today_uk(), responsible_id=None, note=None)
        assert services.overdue_counts(clause) == {review.id: 1}
        # The responsible panel member sees it among what is asked of them.
        mine = act_as(people["member"]).get("/").find(id="my-requests").get_text(" ", strip=True)
        assert "Individual Management Review (IMR)" in mine and "Overdue" in mine


def test_convening_needs_an_independent_chair_on_the_panel(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    factories.provide_documents(review, "convene_panel", coordinator)
    data = factories.trigger_data(review, "convene_panel")
    assert case_services.explain(review, "convene_panel", coordinator, data) == [requirements.CHAIR_ON_PANEL]
    chair = factories.panel_member()
    act_as(coordinator).post(f"/cases/{review.reference}/panel/new", form_data({
        "user_id": str(chair.id), "agency_id": str(factories.organisation("Chairs").id),
        "panel_role": "independent_chair", "started_on": today_uk()}))
    db.session.refresh(review)
    assert case_services.explain(review, "convene_panel", coordinator, data) == [requirements.CHAIR_FROM_PANEL]
    data = factories.trigger_data(review, "convene_panel")  # the chair chosen from the panel
    assert case_services.explain(review, "convene_panel", coordinator, data) == []
    case_services.advance(review, "convene_panel", coordinator, review.version, **data)
    assert review.status == "panel"


def test_submitting_needs_the_draft_shared_with_the_family_or_why_not(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    factories.provide_documents(review, "submit", coordinator)
    data = factories.trigger_data(review, "submit")
    assert case_services.explain(review, "submit", coordinator, data) == [requirements.DRAFT_SHARED]
    page = act_as(coordinator).post(f"/cases/{review.reference}/actions/submit",
                                    form_data({"version": review.version, **data}), expected_status=400)
    assert requirements.DRAFT_SHARED in page.select_one(".govuk-error-summary").get_text()
    act_as(coordinator).post(f"/cases/{review.reference}/family", {
        "publication_consent": "not_asked", "draft_not_shared_reason": "The family asked not to see it."})
    db.session.refresh(review)
    case_services.advance(review, "submit", coordinator, review.version, **data)
    assert review.status == "home_office_review"


def test_meetings_record_attendance_apologies_and_actions(act_as, world):  # noqa: F811
    people, review = world
    seats = {m.user_id: m.id for m in review.panel}
    client = act_as(people["coordinator"])
    url = f"/cases/{review.reference}/meetings/new"
    page = client.post(url, {"agenda": "Draft report", "attendee_ids": [str(seats[people["member"].id])]}, expected_status=400)
    assert [a["href"] for a in page.select(".govuk-error-summary a")] == ["#held_on-day"]
    assert page.find("input", attrs={"name": "attendee_ids", "value": str(seats[people["member"].id])}).has_attr("checked")
    client.post(url, form_data({"held_on": today_uk(), "agenda": "Draft report",
                                "attendee_ids": [str(seats[people["member"].id])],
                                "apology_ids": [str(seats[people["chair"].id])]}))
    meeting = max(db.session.scalars(sa.select(PanelMeeting)).all(), key=lambda m: m.id)
    client.post(f"/cases/{review.reference}/meetings/{meeting.id}/actions/new", form_data({
        "description": "Ask housing for records", "owner_id": str(seats[people["member"].id]),
        "due_on": today_uk() + timedelta(days=7)}))
    section = act_as(people["member"]).review(review.reference).find(id="panel-meetings").find_parent("section")
    text = section.get_text(" ", strip=True)
    assert "Draft report" in text and "Ask housing for records" in text and people["chair"].full_name in text


@pytest.mark.parametrize("who", ["coordinator", "member", "manager"])
def test_the_case_page_runs_the_same_statements_however_much_panel_work(act_as, world, who):  # noqa: F811
    from tests.test_queries import statements_for

    people, review = world
    client = act_as(people[who])
    url = f"/cases/{review.reference}"
    few = statements_for(client.client, url)
    coordinator, today = people["coordinator"], today_uk()
    seats = [m.id for m in review.panel]
    for n in range(8):
        agency = factories.organisation(f"Agency {n}")
        services.record_request(review, coordinator, agency_id=agency.id, kind=RequestKind.CHRONOLOGY,
                                requested_on=today - timedelta(days=9), due_on=today - timedelta(days=n),
                                responsible_id=seats[n % len(seats)])
        meeting = services.record_meeting(review, coordinator, held_on=today - timedelta(days=n), agenda=f"Meeting {n}",
                                          minutes=None, attendee_ids=seats[:2], apology_ids=seats[2:3])
        services.add_meeting_action(review, coordinator, meeting.id, description="Follow up", owner_id=seats[0],
                                    due_on=today)
        entry = services.post_input(review, people["member"], kind=InputKind.NOTE, text=f"Note {n}")
        services.edit_input(review, people["member"], entry.id, text=f"Note {n}, corrected")
        services.add_family_contact(review, coordinator, name=f"Relative {n}", relationship_to_victim="Cousin",
                                    contact_details=None)
    many = statements_for(client.client, url)
    print(f"case page as {who}: {few} statements with 1 of each panel record, {many} with 9")
    assert many == few
