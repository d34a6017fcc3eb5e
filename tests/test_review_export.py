"""A partnership's reviews taken out whole: beside the reviews and their history, a sheet per kind of record
(panel work, the family's involvement, action plans, costs) in the workbook and the JSON, as the reader may
read them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role
from ssgp_dhr.action_plan import services as action_plan
from ssgp_dhr.cases.models import PanelRole
from ssgp_dhr.clock import today_uk
from ssgp_dhr.costs import services as costs
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.documents import storage
from ssgp_dhr.documents.models import DocumentType
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import OrganisationKind
from ssgp_dhr.panel import services as panel
from ssgp_dhr.panel.models import InputKind, RequestKind
from ssgp_dhr.review_import.records import WITHHELD, WITHHELD_PANEL
from tests import factories
from tests.test_queries import counting_statements

URL = "/reviews/import/export"


@pytest.fixture
def recorded():
    """A review under way with a record of each kind, its texts naming the person who died (Victoria
    Realname, pseudonym Scott)."""
    partnership = factories.ssgp()
    coordinator = factories.coordinator(partnership)
    review = factories.review_at("panel", coordinator)
    police = factories.organisation("Constabulary")
    member = factories.panel_member(partnership)
    seat = factories.seat_on_panel(review, member, PanelRole.AGENCY_REPRESENTATIVE, police)
    day = today_uk() - timedelta(days=5)
    meeting = panel.record_meeting(review, coordinator, held_on=day, agenda="Chronology of Victoria Realname",
                                   minutes="Discussed Victoria Realname's GP visits", attendee_ids=[seat.id])
    panel.add_meeting_action(review, coordinator, meeting.id, description="Ask the GP about Victoria Realname",
                             owner_id=seat.id, due_on=day + timedelta(days=20))
    panel.record_request(review, coordinator, agency_id=police.id, kind=RequestKind.IMR, requested_on=day,
                         due_on=day + timedelta(days=30), responsible_id=seat.id, note="Sent by e-mail")
    panel.post_input(review, member, kind=InputKind.NOTE, text="Victoria Realname saw her GP twice")
    panel.add_family_contact(review, coordinator, name="Fiona Realname", relationship_to_victim="Sister",
                             contact_details="07700 900123")
    recommendation = factories.recommendation(review, coordinator, "R1", target_on=day + timedelta(days=90),
                                              agency=police, text="Train officers on cases like Victoria Realname's")
    action_plan.post_progress(recommendation, coordinator, text="Training booked after Fiona Realname spoke")
    costs.record_cost(review, coordinator, review.version, incurred_on=day, kind="chair", amount_pence=125_000,
                      funder_id=partnership.id, description="Chair's fee: meeting with Victoria Realname's sister")
    return partnership, coordinator, review, member


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def _rows(sheets: dict[str, list[tuple]], name: str) -> list[dict]:
    headings, *rows = sheets[name]
    # A read-only workbook leaves out a row's empty cells at its end.
    return [dict(zip(headings, (*row, *[None] * len(headings)), strict=False)) for row in rows]


def test_the_workbook_has_a_sheet_per_kind_of_record_with_each_reviews_rows(signed_in_as, recorded):
    partnership, coordinator, review, member = recorded
    sheets = _sheets(signed_in_as(coordinator).get(f"{URL}/{partnership.id}.xlsx").data)
    assert list(sheets)[:2] == ["Reviews", "History"]
    (meeting,) = _rows(sheets, "Panel meetings")
    assert (meeting["Reference"], meeting["Minutes"]) == (review.reference, "Discussed Victoria Realname's GP visits")
    assert meeting["Present"] == member.full_name
    assert [a["Action"] for a in _rows(sheets, "Meeting actions")] == ["Ask the GP about Victoria Realname"]
    (request,) = _rows(sheets, "Agency requests")
    assert (request["Asked for"], request["Status"], request["Note"]) == (
        "Individual Management Review (IMR)", "Requested", "Sent by e-mail")
    assert ("Agency representative", member.full_name, "Constabulary") in {
        (m["Role"], m["Name"], m["Agency"]) for m in _rows(sheets, "Panel members")}
    assert [c["Name"] for c in _rows(sheets, "Family contacts")] == ["Fiona Realname"]
    assert [(e["By"], e["Text"]) for e in _rows(sheets, "Input log")] == [
        (member.full_name, "Victoria Realname saw her GP twice")]
    assert [r["Recommendation"] for r in _rows(sheets, "Recommendations")] == ["R1"]
    assert [p["Progress"] for p in _rows(sheets, "Progress updates")] == ["Training booked after Fiona Realname spoke"]
    (cost,) = _rows(sheets, "Costs")
    assert (cost["Kind"], cost["Amount (pence)"], cost["Paid by"]) == ("Independent chair", 125_000, partnership.name)


def test_a_manager_gets_the_records_masked_the_contacts_withheld_and_not_the_panels_own_work(signed_in_as, recorded):
    partnership, _coordinator, _review, _member = recorded
    client = signed_in_as(factories.manager(partnership))
    sheets = _sheets(client.get(f"{URL}/{partnership.id}.xlsx").data)
    cells = {cell for rows in sheets.values() for row in rows for cell in row if isinstance(cell, str)}
    assert not [cell for cell in cells if "Realname" in cell]
    assert _rows(sheets, "Recommendations")[0]["Text"] == "Train officers on cases like Scott's"
    assert _rows(sheets, "Progress updates")[0]["Progress"] == "Training booked after [name withheld] spoke"
    assert _rows(sheets, "Costs")[0]["Description"] == "Chair's fee: meeting with Scott's sister"
    contact = _rows(sheets, "Family contacts")[0]
    assert (contact["Name"], contact["Contact details"]) == (WITHHELD, WITHHELD)
    meeting = _rows(sheets, "Panel meetings")[0]
    assert (meeting["Minutes"], meeting["Held on"] is not None) == (WITHHELD_PANEL, True)
    request = _rows(sheets, "Agency requests")[0]
    assert (request["Status"], request["Note"]) == ("Requested", WITHHELD_PANEL)
    entry = _rows(sheets, "Input log")[0]
    assert (entry["Kind"], entry["Text"]) == ("Note", WITHHELD_PANEL)

    taken = json.loads(client.get(f"{URL}/{partnership.id}.json").data)
    assert taken["costs"][0]["Description"] == "Chair's fee: meeting with Scott's sister"
    assert taken["family contacts"][0]["Name"] == WITHHELD
    assert "Realname" not in json.dumps(taken)


def test_the_json_has_each_sheets_rows(signed_in_as, recorded):
    partnership, coordinator, _review, _member = recorded
    client = signed_in_as(coordinator)
    taken = json.loads(client.get(f"{URL}/{partnership.id}.json").data)
    sheets = _sheets(client.get(f"{URL}/{partnership.id}.xlsx").data)
    for name, rows in sheets.items():
        assert len(taken[name.lower()]) == len(rows) - 1, name
    assert taken["panel meetings"][0]["Minutes"] == "Discussed Victoria Realname's GP visits"


def test_the_export_reads_each_kind_of_record_once_whatever_the_number_of_reviews(signed_in_as, recorded):
    partnership, coordinator, _review, _member = recorded
    client = signed_in_as(factories.manager(partnership))
    client.get(f"{URL}/{partnership.id}.json")  # what a first request reads once (the reader's roles) is not counted
    with counting_statements() as one:
        client.get(f"{URL}/{partnership.id}.json")
    for _ in range(3):
        review = factories.review_at("panel", coordinator)
        factories.recommendation(review, coordinator, "R1", target_on=today_uk(), text="Victoria Realname")
    with counting_statements() as four:
        client.get(f"{URL}/{partnership.id}.json")
    assert len(four) == len(one)


# --- The ZIP: the workbook, the JSON and the documents ---------------------------------------------------------

def _zip(response) -> zipfile.ZipFile:
    assert response.headers["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def _manifest(archive: zipfile.ZipFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))


@pytest.fixture
def documented(recorded):
    """The review with a document of two versions uploaded under a name naming the person who died, and
    another, published, whose version 1 went public before a version 2 was uploaded."""
    partnership, coordinator, review, _member = recorded
    first = factories.document(review, coordinator, DocumentType.CHRONOLOGY, title="Chronology: Victoria Realname",
                               content=b"Chronology, draft.\n", filename="Victoria Realname chronology.txt")
    second = document_services.upload_version(first.document, coordinator, stream=io.BytesIO(b"Chronology, final.\n"),
                                               filename="Victoria Realname chronology.txt")
    published = factories.document(review, coordinator, DocumentType.EXECUTIVE_SUMMARY, content=b"Summary.\n")
    document_services.mark_published(published.document, coordinator)
    later = document_services.upload_version(published.document, coordinator, stream=io.BytesIO(b"Summary 2.\n"),
                                              filename="summary.txt")
    return partnership, coordinator, review, (first, second, published, later)


def test_the_zip_holds_the_workbook_the_json_every_document_version_and_a_manifest_of_their_hashes(
        signed_in_as, documented):
    partnership, coordinator, review, versions = documented
    client = signed_in_as(coordinator)
    response = client.get(f"{URL}/{partnership.id}.zip")
    assert response.headers["Content-Disposition"] == 'attachment; filename="SSGP-reviews.zip"'
    assert int(response.headers["Content-Length"]) == len(response.data)
    archive = _zip(response)
    assert _sheets(archive.read("SSGP-reviews.xlsx")) == _sheets(client.get(f"{URL}/{partnership.id}.xlsx").data)
    assert json.loads(archive.read("SSGP-reviews.json")) == json.loads(client.get(f"{URL}/{partnership.id}.json").data)
    terms_of_reference, *manifest = _manifest(archive)  # the review's own, uploaded on its way to the panel
    assert terms_of_reference["Type"] == "Terms of reference"
    for row, version in zip(manifest, versions, strict=True):
        content = archive.read(row["File"])
        assert row["SHA-256"] == version.sha256 == hashlib.sha256(content).hexdigest()
        assert (row["Reference"], row["Version"], row["Left out because"]) == (review.reference, str(version.number), "")
        assert row["File"].startswith(f"documents/{review.reference}/{version.document.id}-")
    assert manifest[0]["Document"] == "Chronology: Victoria Realname"
    assert archive.read(manifest[1]["File"]) == b"Chronology, final.\n"
    # The service's own names: the name a file was uploaded under is not in the ZIP.
    assert not [name for name in archive.namelist() if "Realname" in name]


def test_a_manager_gets_only_the_published_version_and_no_real_name_in_the_zip(signed_in_as, documented):
    partnership, _coordinator, _review, (_first, _second, published, _later) = documented
    archive = _zip(signed_in_as(factories.manager(partnership)).get(f"{URL}/{partnership.id}.zip"))
    (row,) = _manifest(archive)
    assert (row["SHA-256"], row["Version"]) == (published.sha256, "1")
    assert archive.read(row["File"]) == b"Summary.\n"
    assert [n for n in archive.namelist() if n.startswith("documents/")] == [row["File"]]
    for name in archive.namelist():
        assert b"Realname" not in archive.read(name), name


def test_a_document_missing_from_the_store_is_named_in_the_manifest_as_left_out(signed_in_as, documented):
    partnership, coordinator, _review, (first, *_rest) = documented
    storage.current_store().delete(first.stored_name)
    archive = _zip(signed_in_as(coordinator).get(f"{URL}/{partnership.id}.zip"))
    row = _manifest(archive)[1]
    assert (row["Version"], row["File"], row["Left out because"]) == ("1", "", "missing from the document store")
    assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 4


def test_the_zip_is_in_the_access_log_and_only_for_the_partnerships_coordinators_and_managers(signed_in_as,
                                                                                            documented):
    from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry

    partnership, _coordinator, _review, _versions = documented
    manager = factories.manager(partnership)
    signed_in_as(manager).get(f"{URL}/{partnership.id}.zip")
    entry = db.session.scalar(sa.select(AccessLogEntry).where(AccessLogEntry.event == AccessEvent.REVIEWS_EXPORTED))
    assert (entry.user_id, entry.path) == (manager.id, f"{URL}/{partnership.id}.zip")
    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    signed_in_as(factories.manager(other)).get(f"{URL}/{partnership.id}.zip", 404)
    signed_in_as(factories.panel_member(partnership)).get(f"{URL}/{partnership.id}.zip", 403)


def test_a_text_that_looks_like_a_formula_is_written_as_text_never_run(signed_in_as, recorded):
    partnership, coordinator, review, _member = recorded
    costs.record_cost(review, coordinator, review.version, incurred_on=today_uk(), kind="other", amount_pence=100,
                      funder_id=partnership.id, description='=HYPERLINK("https://example.org","Click")')
    content = signed_in_as(coordinator).get(f"{URL}/{partnership.id}.xlsx").data
    cell = openpyxl.load_workbook(io.BytesIO(content))["Costs"]["E3"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("https://example.org","Click")', "s")


def test_a_manager_reaches_the_export_from_my_work(signed_in_as):
    partnership = factories.ssgp()
    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    manager = factories.user((Role.MANAGER, partnership), (Role.MANAGER, other))
    client = signed_in_as(manager)
    page = client.get("/")
    links = [a["href"] for a in page.find(id="exports").find_all("a")]
    assert links == [f"{URL}/{p.id}.{form}" for p in (other, partnership) for form in ("zip", "xlsx", "json")]
    for link in links:
        client.get(link)
    assert signed_in_as(factories.coordinator(partnership)).get("/").find(id="exports") is None
