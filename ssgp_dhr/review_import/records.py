"""A partnership's export beyond its reviews and history: a sheet per kind of record the reviews hold (the
panel's work and input log, the family's involvement, the action plans, the costs), each row led by the review's references.

Each kind is read for all the exported reviews in one statement, whatever their number. What a reader may
not see on the review's pages stays out here too: free text is masked for those who may not see real names
(as the reviews sheet is), a restricted field (a family contact's name) is withheld, and the panel's own
work, which its pages give only to the coordinators and the panel, is withheld from a manager following it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from ssgp_dhr.accounts.models import User
from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation
from ssgp_dhr.cases.models import PanelMembership, Review
from ssgp_dhr.cases.names import masked_for
from ssgp_dhr.cases.policy import can_see_real_names
from ssgp_dhr.costs.models import CostRecharge, CostShare, CostSharing, ReviewCost
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.panel import policy as panel_policy
from ssgp_dhr.panel.models import (
    AgencyRequest,
    FamilyContact,
    FamilyEvent,
    FamilyInvolvement,
    InputEntry,
    MeetingAction,
    PanelMeeting,
)

REFERENCES = ("Reference", "Partnership reference")
WITHHELD = "Withheld: you may not see real names"
WITHHELD_PANEL = "Withheld: the panel's work is for its coordinators and the panel"

Row = tuple[int, list[Any]]  # the review's id, and the row's values after the references


@dataclass(frozen=True)
class RecordSheet:
    name: str
    headings: tuple[str, ...]
    rows: Callable[[sa.Select], Iterable[Row]]  # the rows of the reviews whose ids the select gives, in order
    # Headings holding a real name: withheld from a reader who may not see real names.
    restricted: frozenset[str] = frozenset()
    # Headings only those who see the panel's work may read (the rest of the row is status and dates).
    panel_only: frozenset[str] = frozenset()


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment else None  # the headings say UTC; a workbook holds no zone


def _in(column: Any, review_ids: sa.Select) -> sa.ColumnElement[bool]:
    return column.in_(review_ids.scalar_subquery())


def _panel_members(review_ids: sa.Select) -> Iterable[Row]:
    for seat in db.session.scalars(sa.select(PanelMembership).where(_in(PanelMembership.review_id, review_ids))
                                   .order_by(PanelMembership.started_on, PanelMembership.id)):
        yield seat.review_id, [seat.user.full_name, seat.agency.name, seat.panel_role.label, seat.started_on,
                               seat.ended_on]


def _meetings(review_ids: sa.Select) -> Iterable[Row]:
    for meeting in db.session.scalars(sa.select(PanelMeeting).where(_in(PanelMeeting.review_id, review_ids))
                                      .order_by(PanelMeeting.held_on, PanelMeeting.id)):
        yield meeting.review_id, [meeting.held_on, meeting.agenda, meeting.minutes,
                                  "; ".join(m.user.full_name for m in meeting.attendees) or None,
                                  "; ".join(m.user.full_name for m in meeting.apologies) or None]


def _meeting_actions(review_ids: sa.Select) -> Iterable[Row]:
    for action, review_id, held_on in db.session.execute(
            sa.select(MeetingAction, PanelMeeting.review_id, PanelMeeting.held_on).join(MeetingAction.meeting)
            .where(_in(PanelMeeting.review_id, review_ids)).order_by(PanelMeeting.held_on, MeetingAction.id)):
        yield review_id, [held_on, action.description, action.owner.user.full_name, action.due_on, action.done_on]


def _agency_requests(review_ids: sa.Select) -> Iterable[Row]:
    for request in db.session.scalars(sa.select(AgencyRequest).where(_in(AgencyRequest.review_id, review_ids))
                                      .options(selectinload(AgencyRequest.document))
                                      .order_by(AgencyRequest.requested_on, AgencyRequest.id)):
        yield request.review_id, [
            request.agency.name, request.kind.label, request.status.label, request.requested_on, request.due_on,
            request.received_on, request.responsible.user.full_name if request.responsible else None, request.note,
            request.return_reason, request.document.title if request.document else None]


def _input_log(review_ids: sa.Select) -> Iterable[Row]:
    for entry in db.session.scalars(sa.select(InputEntry).where(_in(InputEntry.review_id, review_ids))
                                    .order_by(InputEntry.posted_at, InputEntry.id)):
        yield entry.review_id, [_utc(entry.posted_at), entry.kind.label, entry.author.full_name, entry.text,
                                _utc(entry.edited_at), _utc(entry.retracted_at),
                                entry.retracted_by.full_name if entry.retracted_by else None, entry.retraction_reason]


def _family(review_ids: sa.Select) -> Iterable[Row]:
    for family in db.session.scalars(sa.select(FamilyInvolvement).where(_in(FamilyInvolvement.review_id, review_ids))
                                     .order_by(FamilyInvolvement.id)):
        yield family.review_id, [family.advocate_name, family.advocate_organisation, family.pseudonym_agreed_on,
                                 family.draft_shared_on, family.draft_not_shared_reason, family.comments_received,
                                 family.publication_consent.label, family.consent_recorded_on]


def _family_contacts(review_ids: sa.Select) -> Iterable[Row]:
    for contact in db.session.scalars(sa.select(FamilyContact).where(_in(FamilyContact.review_id, review_ids))
                                      .order_by(FamilyContact.id)):
        yield contact.review_id, [contact.name, contact.relationship_to_victim, contact.contact_details,
                                  _utc(contact.added_at)]


def _family_events(review_ids: sa.Select) -> Iterable[Row]:
    for event in db.session.scalars(sa.select(FamilyEvent).where(_in(FamilyEvent.review_id, review_ids))
                                    .order_by(FamilyEvent.occurred_on, FamilyEvent.id)):
        yield event.review_id, [event.kind.label, event.occurred_on, event.summary]


def _recommendations(review_ids: sa.Select) -> Iterable[Row]:
    for item in db.session.scalars(sa.select(Recommendation).where(_in(Recommendation.review_id, review_ids))
                                   .order_by(Recommendation.id)):
        yield item.review_id, [item.reference, item.text, item.level.label, item.owning_agency.name, item.actions,
                               item.target_on, item.original_target_on, item.evidence, item.completion_proposed_on,
                               item.completed_on]


def _progress(review_ids: sa.Select) -> Iterable[Row]:
    for update, review_id, reference in db.session.execute(
            sa.select(ProgressUpdate, Recommendation.review_id, Recommendation.reference)
            .join(ProgressUpdate.recommendation).where(_in(Recommendation.review_id, review_ids))
            .order_by(Recommendation.id, ProgressUpdate.posted_at, ProgressUpdate.id)):
        yield review_id, [reference, _utc(update.posted_at), update.author.full_name, update.text]


def _costs(review_ids: sa.Select) -> Iterable[Row]:
    for cost in db.session.scalars(sa.select(ReviewCost).where(_in(ReviewCost.review_id, review_ids))
                                   .order_by(ReviewCost.incurred_on, ReviewCost.id)):
        yield cost.review_id, [cost.incurred_on, cost.kind.label, cost.description, cost.amount_pence,
                               cost.funder.name, _utc(cost.recorded_at)]


def _recharges(review_ids: sa.Select) -> Iterable[Row]:
    for recharge in db.session.scalars(sa.select(CostRecharge).where(_in(CostRecharge.review_id, review_ids))
                                       .order_by(CostRecharge.paid_on, CostRecharge.id)):
        yield recharge.review_id, [recharge.paid_on, recharge.payer.name, recharge.payee.name, recharge.amount_pence,
                                   recharge.reference]


def _cost_shares(review_ids: sa.Select) -> Iterable[Row]:
    funder = aliased(Organisation)
    for sharing, share, name in db.session.execute(
            sa.select(CostSharing, CostShare, funder.name).join(CostShare, CostShare.sharing_id == CostSharing.id)
            .join(funder, funder.id == CostShare.organisation_id).where(_in(CostSharing.review_id, review_ids))
            .order_by(CostSharing.id, CostShare.basis_points.desc(), CostShare.id)):
        yield sharing.review_id, [sharing.agreed_on, name, share.basis_points / 100, sharing.note]


SHEETS: tuple[RecordSheet, ...] = (
    RecordSheet("Panel members", ("Name", "Agency", "Role", "Started", "Ended"), _panel_members,
                panel_only=frozenset({"Name"})),
    RecordSheet("Panel meetings", ("Held on", "Agenda", "Minutes", "Present", "Apologies"), _meetings,
                panel_only=frozenset({"Agenda", "Minutes", "Present", "Apologies"})),
    RecordSheet("Meeting actions", ("Meeting held on", "Action", "Owner", "Due", "Done"), _meeting_actions,
                panel_only=frozenset({"Action", "Owner"})),
    RecordSheet("Agency requests", ("Agency", "Asked for", "Status", "Requested on", "Due on", "Received on",
                                    "Responsible", "Note", "What is missing", "Document delivered"),
                _agency_requests,
                panel_only=frozenset({"Responsible", "Note", "What is missing", "Document delivered"})),
    RecordSheet("Input log", ("Posted (UTC)", "Kind", "By", "Text", "Edited (UTC)", "Retracted (UTC)",
                              "Retracted by", "Why retracted"), _input_log,
                panel_only=frozenset({"By", "Text", "Retracted by", "Why retracted"})),
    RecordSheet("Family involvement", ("Advocate", "Advocate's organisation", "Pseudonym agreed on",
                                       "Draft shared on", "Why the draft was not shared", "Comments received",
                                       "Consent to publication", "Consent recorded on"), _family,
                panel_only=frozenset({"Advocate", "Advocate's organisation", "Why the draft was not shared",
                                      "Comments received"})),
    RecordSheet("Family contacts", ("Name", "Relationship", "Contact details", "Added (UTC)"), _family_contacts,
                restricted=frozenset({"Name", "Relationship", "Contact details"})),
    RecordSheet("Family contact events", ("Kind", "On", "Summary"), _family_events,
                panel_only=frozenset({"Summary"})),
    RecordSheet("Recommendations", ("Recommendation", "Text", "Level", "Owning agency", "Actions", "Target",
                                    "Target first agreed", "Evidence", "Completion proposed on", "Completed on"),
                _recommendations),
    RecordSheet("Progress updates", ("Recommendation", "Posted (UTC)", "By", "Progress"), _progress),
    RecordSheet("Costs", ("Incurred on", "Kind", "Description", "Amount (pence)", "Paid by", "Recorded (UTC)"),
                _costs),
    RecordSheet("Recharges", ("Paid on", "From", "To", "Amount (pence)", "Payment reference"), _recharges),
    RecordSheet("Cost shares", ("Agreed on", "Organisation", "Share (%)", "Note"), _cost_shares),
)


def record_sheets(reviews: list[Review], review_ids: sa.Select, reader: User) -> dict[str, list[list[Any]]]:
    """The SHEETS for `reviews` (whose ids `review_ids` selects), as `reader` may read them: headings first,
    then the rows in the reviews' order."""
    by_id = {review.id: review for review in reviews}
    order = {review.id: n for n, review in enumerate(reviews)}
    names = {review.id: can_see_real_names(reader, review) for review in reviews}
    panel = {review.id: panel_policy.can_see_panel_work(reader, review) for review in reviews}
    sheets = {}
    for sheet in SHEETS:
        rows = sorted((row for row in sheet.rows(review_ids) if row[0] in by_id), key=lambda row: order[row[0]])
        sheets[sheet.name] = [[*REFERENCES, *sheet.headings], *(
            [by_id[review_id].reference, by_id[review_id].partnership_reference,
             *(_shown(reader, by_id[review_id], heading, value, sheet, names[review_id], panel[review_id])
               for heading, value in zip(sheet.headings, values, strict=True))]
            for review_id, values in rows)]
    return sheets


def _shown(reader: User, review: Review, heading: str, value: Any, sheet: RecordSheet, names: bool,
           panel: bool) -> Any:
    """What `reader` may read of a cell: as the export's reviews sheet, a restricted field withheld and any
    text with a real name in it masked; and the panel's own work withheld from one who follows the review."""
    if value is None:
        return None
    if heading in sheet.restricted and not names:
        return WITHHELD
    if heading in sheet.panel_only and not panel:
        return WITHHELD_PANEL
    if names or not isinstance(value, str):
        return value
    return masked_for(None, review, value)  # masked, without asking again for every cell whether they may see names
