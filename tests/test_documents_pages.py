"""Document pages: each role's view, uploads through the form, downloads, the access log, the guards."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, Role
from ssgp_dhr.cases import services as case_services
from ssgp_dhr.cases.models import PanelRole
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import services
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion
from ssgp_dhr.extensions import db
from tests import document_samples as samples
from tests import factories
from tests.pages import check_page


def store_files() -> set[str]:
    directory = Path(current_app.config["DOCUMENT_STORE_PATH"])
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


@pytest.fixture
def case():
    """A review on panel with a coordinator, chair, report author, agency member, manager and outsiders."""
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    people = {"coordinator": coordinator, "manager": factories.manager()}
    for name, role in (("chair", PanelRole.INDEPENDENT_CHAIR), ("author", PanelRole.REPORT_AUTHOR),
                       ("member", PanelRole.AGENCY_REPRESENTATIVE)):
        people[name] = factories.panel_member()
        factories.seat_on_panel(review, people[name], role)
    people["former"] = factories.panel_member()
    factories.seat_on_panel(review, people["former"], ended_on=today_uk() - timedelta(days=1))
    other_review = factories.review_at("panel", by=coordinator)
    people["other_case"] = factories.panel_member()
    factories.seat_on_panel(other_review, people["other_case"], PanelRole.INDEPENDENT_CHAIR)
    people["admin"] = factories.user(Role.ADMIN)
    people["other_partnership"] = factories.coordinator(factories.safer_glos())
    imr = factories.document(review, coordinator, DocumentType.IMR, "IMR – Constabulary", samples.PDF, "imr.pdf")
    return review, people, imr.document


def urls(review, document) -> dict[str, str]:
    base = f"/cases/{review.reference}/documents"
    return {"page": f"{base}/{document.id}", "download": f"{base}/{document.id}/versions/1/download",
            "upload": f"{base}/new", "version": f"{base}/{document.id}/versions/new"}


# Everyone here sees the list: (may upload, may download an unpublished document)
ROLES = {
    "coordinator": (True, True),
    "chair": (True, True),
    "author": (True, True),
    "member": (False, True),
    "manager": (False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_the_case_sees_what_it_may(case, signed_in_as, role):
    review, people, document = case
    uploads, downloads = ROLES[role]
    client = signed_in_as(people[role])
    address = urls(review, document)
    page = client.review(review.reference)
    section = page.find(id="documents").find_next("table")
    assert "IMR – Constabulary" in section.get_text() and "Individual management review (IMR)" in section.get_text()
    assert "OFFICIAL-SENSITIVE" in section.get_text()
    assert bool(section.find("a", href=address["download"])) is downloads
    assert bool(page.find("a", href=address["upload"])) is uploads

    page = client.get(address["page"])
    assert page.h1.get_text(strip=True) == "IMR – Constabulary"
    assert page.title.get_text().startswith(f"IMR – Constabulary – {review.reference} – ")
    assert bool(page.find("a", href=address["download"])) is downloads
    assert bool(page.find("a", href=address["version"])) is uploads

    assert client.get_response(address["download"]).status_code == (200 if downloads else 403)
    for form in (address["upload"], address["version"]):
        client.get(form, 200 if uploads else 403)


@pytest.mark.parametrize("role", ["other_case", "former", "admin", "other_partnership"])
def test_people_off_the_case_learn_nothing_not_even_that_documents_exist(case, signed_in_as, role):
    review, people, document = case
    client = signed_in_as(people[role])
    for url in urls(review, document).values():
        client.get(url, 404)
    response = client.client.post(urls(review, document)["upload"], data={"title": "x"})
    assert response.status_code in (400, 404)  # without a CSRF token the request is refused outright


def test_a_manager_may_download_once_the_document_is_published(case, signed_in_as):
    review, people, document = case
    client = signed_in_as(people["manager"])
    client.get(urls(review, document)["download"], 403)
    services.mark_published(db.session.get(Document, document.id), people["coordinator"])
    assert client.get_response(urls(review, document)["download"]).status_code == 200
    # A version uploaded before the published one (a draft the check may have failed) stays closed.
    published = db.session.get(Document, document.id)
    services.upload_version(published, people["coordinator"], stream=io.BytesIO(b"Corrected."), filename="c.txt")
    services.mark_published(published, people["coordinator"])
    assert client.get_response(urls(review, document)["download"]).status_code == 403
    assert client.get_response(urls(review, document)["download"].replace("/versions/1/", "/versions/2/")).status_code == 200
    page = client.review(review.reference)
    assert "Published" in page.find(id="documents").find_next("table").get_text()


def test_a_download_is_an_attachment_with_safe_headers_and_is_logged(case, client_request, signed_in_as):
    review, people, _ = case
    version = factories.document(review, people["coordinator"], DocumentType.OTHER, "Notes", samples.TEXT,
                                 "..\\..\\Łódź\u202enotes\r\n.txt")
    client_request.client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    client = signed_in_as(people["member"])
    url = f"/cases/{review.reference}/documents/{version.document_id}/versions/1/download"
    response = client.get_response(url)
    assert response.status_code == 200 and response.data == samples.TEXT
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"odznotes.txt\"; filename*=UTF-8''%C5%81%C3%B3d%C5%BAnotes.txt")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(samples.TEXT)
    logged = db.session.scalars(sa.select(AccessLogEntry).where(
        AccessLogEntry.event == AccessEvent.DOCUMENT_DOWNLOADED)).all()
    assert [(e.user_id, e.review_reference, e.path, e.ip_address) for e in logged] == [
        (people["member"].id, review.reference, url, "192.0.2.44")]


def test_a_refused_download_is_logged_as_refused_not_as_downloaded(case, signed_in_as):
    review, people, document = case
    signed_in_as(people["other_case"]).get(urls(review, document)["download"], 404)
    events = db.session.scalars(sa.select(AccessLogEntry.event)).all()
    assert AccessEvent.REFUSED in events and AccessEvent.DOCUMENT_DOWNLOADED not in events


def upload_form(client, review, content: bytes, filename: str, *, expected_status: int,
                document_type: str = "chronology", title: str = "Chronology – Health"):
    return client.post(f"/cases/{review.reference}/documents/new",
                       {"document_type": document_type, "title": title, "file": (io.BytesIO(content), filename)},
                       expected_status=expected_status)


def test_the_chair_uploads_a_document_and_then_a_new_version(case, signed_in_as):
    review, people, _ = case
    client = signed_in_as(people["chair"])
    page = client.get(f"/cases/{review.reference}/documents/new")
    assert page.find("input", attrs={"type": "file", "name": "file"}) is not None
    assert page.select_one("main form")["enctype"] == "multipart/form-data"
    response = upload_form(client, review, samples.DOCX, "chronology.docx", expected_status=302)
    document = db.session.scalar(sa.select(Document).where(Document.title == "Chronology – Health"))
    assert response.headers["Location"] == f"/cases/{review.reference}/documents/{document.id}"
    client.post(f"/cases/{review.reference}/documents/{document.id}/versions/new",
                {"file": (io.BytesIO(samples.PDF), "chronology v2.pdf")}, expected_status=302)
    page = client.get(f"/cases/{review.reference}/documents/{document.id}")
    rows = page.select("tbody tr")
    assert [r.find("th").get_text(strip=True) for r in rows] == ["2", "1"]  # newest first
    assert "chronology v2.pdf" in rows[0].get_text() and "chronology.docx" in rows[1].get_text()
    assert people["chair"].full_name in rows[0].get_text()
    old = client.get_response(f"/cases/{review.reference}/documents/{document.id}/versions/1/download")
    new = client.get_response(f"/cases/{review.reference}/documents/{document.id}/versions/2/download")
    assert (old.data, new.data) == (samples.DOCX, samples.PDF)
    client.get(f"/cases/{review.reference}/documents/{document.id}/versions/3/download", 404)


@pytest.mark.parametrize(("content", "filename", "message"), [
    (samples.EXE, "chronology.pdf", "The selected file is a program, not a document"),
    (samples.PNG, "chronology.pdf", "The selected file must be a PDF, Word (DOCX)"),
    (b"", "chronology.pdf", "The selected file is empty"),
])
def test_a_refused_file_is_explained_on_the_form_and_the_typed_fields_are_kept(case, signed_in_as, content,
                                                                               filename, message):
    review, people, _ = case
    before = store_files()
    versions_before = db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion))
    page = upload_form(signed_in_as(people["coordinator"]), review, content, filename, expected_status=400)
    summary = page.select_one(".govuk-error-summary")
    assert message in summary.get_text() and summary.find("a")["href"] == "#file"
    assert message in page.select_one("#file-error").get_text()
    assert page.find(id="title")["value"] == "Chronology – Health"
    assert page.find(id="document_type").find("option", selected=True)["value"] == "chronology"
    assert page.title.get_text().startswith("Error: Upload a document")
    assert store_files() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == versions_before


def test_missing_fields_are_each_named(case, signed_in_as):
    review, people, _ = case
    page = signed_in_as(people["coordinator"]).post(f"/cases/{review.reference}/documents/new", {},
                                                     expected_status=400)
    messages = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert messages == ["Choose the type of document", "Enter a title for the document", "Select a file to upload"]


def test_a_path_traversal_name_is_stored_under_a_server_name_and_shown_safely(case, signed_in_as):
    review, people, _ = case
    before = store_files()
    upload_form(signed_in_as(people["coordinator"]), review, samples.PDF, "../../../../etc/cron.d/evil.pdf",
                expected_status=302)
    version = db.session.scalar(sa.select(DocumentVersion).order_by(DocumentVersion.id.desc()))
    assert version.original_filename == "evil.pdf"
    assert store_files() - before == {version.stored_name}
    assert not Path(current_app.config["DOCUMENT_STORE_PATH"], "..", "etc").exists()


def test_an_oversize_upload_gets_the_form_again_with_a_clear_message(app, case, signed_in_as, monkeypatch):
    review, people, document = case
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024 + 64 * 1024)
    client = signed_in_as(people["coordinator"])
    before = store_files()
    for url in (f"/cases/{review.reference}/documents/new",
                f"/cases/{review.reference}/documents/{document.id}/versions/new"):
        token = client.csrf_token(url)
        response = client.client.post(url, data={"csrf_token": token, "document_type": "imr", "title": "Big",
                                                 "file": (io.BytesIO(b"a" * (2 * 1024 * 1024)), "big.txt")})
        assert response.status_code == 413
        page = check_page(response)
        assert "The selected file must be smaller than 1MB" in page.select_one(".govuk-error-summary").get_text()
        assert page.find("input", attrs={"type": "file"}) is not None
    # Just over the limit but within the request allowance: refused while streaming, same words.
    page = upload_form(client, review, b"a" * (1024 * 1024 + 10), "big.txt", expected_status=400)
    assert "The selected file must be smaller than 1MB" in page.select_one(".govuk-error-summary").get_text()
    assert store_files() == before


def test_an_oversize_upload_by_someone_off_the_case_reveals_nothing(app, case, signed_in_as, monkeypatch):
    review, people, _ = case
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    client = signed_in_as(people["other_case"])
    response = client.client.post(f"/cases/{review.reference}/documents/new",
                                  data={"file": (io.BytesIO(b"a" * 4096), "big.txt")})
    assert response.status_code == 404
    check_page(response)


# --- The workflow's guards --------------------------------------------------------------------

def test_convening_the_panel_needs_the_terms_of_reference_document():
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    factories.prepare_panel(review, "convene_panel")
    data = factories.trigger_data(review, "convene_panel")
    assert case_services.explain(review, "convene_panel", coordinator, data) == [
        "Upload the agreed terms of reference (a Terms of reference document) before convening the panel"]
    with pytest.raises(case_services.RequirementsNotMet):
        case_services.advance(review, "convene_panel", coordinator, review.version, **data)
    factories.document(review, coordinator, DocumentType.TERMS_OF_REFERENCE)
    case_services.advance(review, "convene_panel", coordinator, review.version, **data)
    assert review.status == "panel"


def test_submitting_needs_the_overview_report_executive_summary_and_action_plan():
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    factories.prepare_panel(review, "submit")
    data = factories.trigger_data(review, "submit")
    assert case_services.explain(review, "submit", coordinator, data) == [
        "Upload the overview report before submitting to the Home Office",
        "Upload the executive summary before submitting to the Home Office",
        "Upload the action plan before submitting to the Home Office"]
    factories.document(review, coordinator, DocumentType.OVERVIEW_REPORT)
    factories.document(review, coordinator, DocumentType.DRAFT_OVERVIEW_REPORT)
    assert len(case_services.explain(review, "submit", coordinator, data)) == 2
    factories.document(review, coordinator, DocumentType.EXECUTIVE_SUMMARY)
    factories.document(review, coordinator, DocumentType.ACTION_PLAN, content=samples.CSV, filename="plan.csv")
    case_services.advance(review, "submit", coordinator, review.version, **data)
    assert review.status == "home_office_review"


def test_the_guard_is_shown_against_its_field_on_the_action_form(case, signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("commissioned", by=coordinator)
    factories.prepare_panel(review, "convene_panel")
    data = factories.trigger_data(review, "convene_panel")
    form = {"version": review.version, "chair_name": data["chair_name"]}
    for key in ("chair_appointed_on", "terms_of_reference_agreed_on"):
        form[key] = [str(data[key].day), str(data[key].month), str(data[key].year)]
    page = signed_in_as(coordinator).post(f"/cases/{review.reference}/actions/convene_panel", form,
                                          expected_status=400)
    link = page.select_one(".govuk-error-summary a")
    assert "Upload the agreed terms of reference" in link.get_text()
    assert link["href"] == "#terms_of_reference_agreed_on-day"
