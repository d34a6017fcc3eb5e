"""The import page: a coordinator uploads the partnership's spreadsheet, sees every row's result with
nothing saved, and confirms; the template downloads and comes back in whole."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import OrganisationKind
from ssgp_dhr.review_import import jobs, services
from ssgp_dhr.review_import.columns import COLUMNS
from ssgp_dhr.review_import.models import ImportStage, PendingImport
from ssgp_dhr.review_import.services import Outcome, import_reviews
from tests import factories
from tests.test_review_import import NOTIFIED_ROW, PUBLISHED_ROW, _csv

URL = "/reviews/import"


def _setting():
    partnership = factories.ssgp()
    factories.organisation("GP", "Gloucestershire GP practices")
    return partnership, factories.coordinator(partnership)


def _upload(client, content: bytes, filename: str = "reviews.csv", expected_status: int = 200):
    """Upload a file and, once its check (which runs outside the request) is done, the page it leads to."""
    partnership = str(factories.ssgp().id)
    posted = client.post(URL, {"partnership": partnership, "file": (io.BytesIO(content), filename)},
                         expected_status=302 if expected_status == 200 else expected_status)
    if expected_status != 200:
        return posted
    jobs.wait()
    return client.get(posted.headers["Location"])


def _confirm(client, page):
    """Confirm the preview on `page`, and once the import (outside the request) is done, follow it."""
    confirm = page.find("form", action=lambda a: a and a.startswith(URL + "/"))["action"]
    posted = client.post(confirm, {}, token_from=confirm)
    jobs.wait()
    return client.get(posted.headers["Location"], expected_status=302)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_preview_shows_every_row_saves_nothing_and_confirming_saves_them_all(signed_in_as):
    _partnership, coordinator = _setting()
    client = signed_in_as(coordinator)
    page = _upload(client, _csv(PUBLISHED_ROW, NOTIFIED_ROW))
    assert page.h1.get_text(strip=True) == "Check the import"
    assert [li.get_text(strip=True) for li in page.find(id="counts").find_all("li")][:2] == ["2 created", "0 updated"]
    assert page.find(id="row-2").get_text(" ", strip=True).startswith("2 GLOS/2019/04 Created")
    assert _count(Review) == 0 and _count(PendingImport) == 1

    done = _confirm(client, page)
    assert done.headers["Location"] == "/cases"
    assert sorted(r.status for r in db.session.scalars(sa.select(Review))) == sorted(
        [Stage.PUBLISHED, Stage.NOTIFIED])
    assert _count(PendingImport) == 0  # the file, with its real names, is not kept once imported


def test_refused_rows_are_listed_with_the_column_and_reason_and_nothing_can_be_confirmed(signed_in_as):
    _partnership, coordinator = _setting()
    page = _upload(signed_in_as(coordinator), _csv({**NOTIFIED_ROW, "Date notified": "30/02/2024"}))
    assert page.title.get_text().startswith("Error: ")
    (error,) = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert error == "Row 2: Date notified: “30/02/2024” is not a date that exists: write it like 21/03/2024"
    assert page.find("form", action=lambda a: a and a.startswith(URL + "/")) is None
    assert _count(Review) == 0


def test_a_file_refused_whole_is_explained_with_the_reason(signed_in_as):
    _partnership, coordinator = _setting()
    page = _upload(signed_in_as(coordinator), b"", "reviews.xlsm")
    assert page.title.get_text().startswith("Error: ") and page.h1.get_text(strip=True) == "The file cannot be imported"
    assert "a workbook with macros" in page.select_one(".govuk-error-summary").get_text()
    assert page.find("form", action=lambda a: a and a.startswith(URL + "/")) is None
    assert _count(Review) == 0


def test_only_the_person_who_uploaded_a_file_may_confirm_it(signed_in_as):
    partnership, coordinator = _setting()
    page = _upload(signed_in_as(coordinator), _csv(NOTIFIED_ROW))
    confirm = page.find("form", action=lambda a: a and a.startswith(URL + "/"))["action"]
    other = signed_in_as(factories.coordinator(partnership))
    other.get(confirm, 404)
    other.post(confirm, {}, expected_status=404, token_from=URL)
    jobs.wait()
    assert _count(Review) == 0


def test_only_coordinators_reach_the_page(signed_in_as):
    partnership, _coordinator = _setting()
    signed_in_as(factories.manager(partnership)).get(URL, 403)
    signed_in_as(factories.user((Role.ADMIN, partnership))).get(URL, 403)


def test_the_template_has_a_column_per_field_a_row_of_hints_and_comes_back_in_whole(signed_in_as):
    partnership, coordinator = _setting()
    response = signed_in_as(coordinator).get(URL + "/template.xlsx")
    assert response.headers["Content-Disposition"] == 'attachment; filename="reviews-template.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook["Reviews"]
    assert [c.value for c in sheet[1]] == [c.heading for c in COLUMNS]
    assert [c.value for c in sheet[2]] == [c.hint for c in COLUMNS]
    assert "Published" in dict(workbook["Allowed values"].iter_rows(values_only=True))["Stage"]

    for heading, cell in zip([c.heading for c in COLUMNS], sheet[1], strict=True):
        sheet.cell(row=3, column=cell.column, value=PUBLISHED_ROW.get(heading))
    filled = io.BytesIO()
    workbook.save(filled)
    result = import_reviews(filled.getvalue(), "filled.xlsx", partnership, coordinator, confirm=True)
    assert [(r.number, r.outcome) for r in result.rows] == [(3, Outcome.CREATED)], result.rows
    assert db.session.scalar(sa.select(Review.status)) == Stage.PUBLISHED


def _sheet(content: bytes, name: str) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True)[name].iter_rows(values_only=True))


def test_a_partnerships_reviews_go_out_and_come_back_in_whole(signed_in_as):
    """Export, import into a partnership with no reviews, export again: the same reviews sheet."""
    partnership, coordinator = _setting()
    import_reviews(_csv(PUBLISHED_ROW, NOTIFIED_ROW), "reviews.csv", partnership, coordinator, confirm=True)
    client = signed_in_as(coordinator)
    first = client.get(f"{URL}/export/{partnership.id}.xlsx")
    assert first.headers["Content-Disposition"] == 'attachment; filename="SSGP-reviews.xlsx"'

    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    elsewhere = factories.coordinator(other)
    result = import_reviews(first.data, "SSGP-reviews.xlsx", other, elsewhere, confirm=True)
    assert [r.outcome for r in result.rows] == [Outcome.CREATED, Outcome.CREATED], result.rows
    second = signed_in_as(elsewhere).get(f"{URL}/export/{other.id}.xlsx")
    assert _sheet(second.data, "Reviews") == _sheet(first.data, "Reviews")
    assert "Mary Smith" in {cell for row in _sheet(first.data, "Reviews") for cell in row}
    history = _sheet(first.data, "History")
    # Anna: created, agencies, five transitions; Beth: created; and the headings.
    assert history[0][:3] == ("Reference", "Partnership reference", "Entry") and len(history) == 1 + 7 + 1


def test_a_manager_exports_without_the_real_names_and_others_cannot_export(signed_in_as):
    partnership, coordinator = _setting()
    import_reviews(_csv(PUBLISHED_ROW), "reviews.csv", partnership, coordinator, confirm=True)
    exported = signed_in_as(factories.manager(partnership)).get(f"{URL}/export/{partnership.id}.xlsx")
    cells = {cell for sheet in ("Reviews", "History") for row in _sheet(exported.data, sheet) for cell in row}
    assert not {"Mary Smith", "John Smith"} & cells
    assert "Withheld: you may not see real names" in cells
    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    signed_in_as(factories.coordinator(other)).get(f"{URL}/export/{partnership.id}.xlsx", 404)


def test_the_json_holds_what_the_workbook_holds(signed_in_as):
    import json

    partnership, coordinator = _setting()
    import_reviews(_csv(PUBLISHED_ROW, NOTIFIED_ROW), "reviews.csv", partnership, coordinator, confirm=True)
    client = signed_in_as(factories.manager(partnership))
    taken = json.loads(client.get(f"{URL}/export/{partnership.id}.json").data)
    workbook = client.get(f"{URL}/export/{partnership.id}.xlsx").data
    _headings, *rows = _sheet(workbook, "Reviews")
    assert [r["Partnership reference"] for r in taken["reviews"]] == [row[0] for row in rows]
    assert taken["reviews"][0]["Date published"] == "2020-06-01"
    assert taken["reviews"][0]["Name of the person who died"] == "Withheld: you may not see real names"
    assert len(taken["history"]) == len(_sheet(workbook, "History")) - 1


def test_each_export_is_in_the_access_log_with_who_made_it(signed_in_as):
    from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry

    partnership, _coordinator = _setting()
    manager = factories.manager(partnership)
    signed_in_as(manager).get(f"{URL}/export/{partnership.id}.json")
    entry = db.session.scalar(sa.select(AccessLogEntry).where(AccessLogEntry.event == AccessEvent.REVIEWS_EXPORTED))
    assert (entry.user_id, entry.path) == (manager.id, f"{URL}/export/{partnership.id}.json")


def test_a_subject_access_request_gathers_every_review_naming_the_person_and_is_logged(signed_in_as):
    import json

    from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry

    partnership, coordinator = _setting()
    import_reviews(_csv(PUBLISHED_ROW, NOTIFIED_ROW), "reviews.csv", partnership, coordinator, confirm=True)
    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    import_reviews(_csv({**NOTIFIED_ROW, "Name of the person who died": "John Smith"}), "r.csv", other,
                   factories.coordinator(other), confirm=True)
    client = signed_in_as(coordinator)
    response = client.post(URL + "/subject-access", {"name": "  John   Smith "}, expected_status=200)
    assert response.headers["Content-Disposition"] == 'attachment; filename="subject-access-request.json"'
    answer = json.loads(response.data)
    # Only the review this coordinator may see: the other partnership's is not theirs to give.
    assert [r["review"]["Partnership reference"] for r in answer["reviews"]] == ["GLOS/2019/04"]
    assert answer["reviews"][0]["review"]["Name of the other person"] == "John Smith"
    assert len(answer["reviews"][0]["history"]) == 7
    entry = db.session.scalar(sa.select(AccessLogEntry).where(AccessLogEntry.event == AccessEvent.SUBJECT_ACCESS_REQUEST))
    assert entry.user_id == coordinator.id and "Smith" not in (entry.path or "")
    page = client.post(URL + "/subject-access", {"name": ""}, expected_status=400)
    assert "Enter the person's name" in page.select_one(".govuk-error-summary").get_text()
    signed_in_as(factories.manager(partnership)).get(URL + "/subject-access", 403)


def test_a_large_file_is_checked_and_imported_outside_the_request_with_the_page_showing_where_it_is(signed_in_as):
    """The upload only keeps the file and starts its check: the page says the file is being checked until the
    preview is ready, and the confirmed import likewise, so no request waits on thousands of rows."""
    _partnership, coordinator = _setting()
    client = signed_in_as(coordinator)
    partnership = str(factories.ssgp().id)
    posted = client.post(URL, {"partnership": partnership, "file": (io.BytesIO(_csv(PUBLISHED_ROW)), "r.csv")})
    pending = db.session.scalar(sa.select(PendingImport))
    jobs.wait()
    # As the page shows it while the check is still under way.
    db.session.refresh(pending)
    kept = pending.result
    pending.stage, pending.result = ImportStage.CHECKING, None
    db.session.commit()
    checking = client.get(posted.headers["Location"])
    assert checking.h1.get_text(strip=True) == "Checking the file" and checking.find("a", string="Check again")
    assert checking.find("form", action=lambda a: a and a.startswith(URL + "/")) is None
    # A check whose server stopped it is reported as stopped, with nothing saved.
    pending.started_at = pending.started_at - services.JOB_LONGEST
    db.session.commit()
    stopped = client.get(posted.headers["Location"])
    assert "The check stopped before it finished: nothing was saved" in stopped.select_one(
        ".govuk-error-summary").get_text()

    pending.stage, pending.result = ImportStage.CHECKED, kept
    db.session.commit()
    preview = client.get(posted.headers["Location"])
    assert preview.h1.get_text(strip=True) == "Check the import" and _count(Review) == 0
    done = _confirm(client, preview)
    assert done.headers["Location"] == "/cases" and _count(Review) == 1 and _count(PendingImport) == 0
