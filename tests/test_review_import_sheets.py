"""What a partnership's spreadsheet holds beyond one row a review: its sheets of Home Office rounds, holds and
delay notices, each row brought in through the workflow and the services in the order it happened, refused
row by row in plain words, written back out by the export in the same shape, and harmless to bring in again."""

from __future__ import annotations

import collections
import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from ssgp_dhr.cases.history import verify_all
from ssgp_dhr.cases.models import CaseEvent, DeadlineKind, HoldReason, QAOutcome, Review
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import OrganisationKind
from ssgp_dhr.review_import import jobs
from ssgp_dhr.review_import.columns import COLUMNS, DELAY_NOTICES, HOLDS, RELATED, ROUNDS
from ssgp_dhr.review_import.reading import SpreadsheetRefused
from ssgp_dhr.review_import.services import Outcome, import_reviews
from tests import factories
from tests.conftest import on_postgres
from tests.test_review_import import NOTIFIED_ROW, PUBLISHED_ROW

URL = "/reviews/import"
# Two rounds at the Home Office: the first letter asked for revisions, the second allowed publication.
TWO_ROUNDS = {**PUBLISHED_ROW, "Date of Home Office letter": "01/02/2020", "Home Office outcome": "Revise and resubmit",
              "Changes requested": "Say more about the GP's contact"}
# With the panel, then on hold for the inquest, not yet resumed.
ON_HOLD = {**NOTIFIED_ROW, "Stage": "Panel", "Date of decision": "2024-02-20", "Date Home Office told": "2024-02-21",
           "Chair": "Ruth Chair", "Date chair appointed": "2024-03-01", "Date terms of reference agreed": "2024-03-10"}
ROUND_ROWS = [
    {"Partnership reference": "GLOS/2019/04", "Round": 1, "Date submitted": "01/12/2019",
     "Date of Home Office letter": "01/02/2020", "Home Office outcome": "Revise and resubmit",
     "Changes requested": "Say more about the GP's contact"},
    {"Partnership reference": "GLOS/2019/04", "Round": 2, "Date submitted": "01/03/2020",
     "Date of the Quality Assurance Panel meeting": "20/03/2020", "Date of Home Office letter": "01/04/2020",
     "Home Office outcome": "Content to publish"},
]
HOLD_ROWS = [
    {"Partnership reference": "GLOS/2019/04", "Date put on hold": "01/05/2019",
     "Waiting for": "Criminal investigation or trial", "Details of the proceedings": "The trial at the Crown Court",
     "Date expected to end": "01/09/2019", "Date resumed": "15/08/2019"},
    {"Partnership reference": "GLOS/2024/01", "Date put on hold": "2024-04-01", "Waiting for": "Inquest",
     "Details of the proceedings": "The inquest was opened and adjourned", "Date expected to end": "2025-01-01",
     "Date of the inquest": "2024-12-01"},
]
DELAY_ROWS = [
    {"Partnership reference": "GLOS/2019/04", "What is late": "Report", "Date Home Office told": "20/07/2019",
     "Cause": "Parallel proceedings (trial, inquest, IOPC)", "Explanation": "The trial has not finished",
     "Date now expected": "01/12/2019"},
    {"Partnership reference": "GLOS/2024/01", "What is late": "Decision", "Date Home Office told": "2024-02-15",
     "Cause": "Waiting for agencies' information (IMRs, chronologies)", "Explanation": "The police chronology",
     "Date now expected": "2024-02-28"},
]


