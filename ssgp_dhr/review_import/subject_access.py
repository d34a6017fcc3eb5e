"""A person's subject access request: every record that names them, across the reviews the coordinator may see
with real names, as one JSON download.

A record names the person when one of its texts holds their whole name as cases.names reads names (every
part, in order, whole words, whatever the case and accents): the review's name fields and the family's
contacts, and the free text of the history, the Home Office's rounds and delay notices, the holds, the panel's
meetings, requests and input log, the family's involvement, the action plan, the costs and the documents'
titles. Each is listed with where it was found: the review, the kind of record, which one, and the field.

Only the reviews the reader may see with real names are read, and each kind of record is read for all of them
in one statement, streamed, as are the histories of the reviews given whole; a text is looked at word by word
only when a quick test finds the name's last part in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation
from ssgp_dhr.cases.models import (
    CaseEvent,
    ConsiderationPanel,
    DecisionResponse,
    DelayNotice,
    PanelMembership,
    PanelRole,
    QARound,
    Review,
    ReviewHold,
)
from ssgp_dhr.cases.names import names_person
from ssgp_dhr.cases.policy import can_see_real_names, panel_review_ids
from ssgp_dhr.clock import utcnow
from ssgp_dhr.costs.models import CostRecharge, CostSharing, ReviewCost
from ssgp_dhr.documents.models import Document
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.models import (
    AgencyRequest,
    FamilyContact,
    FamilyEvent,
    FamilyInvolvement,
    InputEntry,
    MeetingAction,
    PanelMeeting,
)
from ssgp_dhr.review_import.columns import COLUMNS
from ssgp_dhr.review_import.export import HISTORY_HEADINGS, _history_rows, _value, histories_of

STREAMED = 2_000  # rows fetched at a time from the larger tables (the history)


@dataclass(frozen=True, eq=False)
class Source:
    """One kind of record and the texts in it that may name a person."""

    kind: str
    review_id: Any  # the column giving the record's review
    which: Any  # the column telling this record from the review's others ("entry 12", a date)
    fields: tuple[tuple[str, Any], ...]  # (the field in words, its column)
    joined: tuple[Any, ...] = ()  # relationships to join to reach the review
    described: Callable[[Any], str] = str

    def statement(self, reviews: sa.Select) -> sa.Select:
        statement = sa.select(self.review_id, self.which, *(column for _, column in self.fields))
        for relationship in self.joined:
            statement = statement.join(relationship)
        return statement.where(self.review_id.in_(reviews.scalar_subquery())).order_by(self.review_id, self.which)


def _entry(seq: int) -> str:
    return f"Entry {seq}"


def _on(day: Any) -> str:
    return f"On {day.isoformat()}" if day else ""


# The review's own fields that record a person by name: a review with one of these naming them records them.
NAME_FIELDS = ("Name of the person who died", "Name of the other person")
CONTACT = "Family contact"

SOURCES: tuple[Source, ...] = (
    Source("Review", Review.id, Review.reference, (
        ("Name of the person who died", Review.victim_name), ("Name of the other person", Review.perpetrator_name),
        ("Notified by", Review.notified_by), ("Circumstances", Review.circumstances),
        ("Press contact", Review.press_contact), ("Chair", Review.chair_name),
        ("Reasons for not holding a review", Review.decline_reasons), ("Why it was reopened", Review.reopen_reason),
        ("Coroner's request", Review.coroner_request_details), ("Held jointly with", Review.joint_review_with),
        ("Why only a learning summary", Review.summary_only_reason))),
    Source("History entry", CaseEvent.review_id, CaseEvent.seq, (
        ("From", CaseEvent.from_value), ("To", CaseEvent.to_value), ("Reason", CaseEvent.reason)),
        described=_entry),
    Source("Home Office round", QARound.review_id, QARound.number, (("Changes requested", QARound.changes_requested),),
           described=lambda number: f"Round {number}"),
    Source("Delay notice", DelayNotice.review_id, DelayNotice.told_on, (("Explanation", DelayNotice.explanation),),
           described=_on),
    Source("Home Office response to the decision", DecisionResponse.review_id, DecisionResponse.received_on,
           (("Notes", DecisionResponse.notes),), described=_on),
    Source("Consideration panel", ConsiderationPanel.review_id, ConsiderationPanel.met_on, (
        ("Attended by", ConsiderationPanel.attended_by), ("Rationale", ConsiderationPanel.rationale)), described=_on),
    Source("Hold", ReviewHold.review_id, ReviewHold.started_on, (("Details", ReviewHold.details),), described=_on),
    Source("Panel meeting", PanelMeeting.review_id, PanelMeeting.held_on, (
        ("Agenda", PanelMeeting.agenda), ("Minutes", PanelMeeting.minutes)), described=_on),
    Source("Meeting action", PanelMeeting.review_id, MeetingAction.due_on,
           (("Action", MeetingAction.description),), joined=(MeetingAction.meeting,),
           described=lambda day: f"Due {day.isoformat()}"),
    Source("Agency request", AgencyRequest.review_id, AgencyRequest.requested_on, (
        ("Note", AgencyRequest.note), ("What is missing", AgencyRequest.return_reason)), described=_on),
    Source("Input log entry", InputEntry.review_id, InputEntry.id, (
        ("Text", InputEntry.text), ("Why it was retracted", InputEntry.retraction_reason)),
        described=lambda number: f"Entry {number}"),
    Source("Family involvement", FamilyInvolvement.review_id, FamilyInvolvement.id, (
        ("Advocate", FamilyInvolvement.advocate_name),
        ("Why the draft was not shared", FamilyInvolvement.draft_not_shared_reason),
        ("Comments received", FamilyInvolvement.comments_received)), described=lambda _id: ""),
    Source(CONTACT, FamilyContact.review_id, FamilyContact.id, (
        ("Name", FamilyContact.name), ("Relationship", FamilyContact.relationship_to_victim),
        ("Contact details", FamilyContact.contact_details)), described=lambda number: f"Contact {number}"),
    Source("Family contact event", FamilyEvent.review_id, FamilyEvent.occurred_on, (("Summary", FamilyEvent.summary),),
           described=_on),
    Source("Recommendation", Recommendation.review_id, Recommendation.reference, (
        ("Text", Recommendation.text), ("Actions", Recommendation.actions), ("Evidence", Recommendation.evidence))),
    Source("Progress update", Recommendation.review_id, Recommendation.reference, (("Progress", ProgressUpdate.text),),
           joined=(ProgressUpdate.recommendation,), described=lambda reference: f"On recommendation {reference}"),
    Source("Cost", ReviewCost.review_id, ReviewCost.incurred_on, (("Description", ReviewCost.description),),
           described=_on),
    Source("Recharge", CostRecharge.review_id, CostRecharge.paid_on, (("Payment reference", CostRecharge.reference),),
           described=_on),
    Source("Cost sharing", CostSharing.review_id, CostSharing.agreed_on, (("Note", CostSharing.note),), described=_on),
    Source("Document", Document.review_id, Document.id, (("Title", Document.title),),
           described=lambda number: f"Document {number}"),
)


def subject_access(reader: User, name: str) -> str:
    """Every record naming `name` across the reviews `reader` may see with real names, as JSON: the answer to
    that person's subject access request. Each review whose name fields or family contacts record the person
    is given whole besides, with its history."""
    wanted = " ".join(name.split())
    visible = readable_review_ids(reader)
    reviews = {review.id: review for review in db.session.scalars(
        sa.select(Review).where(Review.id.in_(visible.scalar_subquery())).options(selectinload(Review.panel)))
        if can_see_real_names(reader, review)}
    records = sorted(_records(visible, reviews, wanted),
                     key=lambda r: (reviews[r[0]].ref_year, reviews[r[0]].ref_number, SOURCES.index(r[1])))
    recording = sorted({review_id for review_id, source, _which, field, _text in records
                        if field in NAME_FIELDS or (source.kind == CONTACT and field == "Name")},
                       key=lambda review_id: (reviews[review_id].ref_year, reviews[review_id].ref_number))
    if recording:  # what each review given whole reads, for all of them at once
        db.session.scalars(sa.select(Review).where(Review.id.in_(recording)).options(
            selectinload(Review.qa_rounds), selectinload(Review.agencies), selectinload(Review.holds),
            selectinload(Review.delay_notices))).all()
    histories = histories_of(sa.select(Review.id).where(Review.id.in_(recording))) if recording else {}
    return json.dumps({
        "name": wanted, "made_by": reader.full_name, "made_at": utcnow().isoformat(timespec="seconds"),
        "records": [{"reference": reviews[review_id].reference,
                     "partnership reference": reviews[review_id].partnership_reference,
                     "kind": source.kind, "which": which, "field": field, "text": text}
                    for review_id, source, which, field, text in records],
        "reviews": [{"reference": reviews[review_id].reference,
                     "review": {c.heading: _value(reviews[review_id], c.key) for c in COLUMNS},
                     "history": [dict(zip(HISTORY_HEADINGS, row, strict=True))
                                 for row in _history_rows(reviews[review_id], True, histories[review_id])]}
                    for review_id in recording],
    }, default=lambda value: value.isoformat(), ensure_ascii=False, indent=1)


def readable_review_ids(reader: User) -> sa.Select:
    """The ids of the reviews `reader` may see with real names (cases.policy.can_see_real_names as a query): those
    of the partnerships they coordinate, and those they chair."""
    partnerships = sorted(reader.partnerships_for(Role.COORDINATOR))
    chaired = sa.select(PanelMembership.review_id).where(
        PanelMembership.review_id.in_(panel_review_ids(reader)), PanelMembership.user_id == reader.id,
        PanelMembership.panel_role == PanelRole.INDEPENDENT_CHAIR)
    return sa.select(Review.id).where(sa.or_(
        Review.lead_partnership_id.in_(partnerships), Review.joint_partnership_id.in_(partnerships),
        Review.id.in_(chaired)))


def _records(visible: sa.Select, reviews: dict[int, Review], wanted: str) -> Iterator[tuple[Any, ...]]:
    """(review id, source, which record, field, text) for each text naming `wanted`."""
    for source in SOURCES:
        rows = db.session.execute(source.statement(visible).execution_options(yield_per=STREAMED))
        for review_id, which, *texts in rows:
            if review_id not in reviews:
                continue  # deny by default: a review the query let through that the rule does not
            for (field, _column), text in zip(source.fields, texts, strict=True):
                if names_person(text, wanted):
                    yield review_id, source, source.described(which), field, text
