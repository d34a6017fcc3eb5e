"""A partnership's reviews taken out as one workbook: a sheet of the reviews in the import's own columns (so the
file comes back in whole), and a sheet of every review's history. Real names only for those who may see them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.forms import PUBLISHED_DOCUMENTS
from ssgp_dhr.cases.models import RESTRICTED_FIELDS, CaseEvent, Review
from ssgp_dhr.cases.names import masked_for
from ssgp_dhr.cases.policy import can_see_real_names, coordinated_or_managed_reviews
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.review_import.columns import COLUMNS, HowPublished

HISTORY_HEADINGS = ("Reference", "Partnership reference", "Entry", "When (UTC)", "By", "Kind", "Action", "What",
                    "From", "To", "Reason", "Recorded from")
WITHHELD = "Withheld: you may not see real names"


def partnership_workbook(partnership: Organisation, reader: User) -> bytes:
    """The reviews `partnership` leads that `reader` coordinates or manages, as .xlsx bytes."""
    reviews = list(db.session.scalars(
        sa.select(Review).where(Review.lead_partnership_id == partnership.id, coordinated_or_managed_reviews(reader))
        .order_by(Review.ref_year, Review.ref_number)))
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Reviews")
    sheet.append([column.heading for column in COLUMNS])
    for review in reviews:
        names = can_see_real_names(reader, review)
        sheet.append([_cell(reader, review, _value(review, column.key), names, column.key) for column in COLUMNS])
    history = workbook.create_sheet("History")
    history.append(list(HISTORY_HEADINGS))
    for review in reviews:
        names = can_see_real_names(reader, review)
        for row in _history_rows(review, names):
            history.append([_cell(reader, review, value, names, "") for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(reader: User, review: Review, value: Any, names: bool, key: str) -> Any:
    """What `reader` may read: a restricted field withheld, any text with the real names in it masked."""
    if key in RESTRICTED_FIELDS and not names and value is not None:
        return WITHHELD
    return masked_for(reader, review, value) if isinstance(value, str) else value


def _value(review: Review, key: str) -> Any:
    first_round = review.qa_rounds[0] if review.qa_rounds else None
    special = {
        "partnership_reference": review.partnership_reference or review.reference,
        "death_kind": review.wording.label,
        "stage": Stage(review.status).label,
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


def _how_published(review: Review) -> str | None:
    if review.published_on is None:
        return None
    return (HowPublished.LEARNING_SUMMARY if review.summary_only_reason else HowPublished.FULL_REPORT).label


def _history_rows(review: Review, names: bool) -> Iterator[list[Any]]:
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id).order_by(CaseEvent.seq))
    for event in events:
        restricted = event.field in RESTRICTED_FIELDS and not names
        yield [review.reference, review.partnership_reference, event.seq,
               event.occurred_at.replace(tzinfo=None), event.actor.full_name if event.actor else "the system",
               event.kind.value, event.trigger, event.field,
               WITHHELD if restricted and event.from_value else event.from_value,
               WITHHELD if restricted and event.to_value else event.to_value,
               event.reason, (event.payload or {}).get("recorded_from")]

