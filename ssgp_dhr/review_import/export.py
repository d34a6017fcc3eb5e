"""A partnership's reviews taken out as one workbook: a sheet of the reviews, and sheets of their Home Office rounds,
holds and delay notices, in the import's own columns (so the file comes back in whole), and a sheet of every
review's history. Real names only for those who may see them."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import openpyxl
import sqlalchemy as sa
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.orm import selectinload

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.forms import PUBLISHED_DOCUMENTS
from ssgp_dhr.cases.models import RESTRICTED_FIELDS, CaseEvent, Review
from ssgp_dhr.cases.names import masked_for, remember_names
from ssgp_dhr.cases.policy import can_see_real_names, coordinated_or_managed_reviews
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.review_import.columns import COLUMNS, HOLDS, RELATED, ROUNDS, Column, HowPublished, SheetKind
from ssgp_dhr.review_import.records import WITHHELD, record_sheets

HISTORY_HEADINGS = ("Reference", "Partnership reference", "Entry", "When (UTC)", "By", "Kind", "Action", "What",
                    "From", "To", "Reason", "Recorded from")


def partnership_sheets(partnership: Organisation, reader: User) -> dict[str, list[list[Any]]]:
    """The reviews `partnership` leads that `reader` coordinates or manages, and their history, as sheets of
    rows (headings first), as `reader` may read them."""
    exported = exported_review_ids(partnership, reader)
    reviews = list(db.session.scalars(
        sa.select(Review).where(Review.id.in_(exported.scalar_subquery()))
        .options(selectinload(Review.panel), selectinload(Review.qa_rounds), selectinload(Review.agencies),
                 selectinload(Review.holds), selectinload(Review.delay_notices))
        .order_by(Review.ref_year, Review.ref_number)))
    remember_names([review for review in reviews if not can_see_real_names(reader, review)])
    sheets: dict[str, list[list[Any]]] = {"Reviews": [[c.heading for c in COLUMNS]], "History": [list(HISTORY_HEADINGS)]}
    histories = histories_of(exported)
    for review in reviews:
        names = can_see_real_names(reader, review)
        sheets["Reviews"].append([_cell(reader, review, _value(review, c.key), names, c.key) for c in COLUMNS])
        sheets["History"] += [[_cell(reader, review, value, names, "") for value in row]
                              for row in _history_rows(review, names, histories.get(review.id, []))]
    return sheets | related_sheets(reviews, reader) | record_sheets(reviews, exported, reader)


def exported_review_ids(partnership: Organisation, reader: User) -> sa.Select:
    """The ids of the reviews `partnership` leads that `reader` coordinates or manages: what its export holds."""
    return sa.select(Review.id).where(Review.lead_partnership_id == partnership.id,
                                      coordinated_or_managed_reviews(reader))


def partnership_workbook(partnership: Organisation, reader: User) -> bytes:
    """partnership_sheets as an .xlsx workbook."""
    return workbook_of(partnership_sheets(partnership, reader))


def workbook_of(sheets: dict[str, list[list[Any]]]) -> bytes:
    """Sheets of rows as an .xlsx workbook. A text that begins with "=" is written as text: a spreadsheet
    would otherwise run it as a formula when the file is opened."""
    workbook = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append([_as_text(sheet, value) if isinstance(value, str) and value.startswith("=") else value
                          for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _as_text(sheet: Any, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def partnership_json(partnership: Organisation, reader: User) -> str:
    """partnership_sheets as JSON: for each sheet, a list of objects keyed by its headings; dates as ISO 8601."""
    return json_of(partnership, partnership_sheets(partnership, reader))


def json_of(partnership: Organisation, sheets: dict[str, list[list[Any]]]) -> str:
    """Sheets of rows as JSON: for each sheet, a list of objects keyed by its headings; dates as ISO 8601. Written
    without indenting: the indented form is written by Python's slower encoder, which took longer than reading
    the whole export (14 s of a partnership's 72 s, profiled)."""
    return json.dumps({"partnership": partnership.name, **{
        name.lower(): [dict(zip(rows[0], row, strict=True)) for row in rows[1:]] for name, rows in sheets.items()}},
        default=lambda value: value.isoformat(), ensure_ascii=False)


def _cell(reader: User, review: Review, value: Any, names: bool, key: str) -> Any:
    """What `reader` may read: a restricted field withheld, any text with the real names in it masked."""
    if key in RESTRICTED_FIELDS and not names and value is not None:
        return WITHHELD
    if names or not isinstance(value, str):
        return value
    return masked_for(None, review, value)  # masked, without asking again for every cell whether they may see names


def _value(review: Review, key: str) -> Any:
    first_round = review.qa_rounds[0] if review.qa_rounds else None
    special = {
        "partnership_reference": review.partnership_reference or review.reference,
        "death_kind": review.wording.label,
        # A review on hold is at the stage it left; its open hold, on the Holds sheet, says it is on hold.
        "stage": Stage(review.status_before_hold if review.status == Stage.ON_HOLD else review.status).label,
        "submitted_on": first_round.submitted_on if first_round else None,
        "letter_on": first_round.letter_on if first_round else None,
        "qa_outcome": first_round.outcome.label if first_round and first_round.outcome else None,
        "changes_requested": first_round.changes_requested if first_round else None,
        "how_published": _how_published(review),
        "published_documents": "; ".join(label for value, label in PUBLISHED_DOCUMENTS
                                         if value in (review.published_documents or "").split(",")) or None,
        "agencies": "; ".join(agency.short_name for agency in review.agencies) or None,
    }
    return special[key] if key in special else getattr(review, key)


def related_sheets(reviews: list[Review], reader: User) -> dict[str, list[list[Any]]]:
    """The Home Office rounds, holds and delay notices of `reviews` as the import reads them back: a sheet of each,
    headings first, each row naming its review by the partnership's reference; as `reader` may read them."""
    sheets = {}
    for kind in RELATED:
        rows = [[column.heading for column in kind.columns]]
        for review in reviews:
            names = can_see_real_names(reader, review)
            reference = review.partnership_reference or review.reference
            for record in _records(review, kind):
                record["partnership_reference"] = reference
                rows.append([_cell(reader, review, _labelled(column, record.get(column.key)), names, column.key)
                             for column in kind.columns])
        sheets[kind.name] = rows
    return sheets


def _records(review: Review, kind: SheetKind) -> list[dict[str, Any]]:
    if kind is ROUNDS:
        return [{"round": r.number, "submitted_on": r.submitted_on, "panel_meeting_on": r.panel_meeting_on,
                 "letter_on": r.letter_on, "qa_outcome": r.outcome, "changes_requested": r.changes_requested}
                for r in review.qa_rounds]
    if kind is HOLDS:
        return [{"hold_started_on": h.started_on, "hold_reason": h.reason, "hold_details": h.details,
                 "hold_expected_end_on": h.expected_end_on, "inquest_on": h.inquest_on, "hold_ended_on": h.ended_on}
                for h in review.holds]
    return [{"deadline": n.deadline, "told_on": n.told_on, "cause": n.cause, "explanation": n.explanation,
             "expected_on": n.expected_on} for n in review.delay_notices]


def _labelled(column: Column, value: Any) -> Any:
    """A chosen value as its column's label, as the template offers it."""
    return dict(column.choices).get(value, value) if column.choices and value is not None else value


def _how_published(review: Review) -> str | None:
    if review.published_on is None:
        return None
    return (HowPublished.LEARNING_SUMMARY if review.summary_only_reason else HowPublished.FULL_REPORT).label


def histories_of(review_ids: sa.Select) -> dict[int, list[sa.Row]]:
    """The history entries of the reviews `review_ids` selects, by review and in order, in one statement.

    Rows, not objects: a partnership's history runs to tens of thousands of entries, and building an object of
    each took three quarters of the export's time."""
    found: dict[int, list[sa.Row]] = defaultdict(list)
    for event in db.session.execute(
            sa.select(CaseEvent.review_id, CaseEvent.seq, CaseEvent.occurred_at, User.full_name.label("actor"),
                      CaseEvent.kind, CaseEvent.trigger, CaseEvent.field, CaseEvent.from_value, CaseEvent.to_value,
                      CaseEvent.reason, CaseEvent.payload)
            .outerjoin(User, User.id == CaseEvent.actor_id)
            .where(CaseEvent.review_id.in_(review_ids.scalar_subquery()))
            .order_by(CaseEvent.review_id, CaseEvent.seq)):
        found[event.review_id].append(event)
    return found


def _history_rows(review: Review, names: bool, events: Iterable[sa.Row]) -> Iterator[list[Any]]:
    """The history sheet's rows of `review`, from its entries as histories_of reads them."""
    for event in events:
        restricted = event.field in RESTRICTED_FIELDS and not names
        yield [review.reference, review.partnership_reference, event.seq,
               event.occurred_at.replace(tzinfo=None), event.actor or "the system",
               event.kind.value, event.trigger, event.field,
               WITHHELD if restricted and event.from_value else event.from_value,
               WITHHELD if restricted and event.to_value else event.to_value,
               event.reason, (event.payload or {}).get("recorded_from")]
