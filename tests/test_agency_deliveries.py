"""Agencies deliver through the tracker: a panel member uploads their agency's scoping response, IMR or
chronology against the request (a versioned document only the panel and coordinators read, checked as
every upload is); the coordinator or the chair accepts it or returns it with what is missing; the
request's status and the history follow each step, and reminders stop once it is received. Comments on
a draft name the version that was read."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases.models import CaseEvent, PanelRole
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents.models import Document, DocumentType
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import services
from ssgp_dhr.panel.models import AgencyRequest, InputKind, RequestKind, RequestStatus
from ssgp_dhr.panel.reminders import agency_requests_due
from tests import document_samples as samples
from tests import factories


@pytest.fixture
def asked():
    """A review at panel whose police representative owes the Constabulary's IMR, due yesterday."""
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    chair = next(m.user for m in review.panel if m.panel_role is PanelRole.INDEPENDENT_CHAIR)
    police = factories.organisation("Constabulary")
    rep = factories.panel_member()
    factories.seat_on_panel(review, rep, agency=police)
    health = factories.panel_member()
    factories.seat_on_panel(review, health, agency=factories.organisation("NHS"))
    today = today_uk()
    request = services.record_request(review, coordinator, agency_id=police.id, kind=RequestKind.IMR,
                                      requested_on=today - timedelta(days=40), due_on=today - timedelta(days=1))
    people = {"coordinator": coordinator, "chair": chair, "rep": rep, "health": health,
              "manager": factories.manager()}
    return review, request, people


def _deliver(client, review, request, content=samples.PDF, filename="imr.pdf", expected_status=302):
    return client.post(f"/cases/{review.reference}/requests/{request.id}/deliver",
                       {"file": (io.BytesIO(content), filename)}, expected_status=expected_status)


def _reminded(request) -> bool:
    return any(item.item == f"agency_request:{request.id}" for item in agency_requests_due(today_uk()))


def _history(review) -> list[str]:
    return list(db.session.scalars(sa.select(CaseEvent.to_value).where(
        CaseEvent.review_id == review.id, CaseEvent.field == "agency_request").order_by(CaseEvent.id)))


def test_the_representative_delivers_from_my_work_is_returned_delivers_again_and_is_accepted(asked, signed_in_as):
    review, request, people = asked
    assert _reminded(request)
    rep = signed_in_as(people["rep"])
    mine = rep.get("/")
    link = mine.select_one("#my-requests a.app-deliver")
    assert link["href"] == f"/cases/{review.reference}/requests/{request.id}/deliver"
    page = rep.get(link["href"])
    assert page.select_one("main form")["enctype"] == "multipart/form-data"
    assert _deliver(rep, review, request).headers["Location"] == "/"

    db.session.expire_all()
    request = db.session.get(AgencyRequest, request.id)
    assert (request.status, request.received_on) == (RequestStatus.RECEIVED, today_uk())
    assert request.document.document_type is DocumentType.IMR and request.document.latest.number == 1
    assert not _reminded(request)  # received: the reminders stop
    assert not rep.get("/").select("#my-requests")  # nothing more asked of them for now

    coordinator = signed_in_as(people["coordinator"])  # one browser: each sign-in replaces the last
    assert coordinator.get("/").select_one(f"#deliveries-to-take a[href$='/requests/{request.id}/decide']")
    decide = f"/cases/{review.reference}/requests/{request.id}/decide"
    page = coordinator.post(decide, {"decision": "return", "missing": ""}, expected_status=400)
    assert "Say what is missing" in page.select_one(".govuk-error-summary").get_text()
    new_due = today_uk() + timedelta(days=14)
    coordinator.post(decide, {"decision": "return", "missing": "The chronology of GP contact in 2023.",
                              "due_on": [str(new_due.day), str(new_due.month), str(new_due.year)]})
    db.session.expire_all()
    request = db.session.get(AgencyRequest, request.id)
    assert (request.status, request.due_on) == (RequestStatus.RETURNED, new_due)
    rep = signed_in_as(people["rep"])
    returned = rep.get(f"/cases/{review.reference}/requests/{request.id}/deliver")
    assert "The chronology of GP contact in 2023." in returned.select_one("#request-facts").get_text()
    assert rep.get("/").select_one("#my-requests .app-returned")

    _deliver(rep, review, request, samples.DOCX, "imr v2.docx")
    signed_in_as(people["coordinator"]).post(decide, {"decision": "accept"})
    db.session.expire_all()
    request = db.session.get(AgencyRequest, request.id)
    assert request.status is RequestStatus.ACCEPTED and request.document.latest.number == 2
    assert request.return_reason is None
    assert not _reminded(request)
    assert _history(review) == [
        f"Individual Management Review (IMR) requested from Constabulary, due {(today_uk() - timedelta(days=1)).isoformat()}",
        "Individual Management Review (IMR) from Constabulary: version 1 delivered",
        f"Individual Management Review (IMR) from Constabulary: version 1 returned for more work, now due {new_due.isoformat()}",
        "Individual Management Review (IMR) from Constabulary: version 2 delivered",
        "Individual Management Review (IMR) from Constabulary: version 2 accepted",
    ]
    # What is missing is read in the tracker, never in the history everyone with the review reads.
    assert not [v for v in _history(review) if "GP contact" in (v or "")]
    _deliver(signed_in_as(people["rep"]), review, request, expected_status=403)  # accepted: nothing more is asked


