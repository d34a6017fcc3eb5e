"""The case page, the action forms (one per workflow action) with stale handling, and the edit form."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_login import login_user
from sqlalchemy.exc import IntegrityError

from ssgp_dhr.cases import services, workflow
from ssgp_dhr.cases.models import CaseEvent, PanelRole, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import services as documents
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.requirements import CHAIR_ON_PANEL
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def act_as(app, client_request):
    """Sign in as `user` and return the checking client.

    conftest.sign_in computes Flask-Login's session identifier from the current request, so it is
    called inside a request context shaped like the test client's; whatever else the real sign-in
    puts in the session (access.start_session, when it exists) is copied in too.
    """
    from flask import session

    from ssgp_dhr import access

    def as_user(user):
        with app.test_request_context(environ_base=client_request.client.environ_base):
            sign_in(client_request.client, user)
            extra = {}
            if hasattr(access, "start_session"):
                access.start_session()
                extra = dict(session)
        with client_request.client.session_transaction() as client_session:
            client_session.update(extra)
        return client_request
    return as_user


def form_data(data: dict[str, Any]) -> dict[str, Any]:
    """Service-style data as the browser sends it: dates as day, month and year boxes."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, date):
            out[key] = [str(value.day), str(value.month), str(value.year)]
        else:
            out[key] = value
    return out


def action_url(review: Review, trigger: str) -> str:
    return f"/cases/{review.reference}/actions/{trigger}"


def reload(review: Review) -> Review:
    return db.session.get(Review, review.id, populate_existing=True)


# --- The case page ----------------------------------------------------------------------------

def test_case_page_for_a_coordinator_shows_facts_deadlines_stage_actions_and_timeline(act_as):
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    client = act_as(coordinator)
    page = client.get(f"/cases/{review.reference}")

    assert page.title.get_text().startswith(f"{review.reference} Scott – ")
    facts = page.find("dl").get_text(" ", strip=True)
    assert "Victoria Realname" in facts and "Peter Realname" in facts
    deadlines = page.find_all("dl")[1].get_text(" ", strip=True)
    assert "met on" in deadlines and "days overdue" in deadlines  # review_at notifies 200 days ago
    current = page.find("li", attrs={"aria-current": "step"})
    assert "Commissioned" in current.get_text()
    # Convening needs the chair on the panel and the terms of reference first: a task list, not a button.
    convene = page.select_one("#offer-convene_panel")
    tasks = [(li.select_one(".govuk-task-list__name-and-hint").get_text(" ", strip=True),
              li.select_one(".govuk-task-list__status").get_text(" ", strip=True)) for li in convene.select("li")]
    assert sorted(tasks) == sorted([(documents.TERMS_OF_REFERENCE_NEEDED, "To do"),
                                    (CHAIR_ON_PANEL, "To do")])
    assert convene.select_one("a.govuk-button") is None
    buttons = {a.get_text(strip=True): a["href"] for a in page.select("a.govuk-button")}
    assert buttons == {"Put on hold": action_url(review, "pause")}
    assert page.find(id="not-yet") is None  # only what can be done now
    assert [a.get_text(strip=True) for a in page.select(".app-review-navigation a")] == [
        "Overview", "Panel and agencies", "Documents", "Home Office and publication", "Action plan", "Costs", "History"]

    factories.ready_for(review, "convene_panel", coordinator)
    page = client.get(f"/cases/{review.reference}")
    convene = page.select_one("#offer-convene_panel")
    assert {li.select_one(".govuk-task-list__status").get_text(strip=True) for li in convene.select("li")} == {"Done"}
    assert convene.select_one("a.govuk-button")["href"] == action_url(review, "convene_panel")
    assert "govuk-button--secondary" not in convene.select_one("a.govuk-button")["class"]
    timeline = client.get(f"/cases/{review.reference}/history").select(".moj-timeline__item")
    assert [t.find("h3").get_text(" ", strip=True) for t in timeline][-2:] == [
        "Notified to Commissioned", "Notification recorded"]


def test_a_manager_reads_the_case_without_real_names_or_buttons(act_as):
    review = factories.review_at("panel")
    services.update_details(review, factories.coordinator(), review.version, {"victim_name": "Changed Realname"})
    page = act_as(factories.manager()).review(review.reference)
    text = page.get_text(" ", strip=True)
    assert "Realname" not in text
    assert "A restricted detail changed" in text
    assert page.select("a.govuk-button") == []
    assert "What you can do now" not in text and "Only a coordinator" not in text  # nothing offered they may not take