def workbook(reviews: list[dict], rounds: list[dict] = (), holds: list[dict] = (), notices: list[dict] = (),
             headings: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx file with the Reviews sheet and the sheets of rounds, holds and delay notices given (with the
    template's headings, or those `headings` gives for a sheet)."""
    headings = headings or {}
    book = openpyxl.Workbook()
    book.active.title = "Reviews"
    given = {"Reviews": (reviews, [c.heading for c in COLUMNS])}
    for kind, rows in zip(RELATED, (rounds, holds, notices), strict=True):
        given[kind.name] = (rows, headings.get(kind.name, [c.heading for c in kind.columns]))
    for name, (rows, names) in given.items():
        sheet = book["Reviews"] if name == "Reviews" else book.create_sheet(name)
        sheet.append(names)
        for row in rows:
            sheet.append([row.get(heading) for heading in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FULL = ([TWO_ROUNDS, ON_HOLD], ROUND_ROWS, HOLD_ROWS, DELAY_ROWS)


@pytest.fixture
def partnership():
    return factories.ssgp()


@pytest.fixture
def coordinator(partnership):
    factories.organisation("GP", "Gloucestershire GP practices")
    return factories.coordinator(partnership)


def _reviews() -> list[Review]:
    return list(db.session.scalars(sa.select(Review).order_by(Review.id)))


def _events(review: Review) -> list[CaseEvent]:
    return list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)
                                   .order_by(CaseEvent.seq)))


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_rounds_holds_and_delay_notices_are_brought_in_in_the_order_they_happened(coordinator, partnership):
    result = import_reviews(workbook(*FULL), "reviews.xlsx", partnership, coordinator, confirm=True)

    assert [r.outcome for r in result.rows] == [Outcome.CREATED, Outcome.CREATED] and result.saved, result.rows
    anna, beth = _reviews()
    assert anna.status == Stage.PUBLISHED
    assert [(r.number, r.submitted_on, r.letter_on, r.outcome) for r in anna.qa_rounds] == [
        (1, date(2019, 12, 1), date(2020, 2, 1), QAOutcome.REVISE),
        (2, date(2020, 3, 1), date(2020, 4, 1), QAOutcome.PUBLISH)]
    assert anna.qa_rounds[0].changes_requested == "Say more about the GP's contact"
    assert anna.qa_rounds[1].panel_meeting_on == date(2020, 3, 20)
    assert [(h.reason, h.started_on, h.ended_on) for h in anna.holds] == [
        (HoldReason.CRIMINAL_PROCEEDINGS, date(2019, 5, 1), date(2019, 8, 15))]
    assert [(n.deadline, n.told_on) for n in anna.delay_notices] == [(DeadlineKind.REPORT, date(2019, 7, 20))]
    # Each step in the order it happened: the delay and the hold while the panel worked, then the two rounds.
    assert [e.trigger or e.field for e in _events(anna)] == [
        "status", "agencies", "commission", "convene_panel", "pause", "delay_notice", "resume", "submit",
        "request_revisions", "resubmit", "approve", "publish"]
    assert (beth.status, beth.status_before_hold) == (Stage.ON_HOLD, Stage.PANEL)
    assert beth.current_hold.reason is HoldReason.INQUEST and beth.current_hold.inquest_on == date(2024, 12, 1)
    assert [(n.deadline, n.cause.value) for n in beth.delay_notices] == [(DeadlineKind.DECISION, "agency_information")]
    assert [e.trigger or e.field for e in _events(beth)] == [
        "status", "delay_notice", "commission", "convene_panel", "pause"]
    for review in (anna, beth):
        assert all(e.payload["recorded_from"].startswith("Recorded from the partnership's spreadsheet (reviews.xlsx)")
                   for e in _events(review))
    assert verify_all()[1] is None


def test_the_same_workbook_again_changes_nothing_and_a_changed_row_updates_with_history(coordinator, partnership):
    import_reviews(workbook(*FULL), "reviews.xlsx", partnership, coordinator, confirm=True)
    entries = _count(CaseEvent)

    again = import_reviews(workbook(*FULL), "reviews.xlsx", partnership, coordinator, confirm=True)
    assert [r.outcome for r in again.rows] == [Outcome.UNCHANGED, Outcome.UNCHANGED] and again.saved
    assert _count(CaseEvent) == entries and len(_reviews()) == 2

    # The inquest is over (the review resumes), and the first delay was explained more fully.
    resumed = [HOLD_ROWS[0], {**HOLD_ROWS[1], "Date resumed": "2025-01-10"}]
    explained = [{**DELAY_ROWS[0], "Explanation": "The trial was adjourned to the autumn"}, DELAY_ROWS[1]]
    changed = import_reviews(workbook([TWO_ROUNDS, ON_HOLD], ROUND_ROWS, resumed, explained), "reviews.xlsx",
                             partnership, coordinator, confirm=True)
    assert [r.outcome for r in changed.rows] == [Outcome.UPDATED, Outcome.UPDATED], changed.rows
    anna, beth = _reviews()
    assert anna.delay_notices[0].explanation == "The trial was adjourned to the autumn"
    corrected = _events(anna)[-1]
    assert (corrected.field, corrected.reason) == ("delay_notice_corrected", "The trial was adjourned to the autumn")
    assert "The trial has not finished" not in corrected.to_value and corrected.payload["recorded_from"]
    assert (beth.status, beth.holds[0].ended_on) == (Stage.PANEL, date(2025, 1, 10))
    assert _events(beth)[-1].trigger == "resume"
    assert verify_all()[1] is None


def _problems(result) -> list[tuple[str | None, int, str, str]]:
    return [(row.sheet, row.number, problem.place, problem.reason) for row in result.refused
            for problem in row.problems]


@pytest.mark.parametrize(("sheets", "expected"), [
    ({"rounds": [ROUND_ROWS[0], {**ROUND_ROWS[1], "Date of Home Office letter": "01/02/2020"}]},
     (None, 2, "Home Office rounds, row 3: Date of Home Office letter",
      "The letter (1 February 2020) is dated before the submission (1 March 2020)")),
    ({"rounds": [ROUND_ROWS[0], {**ROUND_ROWS[1], "Round": 3}]},
     (None, 2, "Home Office rounds, row 3: Round", "Round 3 follows round 1: give round 2 first")),
    ({"rounds": [{**ROUND_ROWS[0], "Date submitted": "02/12/2019"}, ROUND_ROWS[1]]},
     (None, 2, "Home Office rounds, row 2: Date submitted", "The Reviews sheet gives 1 December 2019 for the first")),
    ({"rounds": [ROUND_ROWS[0], {**ROUND_ROWS[1], "Date submitted": "20/01/2020"}]},
     (None, 2, "Home Office rounds, row 3: Date submitted", "Round 2 is dated (20 January 2020) before the letter")),
    ({"holds": [{**HOLD_ROWS[0], "Partnership reference": "GLOS/1999/01"}]},
     ("Holds", 2, "Partnership reference", "The Reviews sheet has no review GLOS/1999/01: a hold is brought in")),
    ({"holds": [HOLD_ROWS[0], {**HOLD_ROWS[0], "Date put on hold": "01/08/2019", "Date resumed": "01/10/2019"}]},
     (None, 2, "Holds, row 3: Date put on hold", "This hold starts (1 August 2019) before the hold on row 2 ended")),
    ({"holds": [{**HOLD_ROWS[0], "Date resumed": ""}, {**HOLD_ROWS[0], "Date put on hold": "01/10/2019"}]},
     (None, 2, "Holds, row 3: Date put on hold", "The hold on row 2 has not ended")),
    ({"holds": [{**HOLD_ROWS[0], "Date put on hold": "01/01/2020", "Date expected to end": "01/02/2020",
                 "Date resumed": "15/01/2020"}]},
     (None, 2, "Holds, row 2", "On 1 January 2020: You cannot put on hold while the review is with the Home Office")),
    ({"holds": [{**HOLD_ROWS[0], "Waiting for": "Snow"}]},
     (None, 2, "Holds, row 2: Waiting for", "“Snow” is not one of the allowed values")),
    ({"notices": [{**DELAY_ROWS[0], "What is late": "Decision"}]},
     (None, 2, "Delay notices, row 2: What is late", "On 20 July 2019 the report was owed: choose report")),
    ({"notices": [{**DELAY_ROWS[0], "Date Home Office told": "01/05/2020"}]},
     (None, 2, "Delay notices, row 2: Date Home Office told", "On 1 May 2020 neither the decision nor the report")),
    ({"notices": [{**DELAY_ROWS[0], "Explanation": ""}]},
     (None, 2, "Delay notices, row 2: Explanation", "Enter the explanation")),
])
def test_each_refusal_names_the_sheet_the_row_the_column_and_the_reason(coordinator, partnership, sheets, expected):
    given = {"rounds": ROUND_ROWS, "holds": [HOLD_ROWS[0]], "notices": [DELAY_ROWS[0]]} | sheets
    result = import_reviews(workbook([TWO_ROUNDS], given["rounds"], given["holds"], given["notices"]), "r.xlsx",
                            partnership, coordinator, confirm=True)
    assert not result.saved and _reviews() == []
    problems = _problems(result)
    assert any(found[:3] == expected[:3] and found[3].startswith(expected[3]) for found in problems), problems


def test_a_sheet_with_an_unknown_or_missing_column_is_refused_naming_the_sheet(coordinator, partnership):
    headings = [c.heading for c in HOLDS.columns]
    with pytest.raises(SpreadsheetRefused, match="Unknown column on the Holds sheet: Judge"):
        import_reviews(workbook([TWO_ROUNDS], holds=[HOLD_ROWS[0]], headings={"Holds": [*headings, "Judge"]}),
                       "r.xlsx", partnership, coordinator, confirm=False)
    without = [h for h in (c.heading for c in DELAY_NOTICES.columns) if h != "Cause"]
    with pytest.raises(SpreadsheetRefused, match="Missing column on the Delay notices sheet: Cause"):
        import_reviews(workbook([TWO_ROUNDS], headings={"Delay notices": without}), "r.xlsx", partnership,
                       coordinator, confirm=False)


def _sheet(content: bytes, name: str) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True)[name].iter_rows(values_only=True))