def test_only_the_agencys_panel_members_deliver_and_only_coordinators_and_the_chair_decide(asked, signed_in_as):
    review, request, people = asked
    _deliver(signed_in_as(people["health"]), review, request, expected_status=403)  # another agency
    signed_in_as(people["manager"]).get(f"/cases/{review.reference}/requests/{request.id}/deliver",
                                        expected_status=403)
    _deliver(signed_in_as(people["rep"]), review, request)
    for who in ("rep", "health", "manager"):
        signed_in_as(people[who]).get(f"/cases/{review.reference}/requests/{request.id}/decide",
                                      expected_status=403)
    signed_in_as(people["chair"]).post(f"/cases/{review.reference}/requests/{request.id}/decide", {"decision": "accept"})
    assert db.session.get(AgencyRequest, request.id).status is RequestStatus.ACCEPTED


def test_the_delivered_document_is_read_by_the_panel_and_coordinators_only(asked, signed_in_as):
    review, request, people = asked
    _deliver(signed_in_as(people["rep"]), review, request)
    document = db.session.scalar(sa.select(Document).where(Document.review_id == review.id,
                                                           Document.document_type == DocumentType.IMR))
    url = f"/cases/{review.reference}/documents/{document.id}/versions/1/download"
    for who in ("coordinator", "chair", "rep", "health"):
        assert signed_in_as(people[who]).client.get(url).status_code == 200, who
    assert signed_in_as(people["manager"]).client.get(url).status_code == 403
    outsider = factories.panel_member()
    factories.seat_on_panel(factories.review_at("panel"), outsider)
    assert signed_in_as(outsider).client.get(url).status_code == 404


def test_a_refused_file_changes_nothing(asked, signed_in_as):
    review, request, people = asked
    events = len(_history(review))
    page = _deliver(signed_in_as(people["rep"]), review, request, samples.EXE, "imr.pdf", expected_status=400)
    assert page.select_one(".govuk-error-summary")
    db.session.expire_all()
    request = db.session.get(AgencyRequest, request.id)
    assert (request.status, request.document_id) == (RequestStatus.REQUESTED, None)
    assert len(_history(review)) == events and _reminded(request)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
        Document.review_id == review.id, Document.document_type == DocumentType.IMR)) == 0


def test_nothing_delivered_cannot_be_accepted(asked):
    review, request, people = asked
    with pytest.raises(services.PanelError, match="nothing delivered"):
        services.accept_delivery(review, people["coordinator"], request.id)


def test_an_unassigned_request_is_asked_of_everyone_on_the_panel_for_that_agency(asked):
    _review, request, people = asked
    assert [r.id for r in services.open_requests_for(people["rep"])] == [request.id]
    assert services.open_requests_for(people["health"]) == []


def test_a_comment_on_a_draft_names_the_version_read(asked, signed_in_as):
    review, _request, people = asked
    draft = factories.document(review, people["coordinator"], DocumentType.DRAFT_OVERVIEW_REPORT, "Draft overview report")
    chair = signed_in_as(people["chair"])
    page = chair.post(f"/cases/{review.reference}/input/new",
                      {"kind": InputKind.DRAFT_COMMENT.value, "text": "Section 4 needs the GP's view."},
                      expected_status=400)
    assert "Choose the version of the draft you read" in page.select_one(".govuk-error-summary").get_text()
    assert page.select_one("#text").get_text() == "Section 4 needs the GP's view."  # nothing typed is lost
    chair.post(f"/cases/{review.reference}/input/new",
               {"kind": InputKind.DRAFT_COMMENT.value, "text": "Section 4 needs the GP's view.",
                "document_version_id": str(draft.id)})
    log = chair.review(review.reference).select_one(".app-draft-read")
    assert log.get_text(" ", strip=True) == "On version 1 of “Draft overview report”"
    assert log.a["href"] == f"/cases/{review.reference}/documents/{draft.document_id}/versions/1/download"
