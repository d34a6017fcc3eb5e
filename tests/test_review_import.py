"""A partnership brings its reviews in from its spreadsheet: every row previewed first, the whole file
saved in one transaction or not at all, each review moved through the workflow's own transitions with
the dates given, and the same file again changing nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.history import verify_all
from ssgp_dhr.cases.models import CaseEvent, Review
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.review_import.columns import COLUMNS
from ssgp_dhr.review_import.reading import SpreadsheetRefused
from ssgp_dhr.review_import.services import Outcome, import_reviews
from tests import factories

PUBLISHED_ROW = {
    "Partnership reference": "GLOS/2019/04", "Pseudonym": "Anna", "Name of the person who died": "Mary Smith",
    "Name of the other person": "John Smith", "Age": "44", "Kind of death": "Domestic homicide",
    "Date of death": "02/01/2019", "Date notified": "10/01/2019", "Notified by": "DI Jones, Gloucestershire Police",
    "Stage": "Published", "Date of decision": "01/02/2019", "Date Home Office told": "04/02/2019",
    "Chair": "Ruth Chair", "Date chair appointed": "01/03/2019", "Date terms of reference agreed": "20/03/2019",
    "Date overview report completed": "01/11/2019", "Date executive summary completed": "01/11/2019",
    "Date action plan completed": "05/11/2019", "Date panel signed off": "10/11/2019",
    "Date partnership signed off": "20/11/2019", "Date submitted to the Home Office": "01/12/2019",
    "Date of Home Office letter": "01/04/2020", "Home Office outcome": "publish", "How published": "Full report",
    "Date published": "01/06/2020", "Web address of the publication": "https://example.org/dhr-anna",
    "Documents published": "Overview report; Executive summary", "Agencies": "GP",
}
NOTIFIED_ROW = {
    "Partnership reference": "GLOS/2024/01", "Pseudonym": "Beth", "Name of the person who died": "Jane Doe",
    "Date of death": "2024-02-01", "Date notified": "2024-02-03", "Notified by": "Police", "Stage": "notified",
}


def _csv(*rows: dict[str, str], headings: list[str] | None = None) -> bytes:
    headings = headings or [c.heading for c in COLUMNS]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headings)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(*rows: list[object], hide: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if hide:
        workbook.create_sheet("Old").sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def partnership():
    return factories.ssgp()


@pytest.fixture
def coordinator(partnership):
    factories.organisation("GP", "Gloucestershire GP practices")
    return factories.coordinator(partnership)


def _reviews() -> list[Review]:
    return list(db.session.scalars(sa.select(Review).order_by(Review.id)))


def test_a_published_review_is_brought_in_through_the_workflow_with_its_own_dates(coordinator, partnership):
    result = import_reviews(_csv(PUBLISHED_ROW, NOTIFIED_ROW), "reviews.csv", partnership, coordinator, confirm=True)

    assert [r.outcome for r in result.rows] == [Outcome.CREATED, Outcome.CREATED] and result.saved
    anna, beth = _reviews()
    assert (anna.status, beth.status) == (Stage.PUBLISHED, Stage.NOTIFIED)
    assert anna.partnership_reference == "GLOS/2019/04" and anna.decision_on == date(2019, 2, 1)
    assert anna.published_on == date(2020, 6, 1) and anna.current_qa_round.letter_on == date(2020, 4, 1)
    assert [a.short_name for a in anna.agencies] == ["GP"]
    events = list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == anna.id).order_by(CaseEvent.seq)))
    assert [e.trigger for e in events if e.trigger] == ["commission", "convene_panel", "submit", "approve", "publish"]
    assert all(e.payload["recorded_from"].startswith("Recorded from the partnership's spreadsheet (reviews.csv) on ")
               and e.payload["recorded_from"].endswith(f"by {coordinator.full_name}") for e in events)
    assert verify_all()[1] is None
    # The deadlines passed years before the import: recorded after the event, not overdue.
    assert anna.recorded_on == today_uk()
    decision = deadlines.decision_deadline(beth)
    assert decision.recorded_after_event and not decision.is_overdue(today_uk())


def test_the_preview_saves_nothing_and_confirming_a_file_with_a_refused_row_saves_nothing(coordinator, partnership):
    bad = {**NOTIFIED_ROW, "Partnership reference": "GLOS/2024/02", "Date of death": "31/02/2024"}
    preview = import_reviews(_csv(PUBLISHED_ROW), "reviews.csv", partnership, coordinator, confirm=False)
    assert preview.rows[0].outcome is Outcome.CREATED and not preview.saved
    assert _reviews() == []

    confirmed = import_reviews(_csv(PUBLISHED_ROW, bad), "reviews.csv", partnership, coordinator, confirm=True)
    assert not confirmed.saved and _reviews() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 0
    (refused,) = confirmed.refused
    assert refused.number == 3
    assert [(p.column, p.reason) for p in refused.problems] == [
        ("Date of death", "“31/02/2024” is not a date that exists: write it like 21/03/2024")]


def test_importing_the_same_file_twice_creates_nothing_and_a_changed_row_updates_with_history(coordinator, partnership):
    content = _csv(PUBLISHED_ROW, NOTIFIED_ROW)
    import_reviews(content, "reviews.csv", partnership, coordinator, confirm=True)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent))

    again = import_reviews(content, "reviews.csv", partnership, coordinator, confirm=True)
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert len(_reviews()) == 2 and db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == events

    moved_on = {**NOTIFIED_ROW, "Pseudonym": "Bethany", "Stage": "Commissioned", "Date of decision": "01/03/2024",
                "Date Home Office told": "02/03/2024"}
    changed = import_reviews(_csv(PUBLISHED_ROW, moved_on), "reviews.csv", partnership, coordinator, confirm=True)
    assert [r.outcome for r in changed.rows] == [Outcome.UNCHANGED, Outcome.UPDATED]
    beth = _reviews()[1]
    assert (beth.pseudonym, beth.status) == ("Bethany", Stage.COMMISSIONED)
    newest = list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == beth.id)
                                     .order_by(CaseEvent.seq)))[-2:]
    assert [(e.field, e.from_value, e.to_value) for e in newest] == [
        ("pseudonym", "Beth", "Bethany"), ("status", "notified", "commissioned")]
    assert verify_all()[1] is None


@pytest.mark.parametrize(("change", "column", "reason"), [
    ({"Date notified": "01/01/2019"}, "Date notified",
     "Date notified (1 January 2019) is before date of death (2 January 2019)"),
    ({"Stage": "Notified"}, "Date of decision", "A review at the stage Notified cannot have a date of decision"),
    ({"Date submitted to the Home Office": ""}, "Date submitted to the Home Office",
     "To reach this stage: record the date the report went to the Home Office"),
    ({"Agencies": "GP; Acme Housing"}, "Agencies",
     "Unknown agency: Acme Housing. An administrator adds agencies first"),
    ({"Stage": "Somewhere"}, "Stage", "“Somewhere” is not one of the allowed values"),
    ({"Age": "forty"}, "Age", "“forty” is not a whole number"),
])
def test_each_refusal_names_the_row_the_column_and_the_reason(coordinator, partnership, change, column, reason):
    result = import_reviews(_csv({**PUBLISHED_ROW, **change}), "r.csv", partnership, coordinator, confirm=True)
    (refused,) = result.refused
    assert refused.number == 2
    assert any(p.column == column and p.reason.startswith(reason) for p in refused.problems), refused.problems
    assert _reviews() == []


def test_a_reference_repeated_in_the_file_is_refused(coordinator, partnership):
    result = import_reviews(_csv(NOTIFIED_ROW, NOTIFIED_ROW), "r.csv", partnership, coordinator, confirm=False)
    assert [(p.column, p.reason) for p in result.rows[1].problems] == [
        ("Partnership reference", "The reference GLOS/2024/01 is also on row 2")]


def test_headings_match_whatever_their_case_and_spacing_and_an_unknown_one_is_named(coordinator, partnership):
    headings = ["  partnership   REFERENCE", "pseudonym", "NAME OF THE PERSON WHO DIED", "date_of_death",
                "Date Notified", "notified by", "stage"]
    row = dict(zip(headings, ["R1", "Cara", "Ann Other", "2024-01-01", "2024-01-02", "Police", "Notified"],
                   strict=True))
    assert import_reviews(_csv(row, headings=headings), "r.csv", partnership, coordinator,
                          confirm=False).rows[0].outcome is Outcome.CREATED
    with pytest.raises(SpreadsheetRefused, match="Unknown column: Favourite colour"):
        import_reviews(_csv({}, headings=[*headings, "Favourite colour"]), "r.csv", partnership, coordinator,
                       confirm=False)


def test_a_formula_is_read_as_the_text_typed_never_evaluated(coordinator, partnership):
    headings = ["Partnership reference", "Pseudonym", "Name of the person who died", "Date of death",
                "Date notified", "Notified by", "Stage"]
    content = _xlsx(headings, ["R1", "=1+1", "Ann Other", date(2024, 1, 1), date(2024, 1, 2), "Police", "Notified"])
    import_reviews(content, "r.xlsx", partnership, coordinator, confirm=True)
    assert _reviews()[0].pseudonym == "=1+1"


@pytest.mark.parametrize(("content", "filename", "reason"), [
    (b"x" * (20 * 1024 * 1024 + 1), "big.csv", "larger than the 20 MB limit"),
    (b"", "r.xlsm", "a workbook with macros"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "r.xlsx", "protected by a password"),
    (_xlsx(["Partnership reference"], hide=True), "r.xlsx", r"hidden sheets \(Old\)"),
])
def test_a_file_that_is_not_safe_to_read_is_refused_with_the_reason(coordinator, partnership, content, filename,
                                                                    reason):
    with pytest.raises(SpreadsheetRefused, match=reason):
        import_reviews(content, filename, partnership, coordinator, confirm=True)


def test_a_workbook_carrying_a_macro_project_is_refused_whatever_its_name(coordinator, partnership):
    buffer = io.BytesIO(_xlsx(["Partnership reference"]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(SpreadsheetRefused, match="contains macros"):
        import_reviews(buffer.getvalue(), "r.xlsx", partnership, coordinator, confirm=True)


def test_more_than_ten_thousand_rows_are_refused_naming_the_limit(coordinator, partnership):
    rows = [{**NOTIFIED_ROW, "Partnership reference": f"R{n}"} for n in range(10_001)]
    with pytest.raises(SpreadsheetRefused, match="more than 10,000 reviews"):
        import_reviews(_csv(*rows), "r.csv", partnership, coordinator, confirm=False)


def test_only_a_coordinator_of_the_partnership_brings_in_its_reviews(partnership):
    other = factories.coordinator(factories.safer_glos())
    from ssgp_dhr.review_import.services import ImportRefused

    with pytest.raises(ImportRefused):
        import_reviews(_csv(NOTIFIED_ROW), "r.csv", partnership, other, confirm=True)


def test_the_command_previews_then_saves(app, coordinator, partnership, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(_csv(PUBLISHED_ROW))
    runner = app.test_cli_runner()
    args = ["dhr", "import-reviews", str(path), "--partnership", partnership.name, "--as", coordinator.email]
    preview = runner.invoke(args=args)
    assert preview.exit_code == 0, preview.output
    assert "Row 2 (GLOS/2019/04): created" in preview.output and "Nothing saved yet" in preview.output
    assert _reviews() == []
    saved = runner.invoke(args=[*args, "--confirm"])
    assert saved.exit_code == 0 and "Saved." in saved.output
    assert [r.status for r in _reviews()] == [Stage.PUBLISHED]


def test_the_partnerships_own_reference_is_searchable_and_shown_with_each_entrys_source(coordinator, partnership,
                                                                                      signed_in_as):
    import_reviews(_csv(PUBLISHED_ROW, NOTIFIED_ROW), "reviews.csv", partnership, coordinator, confirm=True)
    client = signed_in_as(coordinator)
    listed = client.get("/cases?q=glos/2019")
    (anna,) = [a.get_text(strip=True) for a in listed.find(id="reviews").tbody.find_all("a")]
    assert anna == _reviews()[0].reference
    assert "Partnership reference GLOS/2019/04" in client.get(f"/cases/{anna}").find(id="key-facts") \
        .find_next("dl").get_text(" ", strip=True)
    page = client.get(f"/cases/{anna}/history")
    sources = page.select(".app-recorded-from")
    assert len(sources) == _reviews()[0].event_count
    assert sources[0].get_text(strip=True).startswith("Recorded from the partnership's spreadsheet (reviews.csv)")


def test_a_closed_review_comes_in_closed_and_again_unchanged(coordinator, partnership):
    closed = {**PUBLISHED_ROW, "Stage": "Closed", "Date closed": "01/06/2023"}
    import_reviews(_csv(closed), "r.csv", partnership, coordinator, confirm=True)
    assert _reviews()[0].status == Stage.CLOSED
    again = import_reviews(_csv(closed), "r.csv", partnership, coordinator, confirm=True)
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED]


def test_the_tracker_references_follow_those_already_given_that_year(coordinator, partnership):
    held = factories.notified_review(coordinator, notified_on=date(2024, 1, 5))
    other = {**NOTIFIED_ROW, "Partnership reference": "GLOS/2024/09"}
    result = import_reviews(_csv(NOTIFIED_ROW, other), "r.csv", partnership, coordinator, confirm=True)
    number = int(held.reference.rsplit("-", 1)[1])
    assert [r.reference for r in result.rows] == [f"SSGP-DHR-2024-{number + 1:03d}", f"SSGP-DHR-2024-{number + 2:03d}"]