def test_the_export_writes_rounds_holds_and_delay_notices_as_the_import_reads_them(signed_in_as):
    """Export, import into a partnership with no reviews, export again: the same sheets."""
    partnership = factories.ssgp()
    factories.organisation("GP", "Gloucestershire GP practices")
    coordinator = factories.coordinator(partnership)
    import_reviews(workbook(*FULL), "reviews.xlsx", partnership, coordinator, confirm=True)
    first = signed_in_as(coordinator).get(f"{URL}/export/{partnership.id}.xlsx").data
    assert _sheet(first, ROUNDS.name)[0] == tuple(c.heading for c in ROUNDS.columns)
    assert len(_sheet(first, ROUNDS.name)) == 3 and len(_sheet(first, HOLDS.name)) == 3
    assert _sheet(first, "Reviews")[2][[c.key for c in COLUMNS].index("stage")] == "Panel"  # on hold from the panel

    other = factories.organisation("SG", "Safer Gloucestershire", OrganisationKind.PARTNERSHIP)
    elsewhere = factories.coordinator(other)
    result = import_reviews(first, "SSGP-reviews.xlsx", other, elsewhere, confirm=True)
    assert [r.outcome for r in result.rows] == [Outcome.CREATED, Outcome.CREATED], result.rows
    second = signed_in_as(elsewhere).get(f"{URL}/export/{other.id}.xlsx").data
    for name in ("Reviews", ROUNDS.name, HOLDS.name, DELAY_NOTICES.name):
        assert _sheet(second, name) == _sheet(first, name), name
    assert [r.outcome for r in import_reviews(second, "again.xlsx", other, elsewhere, confirm=True).rows] == [
        Outcome.UNCHANGED, Outcome.UNCHANGED]