def test_reviews_the_user_may_not_see_are_not_found(act_as):
    review = factories.review_at("panel")
    client = act_as(factories.coordinator(factories.safer_glos()))
    page = client.get(f"/cases/{review.reference}", expected_status=404)
    assert "Page not found" in page.h1.get_text()
    client.get(action_url(review, "submit"), expected_status=404)
    client.get(f"/cases/{review.reference}/edit", expected_status=404)
    client.get("/cases/NO-SUCH-REF", expected_status=404)


def test_readers_cannot_open_action_or_edit_forms(act_as):
    review = factories.review_at("panel")
    member = factories.panel_member()
    factories.seat_on_panel(review, member)
    for reader in (factories.manager(), member):
        client = act_as(reader)
        client.review(review.reference)
        client.get(action_url(review, "submit"), expected_status=403)
        client.get(f"/cases/{review.reference}/edit", expected_status=403)


# --- The action forms -------------------------------------------------------------------------

SOURCE_FOR = {spec["trigger"]: (spec["source"] if isinstance(spec["source"], str) else spec["source"][0])
              for spec in workflow.TRANSITIONS}


@pytest.mark.parametrize("trigger", workflow.TRIGGERS)
def test_each_action_form_asks_for_exactly_the_data_its_action_takes(act_as, trigger):
    coordinator = factories.coordinator()
    review = factories.review_at(SOURCE_FOR[trigger], by=coordinator)
    page = act_as(coordinator).get(action_url(review, trigger))
    form = page.find("main").find("form")
    names = {i["name"] for i in form.find_all(["input", "textarea", "select"]) if i.get("name")}
    assert names == {*workflow.ACTIONS[trigger].fields, "csrf_token", "version", "submission_key"}
    assert form.find("input", attrs={"name": "version"})["value"] == str(review.version)
    assert page.title.get_text().startswith(f"{workflow.ACTIONS[trigger].label} – {review.reference} – ")
    for field in workflow.ACTIONS[trigger].fields:
        if field.endswith("_on"):
            assert len(form.find_all("input", attrs={"name": field})) == 3, f"{field} is a GOV.UK date input"
    if "hold_reason" in workflow.ACTIONS[trigger].fields:
        assert len(form.find_all("input", attrs={"name": "hold_reason", "type": "radio"})) == 4
    if "published_documents" in workflow.ACTIONS[trigger].fields:
        assert len(form.find_all("input", attrs={"name": "published_documents", "type": "checkbox"})) >= 3


def test_a_review_goes_from_notified_to_closed_through_the_forms(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, notified_on=today_uk() - timedelta(days=200))
    client = act_as(coordinator)
    for trigger in ("commission", "convene_panel", "pause", "resume", "submit", "request_revisions", "resubmit",
                    "approve", "publish", "close"):
        review = reload(review)
        factories.ready_for(review, trigger, coordinator)
        data = form_data(factories.trigger_data(review, trigger))
        data["version"] = review.version
        response = client.post(action_url(review, trigger), data)
        assert response.headers["Location"] == f"/cases/{review.reference}", trigger
    review = reload(review)
    assert review.status == "closed"
    assert review.published_documents == "overview_report,executive_summary"
    page = client.get(f"/cases/{review.reference}/history")
    # and the four documents uploaded, the publication decision (2), the summary and the check,
    # and the two published documents marked published by the publish action
    total = 11 + 4 + 4 + 2
    assert f"of {total}, newest first" in page.find(id="history-count").get_text(" ", strip=True)
    timeline = " ".join(client.get(f"/cases/{review.reference}/history?page={n}").select_one(".moj-timeline")
                        .get_text(" ", strip=True) for n in (1, 2, 3))
    chair = next(m.user.full_name for m in review.panel if m.panel_role is PanelRole.INDEPENDENT_CHAIR)
    assert f"Independent chair: {chair}" in timeline and "More on agency contact." in timeline
    assert "Documents published: Overview report, Executive summary" in timeline
    assert "Record publication: done" not in page.get_text()  # the flash was shown on the redirect before