def test_the_template_has_a_sheet_of_each_with_hints_and_comes_back_in_whole(signed_in_as):
    partnership = factories.ssgp()
    factories.organisation("GP", "Gloucestershire GP practices")
    coordinator = factories.coordinator(partnership)
    content = signed_in_as(coordinator).get(URL + "/template.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(content))
    for kind in RELATED:
        assert [c.value for c in book[kind.name][1]] == [c.heading for c in kind.columns]
        assert [c.value for c in book[kind.name][2]] == [c.hint for c in kind.columns]
    assert "Inquest" in dict(book["Allowed values"].iter_rows(values_only=True))["Waiting for (Holds)"]

    for kind, rows in ((None, [TWO_ROUNDS]), (ROUNDS, ROUND_ROWS), (HOLDS, HOLD_ROWS[:1]),
                       (DELAY_NOTICES, DELAY_ROWS[:1])):
        sheet = book["Reviews"] if kind is None else book[kind.name]
        for n, row in enumerate(rows, start=3):
            for cell in sheet[1]:
                sheet.cell(row=n, column=cell.column, value=row.get(cell.value))
    filled = io.BytesIO()
    book.save(filled)
    result = import_reviews(filled.getvalue(), "filled.xlsx", partnership, coordinator, confirm=True)
    assert [(r.number, r.outcome) for r in result.rows] == [(3, Outcome.CREATED)], result.rows
    (anna,) = _reviews()
    assert (len(anna.qa_rounds), len(anna.holds), len(anna.delay_notices)) == (2, 1, 1)


def test_the_preview_page_lists_a_refused_row_of_another_sheet_with_its_sheet_and_row(signed_in_as):
    partnership = factories.ssgp()
    factories.organisation("GP", "Gloucestershire GP practices")
    coordinator = factories.coordinator(partnership)
    orphan = {**HOLD_ROWS[0], "Partnership reference": "GLOS/1999/01"}
    content = workbook([TWO_ROUNDS], ROUND_ROWS, [orphan])
    client = signed_in_as(coordinator)
    posted = client.post(URL, {"partnership": str(partnership.id), "file": (io.BytesIO(content), "reviews.xlsx")})
    jobs.wait()
    page = client.get(posted.headers["Location"])
    (error,) = page.select(".govuk-error-summary a")
    assert error.get_text(strip=True) == ("Holds, row 2: Partnership reference: The Reviews sheet has no review "
                                          "GLOS/1999/01: a hold is brought in with its review")
    assert page.find(id=error["href"][1:]).get_text(" ", strip=True).startswith("Holds, row 2 GLOS/1999/01 Refused")
    assert _count(Review) == 0


def test_an_import_writes_its_reviews_and_their_history_in_batches_not_one_by_one(coordinator, partnership):
    """Each review's id is taken ahead and its history written with the others': 60 published reviews, each with
    twelve history entries, go in a handful of statements, not one or more for each."""
    rows = [{**TWO_ROUNDS, "Partnership reference": f"GLOS/{n}"} for n in range(60)]
    rounds = [{**r, "Partnership reference": f"GLOS/{n}"} for n in range(60) for r in ROUND_ROWS]
    holds = [{**HOLD_ROWS[0], "Partnership reference": f"GLOS/{n}"} for n in range(60)]
    notices = [{**DELAY_ROWS[0], "Partnership reference": f"GLOS/{n}"} for n in range(60)]
    content = workbook(rows, rounds, holds, notices)
    statements = []
    listener = lambda *args: statements.append(" ".join(args[2].split()[:3]))  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = import_reviews(content, "r.xlsx", partnership, coordinator, confirm=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert result.saved and result.count(Outcome.CREATED) == 60 and _count(CaseEvent) == 60 * 12
    written = collections.Counter(statements)
    assert written["INSERT INTO reviews"] + written["INSERT INTO case_events"] + written["UPDATE reviews SET"] < 10, \
        written
    assert verify_all()[1] is None


@pytest.mark.skipif(not on_postgres(), reason="the ids are taken from PostgreSQL's sequences")
def test_on_postgresql_the_history_rounds_holds_and_notices_go_in_with_their_ids_taken_ahead(coordinator, partnership):
    """Their ids come from the tables' sequences before each batch is written, so each table's rows go in as
    one short statement run for every row, not as long INSERT … RETURNING statements the driver parses anew."""
    rows = [{**TWO_ROUNDS, "Partnership reference": f"GLOS/{n}"} for n in range(20)]
    rounds = [{**r, "Partnership reference": f"GLOS/{n}"} for n in range(20) for r in ROUND_ROWS]
    holds = [{**HOLD_ROWS[0], "Partnership reference": f"GLOS/{n}"} for n in range(20)]
    notices = [{**DELAY_ROWS[0], "Partnership reference": f"GLOS/{n}"} for n in range(20)]
    content = workbook(rows, rounds, holds, notices)
    inserts = []

    def listener(_conn, _cursor, statement, _parameters, _context, executemany) -> None:
        if statement.startswith("INSERT INTO"):
            inserts.append((statement.split()[2], "RETURNING" in statement, executemany))
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = import_reviews(content, "r.xlsx", partnership, coordinator, confirm=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert result.saved and _count(CaseEvent) == 20 * 12
    for table in ("case_events", "qa_rounds", "review_holds", "delay_notices"):
        written = [(returning, many) for name, returning, many in inserts if name == table]
        assert written and all(many and not returning for returning, many in written), (table, written)
    assert verify_all()[1] is None