def test_unmet_requirements_are_listed_linked_to_their_fields_and_typed_values_kept(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    decided = review.notified_on + timedelta(days=2)
    page = act_as(coordinator).post(action_url(review, "commission"), form_data({
        "version": review.version, "decision_on": decided, "home_office_told_on": decided - timedelta(days=1)}),
        expected_status=400)
    summary = page.select_one(".govuk-error-summary")
    links = {a.get_text(strip=True): a["href"] for a in summary.find_all("a")}
    assert links == {"The Home Office cannot have been told before the decision": "#home_office_told_on-day"}
    assert page.find(id="home_office_told_on-day")["value"] == str(decided.day - 1 if decided.day > 1 else
                                                                   (decided - timedelta(days=1)).day)
    assert page.find(id="decision_on-year")["value"] == str(decided.year)
    assert page.title.get_text().startswith("Error: Commission a review")
    assert reload(review).status == "notified"


def test_missing_data_names_each_requirement(act_as):
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    page = act_as(coordinator).post(action_url(review, "convene_panel"), {"version": review.version},
                                    expected_status=400)
    hrefs = [a["href"] for a in page.select(".govuk-error-summary a")]
    # The date and the terms of reference document link to the date the terms were agreed; the panel's own
    # requirement (an independent chair seated on the panel) to the chair.
    assert hrefs == ["#chair_name", "#chair_appointed_on-day", "#terms_of_reference_agreed_on-day",
                     "#terms_of_reference_agreed_on-day", "#chair_name"]
    assert page.select_one("#chair_name-error") is not None  # the message is by the field too


def test_a_date_that_is_not_real_is_refused_before_the_workflow_sees_it(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    page = act_as(coordinator).post(action_url(review, "commission"), {
        "version": review.version, "decision_on": ["31", "2", "2026"], "home_office_told_on": ["", "3", "2026"]},
        expected_status=400)
    messages = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert messages == ["Date of the decision must be a real date", "Date the Home Office was told must include a day"]
    assert page.find(id="decision_on-day")["value"] == "31"


def test_a_stale_submit_shows_what_changed_keeps_the_typed_values_and_a_resubmit_works(act_as):
    coordinator, colleague = factories.coordinator(), factories.coordinator()
    review = factories.notified_review(coordinator)
    client = act_as(coordinator)
    seen = client.get(action_url(review, "commission"))
    seen_version = int(seen.find("input", attrs={"name": "version"})["value"])
    services.update_details(review, colleague, review.version, {"pseudonym": "Morgan", "victim_name": "New Realname"})

    data = form_data({"version": seen_version, **factories.trigger_data(review, "commission")})
    page = client.post(action_url(review, "commission"), data, expected_status=409)
    banner = page.select_one(".govuk-notification-banner").get_text(" ", strip=True)
    assert "This case changed while you were working on it" in banner
    changes = [li.get_text(" ", strip=True) for li in page.select("#changes-since li")]
    assert len(changes) == 2
    assert f"{colleague.full_name} changed the pseudonym from “Scott” to “Morgan”" in changes[0]
    assert "New Realname" in changes[1]  # a coordinator may see real names
    assert page.find(id="decision_on-day")["value"] == data["decision_on"][0]
    new_version = page.find("input", attrs={"name": "version"})["value"]
    assert int(new_version) == reload(review).version > seen_version
    assert reload(review).status == "notified"

    data["version"] = new_version
    client.post(action_url(review, "commission"), data)
    assert reload(review).status == "commissioned"


def test_a_stale_action_that_no_longer_applies_is_refused_with_the_reason(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    client = act_as(coordinator)
    version = review.version
    services.advance(review, "commission", coordinator, version, **factories.trigger_data(review, "commission"))
    data = form_data({"version": version, **factories.trigger_data(review, "decline")})
    page = client.post(action_url(review, "decline"), data, expected_status=409)
    assert "Notified to Commissioned" in page.select_one("#changes-since").get_text(" ", strip=True) or \
        "moved the review from Notified to Commissioned" in page.select_one("#changes-since").get_text(" ", strip=True)
    data["version"] = page.find("input", attrs={"name": "version"})["value"]
    page = client.post(action_url(review, "decline"), data, expected_status=409)
    assert "You cannot decide not to hold a review while the review is commissioned" in \
        page.select_one(".govuk-error-summary").get_text()
    client.get(action_url(review, "decline"), expected_status=409)


def test_restricted_changes_are_described_without_their_values_to_those_who_may_not_see_them(app):
    from ssgp_dhr.cases import views

    review = factories.notified_review()
    services.update_details(review, factories.coordinator(), review.version, {"victim_name": "Secret Realname"})
    changes = services.changes_since(review, 1)
    manager = factories.manager()
    with app.test_request_context():
        login_user(manager)
        lines = [text for text, _when in views._change_lines(review, changes)]
    assert lines == [f"{changes[0].actor.full_name} changed a restricted detail"]


def test_an_upload_since_the_form_was_loaded_is_described_as_an_upload(app):
    from ssgp_dhr.cases import views

    review = factories.notified_review()
    coordinator = factories.coordinator()
    factories.document(review, coordinator, title="Police summary")
    with app.test_request_context():
        login_user(coordinator)
        lines = [text for text, _when in views._change_lines(review, services.changes_since(review, 1))]
    assert lines == [f"Documents: Other “Police summary”, version 1 uploaded, by {coordinator.full_name}"]


def test_unknown_actions_are_not_found(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    act_as(coordinator).get(action_url(review, "explode"), expected_status=404)


# --- Edit case details ------------------------------------------------------------------------

def test_editing_details_records_each_change_in_the_history(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    client = act_as(coordinator)
    page = client.get(f"/cases/{review.reference}/edit")
    assert page.find(id="pseudonym")["value"] == "Scott"
    assert page.find(id="victim_name")["value"] == "Victoria Realname"
    assert page.title.get_text().startswith(f"Edit case details – {review.reference} – ")
    data = {i["name"]: i.get("value", "") for i in page.select("main form input")
            if i.get("type") != "submit" and (i.get("type") != "radio" or i.has_attr("checked"))}
    data.update(form_data({"date_of_death": review.date_of_death, "notified_on": review.notified_on,
                           "victim_date_of_birth": None}))
    data["victim_date_of_birth"] = ["", "", ""]
    data.update({"pseudonym": "Avery", "press_contact": "BBC Points West", "circumstances": "Test case.",
                 "joint_partnership_id": ""})
    client.post(f"/cases/{review.reference}/edit", data)
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id, CaseEvent.kind == "change")
                                .order_by(CaseEvent.seq)).all()
    assert [(e.field, e.from_value, e.to_value) for e in events] == [
        ("pseudonym", "Scott", "Avery"), ("press_contact", None, "BBC Points West")]


def test_a_stale_edit_is_refused_with_409_and_the_changes(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    client = act_as(coordinator)
    page = client.get(f"/cases/{review.reference}/edit")
    data = {i["name"]: i.get("value", "") for i in page.select("main form input")
            if i.get("type") != "submit" and (i.get("type") != "radio" or i.has_attr("checked"))}
    data.update(form_data({"date_of_death": review.date_of_death, "notified_on": review.notified_on}))
    data.update({"victim_date_of_birth": ["", "", ""], "pseudonym": "Avery", "circumstances": "x", "joint_partnership_id": ""})
    services.advance(review, "commission", coordinator, review.version, **factories.trigger_data(review, "commission"))
    page = client.post(f"/cases/{review.reference}/edit", data, expected_status=409)
    assert "moved the review from Notified to Commissioned" in page.select_one("#changes-since").get_text(" ", strip=True)
    assert page.find(id="pseudonym")["value"] == "Avery"
    data["version"] = page.find("input", attrs={"name": "version"})["value"]
    client.post(f"/cases/{review.reference}/edit", data)
    assert reload(review).pseudonym == "Avery"


def _details_form(page) -> dict:
    """What the edit page's form would send as it stands (text boxes, hidden fields, the radios chosen, text
    areas, selects)."""
    data = {i["name"]: i.get("value", "") for i in page.select("main form input")
            if i.get("type") != "submit" and (i.get("type") != "radio" or i.has_attr("checked"))}
    data.update({t["name"]: t.get_text().strip() for t in page.select("main form textarea")})
    for select in page.select("main form select"):
        chosen = select.find("option", selected=True)
        data[select["name"]] = chosen["value"] if chosen else ""
    data.update({"victim_date_of_birth": ["", "", ""]})
    return data


def test_a_review_held_jointly_with_a_safeguarding_adults_review_says_so_and_with_whom(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    client = act_as(coordinator)
    page = client.get(f"/cases/{review.reference}/edit")
    assert [o.get_text(strip=True) for o in page.find(id="joint_review_kind").find_all("option")] == [
        "No other review", "Safeguarding Adults Review", "Child Safeguarding Practice Review"]
    data = _details_form(page)
    data.update(form_data({"date_of_death": review.date_of_death, "notified_on": review.notified_on}))
    data.update({"joint_review_kind": "safeguarding_adults_review",
                 "joint_review_with": "Gloucestershire Safeguarding Adults Board"})
    client.post(f"/cases/{review.reference}/edit", data)

    page = client.review(review.reference)
    row = next(r for r in page.select(".govuk-summary-list__row")
               if r.find(class_="govuk-summary-list__key").get_text(strip=True) == "Held jointly with")
    assert row.find(class_="govuk-summary-list__value").get_text(strip=True) == (
        "A Safeguarding Adults Review, with Gloucestershire Safeguarding Adults Board")
    titles = [t.get_text(strip=True) for t in page.select(".moj-timeline__title")][:2]
    assert titles == ["Board or partnership sharing the review changed", "Joint review changed"]
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id, CaseEvent.kind == "change")
                                .order_by(CaseEvent.seq)).all()
    assert [(e.field, e.from_value, e.to_value) for e in events] == [
        ("joint_review_kind", None, "Safeguarding Adults Review"),
        ("joint_review_with", None, "Gloucestershire Safeguarding Adults Board")]
    # The form shows what is recorded.
    page = client.get(f"/cases/{review.reference}/edit")
    assert page.find(id="joint_review_kind").find("option", selected=True)["value"] == "safeguarding_adults_review"


def test_a_joint_review_needs_both_the_review_and_who_shares_it(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    client = act_as(coordinator)
    data = _details_form(client.get(f"/cases/{review.reference}/edit"))
    data.update(form_data({"date_of_death": review.date_of_death, "notified_on": review.notified_on}))
    data.update({"joint_review_kind": "child_safeguarding_practice_review", "pseudonym": "Avery"})
    page = client.post(f"/cases/{review.reference}/edit", data, expected_status=400)
    assert [(a.get_text(strip=True), a["href"]) for a in page.select(".govuk-error-summary a")] == [
        ("Enter the board or partnership the review is held jointly with", "#joint_review_with")]
    assert page.find(id="joint_review_kind").find("option", selected=True)["value"] == "child_safeguarding_practice_review"
    assert page.find(id="pseudonym")["value"] == "Avery"
    assert reload(review).pseudonym == "Scott" and reload(review).joint_review_kind is None

    version = reload(review).version
    for changes, field in (({"joint_review_with": "Safeguarding Children Partnership"}, "joint_review_kind"),
                           ({"joint_review_kind": "serious_case_review", "joint_review_with": "A board"},
                            "joint_review_kind")):
        with pytest.raises(services.InvalidChange) as refused:
            services.update_details(reload(review), coordinator, version, changes)
        assert [f for f, _ in refused.value.problems] == [field]
    # The database holds the same rule, whatever writes to it.
    review = reload(review)
    review.joint_review_with = "A board"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- A new notification -----------------------------------------------------------------------

def notification_data(**changes: Any) -> dict[str, Any]:
    today = today_uk()
    data = {
        "lead_partnership_id": str(factories.ssgp().id), "joint_partnership_id": "",
        "pseudonym": "Jordan", "victim_name": "Jo Realname", "perpetrator_name": "Pat Realname", "victim_age": "34",
        "date_of_death": today - timedelta(days=5), "notified_on": today - timedelta(days=2),
        "notified_by": "Gloucestershire Constabulary", "circumstances": "Found at home.", "press_contact": "",
        "death_kind": "domestic_homicide", "notifier_kind": "police",
    }
    data.update(changes)
    return form_data(data)


def test_a_coordinator_records_a_notification(act_as):
    coordinator = factories.coordinator()
    client = act_as(coordinator)
    page = client.get("/cases/new")
    assert page.title.get_text().startswith("Record a new notification – ")
    lead_choices = [o.get_text() for o in page.find(id="lead_partnership_id").find_all("option")]
    assert lead_choices == ["Stronger Safer Gloucester Partnership"]  # only the coordinator's own partnerships
    response = client.post("/cases/new", notification_data(joint_partnership_id=str(factories.safer_glos().id)))
    review = db.session.scalar(sa.select(Review))
    assert response.headers["Location"] == f"/cases/{review.reference}"
    assert (review.status, review.pseudonym, review.victim_name, review.victim_age) == ("notified", "Jordan", "Jo Realname", 34)
    assert review.joint_partnership.short_name == "SG"
    assert review.review_type == "Domestic Homicide Review"
    assert f"Notification recorded as {review.reference}" in client.review(review.reference).get_text()


@pytest.mark.parametrize(("changes", "message", "anchor"), [
    ({"date_of_death": today_uk() + timedelta(days=1)}, "Date of death must be today or in the past", "date_of_death-day"),
    ({"date_of_death": today_uk() - timedelta(days=1), "notified_on": today_uk() - timedelta(days=2)},
     "Date notified cannot be before the date of death", "notified_on-day"),
    ({"pseudonym": ""}, "Enter the pseudonym", "pseudonym"),
    ({"victim_name": "  "}, "Enter the victim's full name", "victim_name"),
    ({"notified_on": ["", "", ""]}, "Enter the date notified", "notified_on-day"),
    ({"notified_by": ""}, "Enter the service or officer who notified the partnership", "notified_by"),
    ({"victim_age": "forty"}, "Victim's age must be a whole number, like 42", "victim_age"),
])
def test_a_notification_with_problems_is_refused_with_linked_errors_and_nothing_lost(act_as, changes, message, anchor):
    client = act_as(factories.coordinator())
    page = client.post("/cases/new", notification_data(**changes), expected_status=400)
    links = {a.get_text(strip=True): a["href"] for a in page.select(".govuk-error-summary a")}
    assert links.get(message) == f"#{anchor}", links
    assert page.find(id=anchor) is not None, "the error links to a real element"
    assert page.title.get_text().startswith("Error: Record a new notification")
    if "pseudonym" not in changes:
        assert page.find(id="pseudonym")["value"] == "Jordan"
    assert page.find(id="circumstances").get_text() .strip() == "Found at home."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_only_coordinators_may_record_a_notification(act_as):
    act_as(factories.manager()).get("/cases/new", expected_status=403)


def test_a_coordinator_cannot_record_for_another_partnership(act_as):
    client = act_as(factories.coordinator())
    page = client.post("/cases/new", notification_data(lead_partnership_id=str(factories.safer_glos().id)),
                       expected_status=400)
    assert "Select one of the options given for “Lead partnership”" in page.select_one(".govuk-error-summary").get_text()


# --- The workflow diagram ---------------------------------------------------------------------

def test_the_workflow_is_drawn_as_accessible_svg_from_the_definition(act_as):
    client = act_as(factories.manager())
    page = client.get("/workflow")
    svg = page.find("svg")
    assert svg["role"] == "img" and svg["aria-labelledby"]
    assert svg.find("title").get_text() and "The table below" in svg.find("desc").get_text()
    drawn = {t.get_text() for t in svg.find_all("text")}
    assert {stage.label for stage in workflow.STAGES} <= drawn
    edges = sum(len(spec["source"]) if isinstance(spec["source"], list) else 1 for spec in workflow.TRANSITIONS)
    assert len(svg.select("path[marker-end]")) == edges
    assert "<script" not in str(svg) and "style=" not in str(svg)
    response = client.get("/workflow.svg")
    assert response.mimetype == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.data


def test_a_conflict_has_a_friendly_409_page(act_as):
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    page = act_as(coordinator).get(action_url(review, "commission"), expected_status=409)
    assert "This case changed while you were working on it" in page.h1.get_text()


def test_a_form_without_a_usable_version_is_a_bad_request(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    data = form_data({"version": "not-a-number", **factories.trigger_data(review, "commission")})
    page = act_as(coordinator).post(action_url(review, "commission"), data, expected_status=400)
    assert "There is a problem with your request" in page.h1.get_text()
    assert reload(review).status == "notified"


def test_history_shows_recorded_dates_in_uk_style_with_the_question_asked(act_as) -> None:
    """Dates recorded with an action read as on the rest of the page, labelled as in the form."""
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    page = act_as(coordinator).get(f"/cases/{review.reference}/history")
    text = page.select_one(".moj-timeline").get_text(" ", strip=True)
    assert "Date the Home Office was told:" in text
    assert re.search(r"Date of the decision: \d{1,2} [A-Z][a-z]+ \d{4}", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_the_history_heads_uploads_and_panel_changes_with_their_part_of_the_review(act_as):
    from ssgp_dhr.documents.models import DocumentType
    from ssgp_dhr.panel import services as panel_services

    review = factories.review_at("commissioned")
    coordinator = factories.coordinator()
    factories.document(review, coordinator, DocumentType.TERMS_OF_REFERENCE, title="Agreed terms")
    member = factories.panel_member()
    panel_services.add_member(review, coordinator, user_id=member.id, agency_id=member.organisation_id,
                              panel_role=PanelRole.AGENCY_REPRESENTATIVE, started_on=today_uk())
    page = act_as(coordinator).review(review.reference)
    timeline = [(item.find("h3").get_text(" ", strip=True),
                 item.find(class_="moj-timeline__description").get_text(" ", strip=True))
                for item in page.select(".moj-timeline__item")]
    assert timeline[:2] == [
        ("Panel membership", f"{member.full_name} joined as agency representative"),
        ("Documents", "Terms of reference “Agreed terms”, version 1 uploaded"),
    ]
    assert not [title for title, _ in timeline if title in ("Documents changed", "Panel membership changed")]


def test_the_history_says_what_happened_to_a_recommendation(act_as):
    from ssgp_dhr.action_plan import services as action_plan

    coordinator = factories.coordinator()
    review = factories.review_at("published", by=coordinator)
    recommendation = action_plan.add_recommendation(
        review, coordinator, review.version, reference="R1", text="Train staff.", level="multi_agency",
        owning_agency_id=factories.organisation("Constabulary").id, actions="", target_on=today_uk() + timedelta(days=90))
    action_plan.post_progress(recommendation, coordinator, text="Training booked.")
    action_plan.accept_completion(recommendation, coordinator, completed_on=today_uk())
    page = act_as(coordinator).review(review.reference)
    timeline = [(item.find("h3").get_text(" ", strip=True),
                 item.find(class_="moj-timeline__description").get_text(" ", strip=True))
                for item in page.select(".moj-timeline__item")]
    assert timeline[:3] == [("Recommendation accepted as complete", "R1"),
                            ("Recommendation progress posted", "R1"), ("Recommendation added", "R1")]


def test_a_change_of_joint_partnership_is_recorded_and_shown_by_name(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    joint = factories.safer_glos()
    services.update_details(review, coordinator, review.version, {"joint_partnership_id": joint.id})
    services.update_details(review, coordinator, review.version, {"joint_partnership_id": None})
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id, CaseEvent.kind == "change")
                                .order_by(CaseEvent.seq)).all()
    assert [(e.field, e.from_value, e.to_value) for e in events] == [
        ("joint_partnership", None, joint.name), ("joint_partnership", joint.name, None)]
    newest = act_as(coordinator).review(review.reference).select(".moj-timeline__item")[0]
    assert newest.find(class_="moj-timeline__title").get_text(strip=True) == "Joint partnership changed"
    assert newest.find(class_="moj-timeline__description").get_text(" ", strip=True) == \
        f"From “{joint.name}” to “blank”"


# --- The history pages ------------------------------------------------------------------------

def test_the_case_page_shows_the_latest_history_and_the_history_pages_hold_every_entry(act_as):
    from ssgp_dhr.cases.views import HISTORY_PAGE_SIZE as SIZE

    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    total = SIZE + 5
    for n in range(total - 1):  # with the notification
        services.update_details(review, coordinator, review.version, {"press_contact": f"Contact {n}"})
    client = act_as(coordinator)

    def contacts(page) -> list[str]:
        return [item.find(class_="moj-timeline__description").get_text(" ", strip=True)
                for item in page.select(".moj-timeline__item")]

    # The overview leaves the history to its own page, one link away in the review's navigation.
    page = client.get(f"/cases/{review.reference}")
    assert contacts(page) == []
    assert page.select_one(f".app-review-navigation a[href='/cases/{review.reference}/history']")

    first = client.get(f"/cases/{review.reference}/history")
    assert first.find(id="history-count").get_text(" ", strip=True).startswith(
        f"Entries 1 to {SIZE} of {total}, newest first.")
    last = f"Contact {total - 2}"
    assert contacts(first)[:2] == [f"From “Contact {total - 3}” to “{last}”",
                                   f"From “Contact {total - 4}” to “Contact {total - 3}”"]
    assert first.title.get_text().startswith(f"History (page 1 of 2) – {review.reference}")
    second = client.get(first.select_one(".govuk-pagination__next a")["href"])
    assert second.find(id="history-count").get_text(" ", strip=True).startswith(f"Entries {SIZE + 1} to {total} of {total}")
    assert [i.find(class_="moj-timeline__title").get_text(strip=True) for i in second.select(".moj-timeline__item")][-1] \
        == "Notification recorded"
    assert len(contacts(first)) + len(contacts(second)) == total
    # A page past the end shows the last.
    assert client.get(f"/cases/{review.reference}/history?page=9").find(id="history-count").get_text(
        " ", strip=True).startswith(f"Entries {SIZE + 1} to {total} of {total}")


def test_the_history_pages_hide_restricted_changes_and_the_review_from_those_who_may_not_see_them(act_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    services.update_details(review, coordinator, review.version, {"victim_name": "Vera Realname"})
    url = f"/cases/{review.reference}/history"
    assert "Vera Realname" in act_as(coordinator).get(url).select_one(".moj-timeline").get_text()
    manager_page = act_as(factories.manager()).get(url)
    assert "Vera Realname" not in manager_page.get_text()
    assert "A restricted detail changed" in manager_page.select_one(".moj-timeline").get_text()
    act_as(factories.coordinator(factories.safer_glos())).get(url, expected_status=404)
    act_as(factories.panel_member()).get(url, expected_status=404)


def test_the_history_names_kinds_by_their_labels_and_fields_in_words(act_as, app):
    from ssgp_dhr import presentation
    from ssgp_dhr.cases import views
    from ssgp_dhr.publication import services as publication

    coordinator = factories.coordinator()
    review = factories.review_at("approved", by=coordinator)
    publication.record_decision(review, coordinator, review.version, form="full", decided_on=today_uk())
    page = act_as(coordinator).get(f"/cases/{review.reference}/history")
    entries = {item.find(class_="moj-timeline__title").get_text(" ", strip=True):
               item.find(class_="moj-timeline__description").get_text(" ", strip=True)
               for item in page.select(".moj-timeline__item")}
    assert entries["Form of publication changed"] == "Full report"
    assert entries["Date the form of publication was decided changed"] == presentation.uk_date(today_uk())
    assert "What the letter says about publication: Content to publish" in entries["With the Home Office to Approved"]
    # The stale-form banner words a change the same way.
    with app.test_request_context():
        login_user(coordinator)
        lines = [text for text, _when in views._change_lines(review, services.changes_since(review, review.version - 2))]
    assert f"{coordinator.full_name} changed the form of publication from “blank” to “Full report”" in lines


def test_the_case_page_lists_its_parts_and_leaves_out_those_that_do_not_apply(act_as):
    """The overview, then a page for each part with something on it at the review's stage, then the history."""
    coordinator = factories.coordinator()

    def pages(review, who) -> list[str]:
        client = act_as(who)
        overview = client.get(f"/cases/{review.reference}")
        links = overview.select(".app-review-navigation a")
        assert links[0]["aria-current"] == "page"
        for link in links[1:]:  # every page offered has something on it, and says it is the current one
            page = client.get(link["href"])
            assert page.select_one(".app-review-navigation a[aria-current=page]")["href"] == link["href"]
            assert page.find(id="nothing-here") is None, link["href"]
        return [link.get_text(strip=True) for link in links]

    everything = ["Overview", "Panel and agencies", "Documents", "Home Office and publication", "Action plan", "Costs",
                  "History"]
    assert pages(factories.review_at("panel", by=coordinator), coordinator) == everything
    assert pages(factories.notified_review(coordinator), coordinator) == ["Overview", "Documents", "Costs", "History"]
    assert pages(factories.notified_review(coordinator), factories.manager()) == ["Overview", "History"]
    declined = pages(factories.review_at("not_commissioned", by=coordinator), coordinator)
    assert "Home Office and publication" not in declined and "Action plan" not in declined
    assert "Panel and agencies" not in declined
    published = factories.review_at("published", by=coordinator)
    client = act_as(coordinator)
    assert "Publication" in client.get(f"/cases/{published.reference}/home-office").get_text()
    # Long published: the panel's empty agency requests, meetings and input log are left out.
    panel_page = client.get(f"/cases/{published.reference}/panel")
    assert [panel_page.find(id=s) for s in ("agency-requests", "panel-meetings", "input-log")] == [None] * 3
    client.get(f"/cases/{published.reference}/no-such-page", expected_status=404)


def test_the_history_can_be_narrowed_to_one_part_of_the_review(act_as):
    from ssgp_dhr.cases import history

    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)  # notified, commissioned, convened: 3 stage entries
    factories.document(review, coordinator, title="Police summary")
    services.update_details(review, coordinator, review.version, {"press_contact": "BBC Points West"})
    services.record_delay_notice(review, coordinator, review.version, told_on=today_uk(), cause="other",
                                 explanation="Late.", expected_on=today_uk() + timedelta(days=30))
    from ssgp_dhr.cases.models import PanelRole
    from ssgp_dhr.panel import services as panel_services

    panel_services.add_member(review, coordinator, user_id=factories.panel_member().id,
                              agency_id=factories.organisation("Constabulary").id,
                              panel_role=PanelRole.AGENCY_REPRESENTATIVE, started_on=today_uk())
    client = act_as(coordinator)

    def shown(topic: str) -> tuple[str, list[str]]:
        page = client.get(f"/cases/{review.reference}/history?topic={topic}")
        assert page.find("option", selected=True)["value"] == topic
        titles = [t.get_text(" ", strip=True) for t in page.select(".moj-timeline__title")]
        return page.find(id="history-count").get_text(" ", strip=True).split(".")[0], titles

    assert shown("stages")[1] == ["Commissioned to Panel", "Notified to Commissioned", "Notification recorded"]
    assert shown("stages")[0] == "Stage changes: entries 1 to 3 of 3, newest first"
    assert shown("home_office")[1] == ["Delay reported to the Home Office"]
    assert "Documents" in shown("documents")[1]
    assert shown("panel")[1] == ["Panel membership"]
    assert shown("details")[1] == ["Press contact changed"]
    # Every entry is under exactly one part.
    everything = review.event_count
    assert sum(history.topic_count(review, topic) for topic in history.HISTORY_TOPICS) \
        == everything
    assert shown("publication") == ("Nothing is recorded under “Publication and action plan”", [])
    # An unknown part shows everything.
    page = client.get(f"/cases/{review.reference}/history?topic=gossip")
    assert len(page.select(".moj-timeline__item")) == everything
