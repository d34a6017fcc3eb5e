"""Actions on a review's panel work, and the queries other pages use.

Each action checks who may do it, writes its rows, appends a history event to the review
(history.append_event) and commits once, or changes nothing. History events never carry the
input log's text or the family's contacts: the history is shown to everyone who sees the review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, PanelMembership, PanelRole, Review
from ssgp_dhr.cases.names import RestrictedName
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.documents import services as document_services
from ssgp_dhr.documents.models import Document, DocumentType, DocumentVersion
from ssgp_dhr.extensions import db
from ssgp_dhr.panel import policy
from ssgp_dhr.panel.models import (
    OUTSTANDING,
    RETURN_REASON_MAX,
    AgencyRequest,
    FamilyContact,
    FamilyEvent,
    FamilyEventKind,
    FamilyInvolvement,
    InputEntry,
    InputKind,
    InputRevision,
    MeetingAction,
    MeetingAttendance,
    PanelMeeting,
    PublicationConsent,
    RequestKind,
    RequestStatus,
)

T = TypeVar("T")


class PanelError(Exception):
    """A refused panel action; `str()` is a sentence for the person, `field` the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotPermitted(PanelError):
    pass


def _record(review: Review, actor: User, field_name: str, to_value: str, *, from_value: str | None = None,
            payload: dict | None = None) -> None:
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field=field_name,
                 from_value=from_value, to_value=to_value, payload=payload)


def _commit(write: Callable[[], T]) -> T:
    """Run `write` and commit; on any failure roll back so nothing is half-written."""
    try:
        result = write()
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise PanelError("This case changed while you were working on it: check the page and try again") from None
    except BaseException:
        db.session.rollback()
        raise
    return result


def _require(allowed: bool, message: str = "Only a coordinator of this review's partnership can do this") -> None:
    if not allowed:
        raise NotPermitted(message)


def _membership(review: Review, membership_id: int | None, field_name: str) -> PanelMembership | None:
    if membership_id is None:
        return None
    found = next((m for m in review.panel if m.id == membership_id), None)
    if found is None:
        raise PanelError("Choose a member of this review's panel", field_name)
    return found


# --- Membership -------------------------------------------------------------------------------

def panel_candidates(review: Review) -> list[User]:
    """The people who may sit on this review's panel: panel members of its partnerships."""
    from ssgp_dhr.accounts.models import RoleAssignment, not_an_administrator

    return list(db.session.scalars(
        sa.select(User).join(RoleAssignment)
        .where(RoleAssignment.role == Role.PANEL_MEMBER, RoleAssignment.partnership_id.in_(review.partnership_ids),
               User.is_enabled.is_(True), not_an_administrator(User.id))
        .order_by(User.full_name).distinct()
    ).unique())


def add_member(review: Review, actor: User, *, user_id: int, agency_id: int, panel_role: PanelRole,
               started_on: date, ended_on: date | None = None) -> PanelMembership:
    _require(policy.can_manage_panel(actor, review))
    person = db.session.get(User, user_id)
    if person is None or person not in panel_candidates(review):
        raise PanelError("Choose a panel member of this review's partnerships", "user_id")
    if ended_on is not None and ended_on <= started_on:
        raise PanelError("The date membership ends must be after it starts", "ended_on")
    today = today_uk()
    if any(m.user_id == user_id and (m.ended_on is None or m.ended_on > today) for m in review.panel):
        raise PanelError(f"{person.full_name} is already on this panel", "user_id")

    def write() -> PanelMembership:
        membership = PanelMembership(review=review, user=person, agency_id=agency_id, panel_role=panel_role,
                                     started_on=started_on, ended_on=ended_on)
        db.session.add(membership)
        db.session.flush()
        _record(review, actor, "panel_membership", f"{person.full_name} joined as {panel_role.label.lower()}",
                payload={"membership_id": membership.id, "user_id": person.id, "agency_id": agency_id,
                         "panel_role": panel_role.value, "started_on": started_on.isoformat()})
        return membership

    return _commit(write)


def end_membership(review: Review, actor: User, membership_id: int) -> PanelMembership:
    """Remove someone from the panel: their access to the review ends at once."""
    _require(policy.can_manage_panel(actor, review))
    membership = _membership(review, membership_id, "membership")
    today = today_uk()
    if membership.ended_on is not None and membership.ended_on <= today:
        raise PanelError(f"{membership.user.full_name} has already left the panel")

    def write() -> PanelMembership:
        membership.ended_on = max(today, membership.started_on)
        _record(review, actor, "panel_membership", f"{membership.user.full_name} left the panel",
                payload={"membership_id": membership.id, "ended_on": membership.ended_on.isoformat()})
        return membership

    return _commit(write)


# --- Agency requests --------------------------------------------------------------------------

def record_request(review: Review, actor: User, *, agency_id: int, kind: RequestKind, requested_on: date,
                   due_on: date, responsible_id: int | None = None, note: str | None = None) -> AgencyRequest:
    _require(policy.can_manage_panel(actor, review))
    if due_on < requested_on:
        raise PanelError("The due date cannot be before the date of the request", "due_on")
    _membership(review, responsible_id, "responsible_id")
    exists = db.session.scalar(sa.select(AgencyRequest.id).where(
        AgencyRequest.review_id == review.id, AgencyRequest.agency_id == agency_id, AgencyRequest.kind == kind))
    if exists:
        raise PanelError(f"This agency's {kind.label} has already been requested: change that request instead", "kind")

    def write() -> AgencyRequest:
        request = AgencyRequest(review_id=review.id, agency_id=agency_id, kind=kind, requested_on=requested_on,
                                due_on=due_on, responsible_id=responsible_id, note=note)
        db.session.add(request)
        db.session.flush()
        _record(review, actor, "agency_request", f"{kind.label} requested from {request.agency.name}, due {due_on.isoformat()}",
                payload={"request_id": request.id, "kind": kind.value, "agency_id": agency_id})
        return request

    return _commit(write)


def update_request(review: Review, actor: User, request_id: int, *, status: RequestStatus, due_on: date,
                   received_on: date | None, responsible_id: int | None, note: str | None) -> AgencyRequest:
    _require(policy.can_manage_panel(actor, review))
    request = db.session.get(AgencyRequest, request_id)
    if request is None or request.review_id != review.id:
        raise PanelError("There is no such request on this review")
    if status in (RequestStatus.RECEIVED, RequestStatus.ACCEPTED) and received_on is None:
        raise PanelError("Record the date it was received", "received_on")
    if received_on is not None and received_on < request.requested_on:
        raise PanelError("The date received cannot be before the date of the request", "received_on")
    if due_on < request.requested_on:
        raise PanelError("The due date cannot be before the date of the request", "due_on")
    _membership(review, responsible_id, "responsible_id")
    before = request.status

    def write() -> AgencyRequest:
        request.status, request.due_on, request.received_on = status, due_on, received_on
        request.responsible_id, request.note = responsible_id, note
        _record(review, actor, "agency_request", f"{request.kind.label} from {request.agency.name}: {status.label.lower()}",
                from_value=before.label, payload={"request_id": request.id, "status": status.value,
                                                  "due_on": due_on.isoformat()})
        return request

    return _commit(write)


# --- What agencies deliver ----------------------------------------------------------------------

# The stages in which the panel works: its sections show then even with nothing in them yet.
PANEL_AT_WORK = frozenset({Stage.COMMISSIONED, Stage.PANEL, Stage.ON_HOLD, Stage.REVISING})
DOCUMENT_TYPES = {RequestKind.SCOPING: DocumentType.SCOPING_RESPONSE, RequestKind.IMR: DocumentType.IMR,
                  RequestKind.CHRONOLOGY: DocumentType.CHRONOLOGY}


def _request(review: Review, request_id: int) -> AgencyRequest:
    request = db.session.get(AgencyRequest, request_id)
    if request is None or request.review_id != review.id:
        raise PanelError("There is no such request on this review")
    return request


def deliver(review: Review, actor: User, request_id: int, *, stream: BinaryIO, filename: str | None) -> DocumentVersion:
    """The agency's response to a request, uploaded by its panel member: the request's document gets a new
    version (the first makes the document), the request is received today, reminders about it stop, and
    the history records it. One transaction: a refused file changes nothing."""
    request = _request(review, request_id)
    if request.status is RequestStatus.ACCEPTED:
        raise NotPermitted(f"{request.agency.name}'s {request.kind.label} has been accepted: nothing more is asked")
    permitted = policy.can_deliver(actor, review, request)
    before = request.status

    def received(version: DocumentVersion) -> None:
        request.document_id = version.document_id
        request.status, request.received_on = RequestStatus.RECEIVED, today_uk()
        _record(review, actor, "agency_request",
                f"{request.kind.label} from {request.agency.name}: version {version.number} delivered",
                from_value=before.label, payload={"request_id": request.id, "status": RequestStatus.RECEIVED.value,
                                                  "document_id": version.document_id, "version": version.number})

    try:
        return document_services.deliver(
            review, actor, request.document, document_type=DOCUMENT_TYPES[request.kind],
            title=f"{request.kind.label} – {request.agency.name}", stream=stream, filename=filename,
            permitted=permitted, then=received)
    except document_services.NotPermitted as refused:
        raise NotPermitted(str(refused)) from None
    except (document_services.FileRefused, document_services.DocumentError) as refused:
        raise PanelError(str(refused), "file") from None


def _delivered(review: Review, actor: User, request_id: int) -> AgencyRequest:
    _require(policy.can_take_delivery(actor, review),
             "Only the review's coordinators and independent chair can accept or return what an agency delivered")
    request = _request(review, request_id)
    if request.status is not RequestStatus.RECEIVED or request.document is None:
        raise PanelError(f"{request.agency.name}'s {request.kind.label} is {request.status.label.lower()}: "
                         "there is nothing delivered to accept or return")
    return request


def accept_delivery(review: Review, actor: User, request_id: int) -> AgencyRequest:
    """The version delivered is what was asked for: the request is accepted."""
    request = _delivered(review, actor, request_id)

    def write() -> AgencyRequest:
        request.status, request.return_reason = RequestStatus.ACCEPTED, None
        _record(review, actor, "agency_request",
                f"{request.kind.label} from {request.agency.name}: version {request.document.latest.number} accepted",
                from_value=RequestStatus.RECEIVED.label,
                payload={"request_id": request.id, "status": RequestStatus.ACCEPTED.value,
                         "version": request.document.latest.number})
        return request

    return _commit(write)


def return_delivery(review: Review, actor: User, request_id: int, *, missing: str,
                    due_on: date | None = None) -> AgencyRequest:
    """Return the version delivered with what is missing (read in the tracker, never e-mailed), and a new due
    date if one is given: the agency owes it again, and is reminded as the date comes and goes."""
    request = _delivered(review, actor, request_id)
    missing = (missing or "").strip()
    if not missing:
        raise PanelError("Say what is missing, so the agency knows what to add", "missing")
    if len(missing) > RETURN_REASON_MAX:
        raise PanelError(f"What is missing must be {RETURN_REASON_MAX} characters or fewer", "missing")
    if due_on is not None and due_on < today_uk():
        raise PanelError("The new due date must be today or later", "due_on")

    def write() -> AgencyRequest:
        request.status, request.return_reason = RequestStatus.RETURNED, missing
        if due_on is not None:
            request.due_on = due_on
        # What is missing stays with the request: the history, read by everyone who sees the review, says only
        # that it was returned.
        _record(review, actor, "agency_request",
                f"{request.kind.label} from {request.agency.name}: version {request.document.latest.number} "
                f"returned for more work" + (f", now due {due_on.isoformat()}" if due_on else ""),
                from_value=RequestStatus.RECEIVED.label,
                payload={"request_id": request.id, "status": RequestStatus.RETURNED.value,
                         "version": request.document.latest.number, "due_on": request.due_on.isoformat()})
        return request

    return _commit(write)


def _delivered_to_take() -> sa.Select:
    """What agencies delivered on the reviews of the partnerships bound as `partnerships`, or chaired by the
    user bound as `user_id` on the day bound as `today`: built once, it runs on every coordinator's My work."""
    today = sa.bindparam("today")
    chaired = sa.select(PanelMembership.review_id).where(
        PanelMembership.user_id == sa.bindparam("user_id"), PanelMembership.panel_role == PanelRole.INDEPENDENT_CHAIR,
        PanelMembership.started_on <= today, sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on > today))
    partnerships = sa.bindparam("partnerships", expanding=True)
    # The deliveries waiting are few, so they are looked up first, by status: said as a join condition,
    # SQLite walked every request of the partnerships' reviews (its statistics put half the table in
    # each status), a millisecond on each visit to My work with nothing to take.
    delivered = aliased(AgencyRequest)
    waiting = sa.select(delivered.id).where(delivered.status == RequestStatus.RECEIVED, delivered.document_id.is_not(None))
    return (sa.select(AgencyRequest).join(Review, Review.id == AgencyRequest.review_id)
            .where(AgencyRequest.id.in_(waiting),
                   sa.or_(Review.lead_partnership_id.in_(partnerships), Review.joint_partnership_id.in_(partnerships),
                          Review.id.in_(chaired)))
            # The review (its own columns) and the agency are what the list shows and the check reads; each
            # further entity joined (the partnerships, the responsible member with their user) cost CPU on
            # every visit, with or without a delivery to take.
            .options(joinedload(AgencyRequest.review).lazyload("*"), lazyload(AgencyRequest.responsible))
            .order_by(AgencyRequest.received_on, AgencyRequest.id))


_DELIVERED_TO_TAKE = _delivered_to_take()


def deliveries_to_take(user: User) -> list[AgencyRequest]:
    """What agencies delivered that `user` may accept or return: on reviews they coordinate or chair."""
    found = db.session.scalars(_DELIVERED_TO_TAKE, {
        "today": today_uk(), "user_id": user.id,
        "partnerships": sorted(user.partnerships_for(Role.COORDINATOR) | user.partnerships_for(Role.MANAGER))}).unique()
    return [r for r in found if policy.can_take_delivery(user, r.review)]


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(AgencyRequest.status.in_(OUTSTANDING), AgencyRequest.due_on < today)


def overdue_agency_requests(reviews_clause: sa.ColumnElement[bool], today: date | None = None) -> list[AgencyRequest]:
    """Overdue requests on the reviews `reviews_clause` selects (e.g. policy.visible_reviews_clause(user))."""
    today = today or today_uk()
    return list(db.session.scalars(
        sa.select(AgencyRequest).join(Review, Review.id == AgencyRequest.review_id)
        .where(reviews_clause, overdue_clause(today)).order_by(AgencyRequest.due_on)
    ).unique())


def overdue_counts(reviews_clause: sa.ColumnElement[bool], today: date | None = None) -> dict[int, int]:
    """How many agency requests are overdue on each review `reviews_clause` selects, in one query."""
    today = today or today_uk()
    return dict(db.session.execute(
        sa.select(AgencyRequest.review_id, sa.func.count()).join(Review, Review.id == AgencyRequest.review_id)
        .where(reviews_clause, overdue_clause(today)).group_by(AgencyRequest.review_id)
    ).all())


def open_requests_for(user: User) -> list[AgencyRequest]:
    """What is asked of `user`: the outstanding requests on panels they sit on that they are responsible
    for, or, where nobody is named, that ask their agency (the reminders go to the same people)."""
    today = today_uk()
    seat = sa.and_(PanelMembership.review_id == AgencyRequest.review_id, PanelMembership.user_id == user.id,
                   PanelMembership.started_on <= today,
                   sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on > today))
    theirs = sa.or_(AgencyRequest.responsible_id == PanelMembership.id,
                    sa.and_(AgencyRequest.responsible_id.is_(None), AgencyRequest.agency_id == PanelMembership.agency_id))
    return list(db.session.scalars(
        sa.select(AgencyRequest).join(PanelMembership, seat)
        .where(theirs, AgencyRequest.status.in_(OUTSTANDING))
        .options(joinedload(AgencyRequest.review)).order_by(AgencyRequest.due_on, AgencyRequest.id)
    ).unique())


# --- Meetings ---------------------------------------------------------------------------------

def _attendance(review: Review, attendee_ids: Iterable[int], apology_ids: Iterable[int]) -> list[MeetingAttendance]:
    attendees, apologies = set(attendee_ids), set(apology_ids)
    if attendees & apologies:
        raise PanelError("Someone cannot both attend and send apologies", "apology_ids")
    for member_id in attendees | apologies:
        _membership(review, member_id, "attendee_ids")
    return [MeetingAttendance(membership_id=i, attended=True) for i in sorted(attendees)] + \
        [MeetingAttendance(membership_id=i, attended=False) for i in sorted(apologies)]


def record_meeting(review: Review, actor: User, *, held_on: date, agenda: str, minutes: str | None,
                   attendee_ids: Iterable[int] = (), apology_ids: Iterable[int] = ()) -> PanelMeeting:
    _require(policy.can_manage_panel(actor, review))
    attendance = _attendance(review, attendee_ids, apology_ids)

    def write() -> PanelMeeting:
        meeting = PanelMeeting(review_id=review.id, held_on=held_on, agenda=agenda, minutes=minutes,
                               attendance=attendance)
        db.session.add(meeting)
        db.session.flush()
        _record(review, actor, "panel_meeting", f"Panel meeting of {held_on.isoformat()} recorded",
                payload={"meeting_id": meeting.id})
        return meeting

    return _commit(write)


def _meeting(review: Review, meeting_id: int) -> PanelMeeting:
    meeting = db.session.get(PanelMeeting, meeting_id)
    if meeting is None or meeting.review_id != review.id:
        raise PanelError("There is no such meeting on this review")
    return meeting


def update_meeting(review: Review, actor: User, meeting_id: int, *, held_on: date, agenda: str, minutes: str | None,
                   attendee_ids: Iterable[int] = (), apology_ids: Iterable[int] = ()) -> PanelMeeting:
    _require(policy.can_manage_panel(actor, review))
    meeting = _meeting(review, meeting_id)
    attendance = _attendance(review, attendee_ids, apology_ids)

    def write() -> PanelMeeting:
        meeting.held_on, meeting.agenda, meeting.minutes = held_on, agenda, minutes
        meeting.attendance.clear()
        db.session.flush()
        meeting.attendance.extend(attendance)
        _record(review, actor, "panel_meeting", f"Panel meeting of {held_on.isoformat()} changed",
                payload={"meeting_id": meeting.id})
        return meeting

    return _commit(write)


def add_meeting_action(review: Review, actor: User, meeting_id: int, *, description: str, owner_id: int,
                       due_on: date) -> MeetingAction:
    _require(policy.can_manage_panel(actor, review))
    meeting = _meeting(review, meeting_id)
    owner = _membership(review, owner_id, "owner_id")

    def write() -> MeetingAction:
        action = MeetingAction(meeting=meeting, description=description, owner=owner, due_on=due_on)
        db.session.add(action)
        db.session.flush()
        _record(review, actor, "panel_meeting", f"Action for {owner.user.full_name}, due {due_on.isoformat()}",
                payload={"meeting_id": meeting.id, "action_id": action.id})
        return action

    return _commit(write)


# --- The input log ----------------------------------------------------------------------------

DRAFT_TYPES = (DocumentType.DRAFT_OVERVIEW_REPORT, DocumentType.OVERVIEW_REPORT, DocumentType.EXECUTIVE_SUMMARY)


def draft_versions(review: Review) -> list[DocumentVersion]:
    """The versions of the review's draft and final reports a comment can be about, newest first."""
    return list(db.session.scalars(
        sa.select(DocumentVersion).join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.review_id == review.id, Document.document_type.in_(DRAFT_TYPES))
        .order_by(DocumentVersion.uploaded_at.desc(), DocumentVersion.id.desc())))


def post_input(review: Review, actor: User, *, kind: InputKind, text: str,
               document_version_id: int | None = None) -> InputEntry:
    """Post to the input log; a comment on a draft names the version of the draft that was read."""
    _require(policy.can_post_input(actor, review), "Only this review's panel and coordinators can post to its input log")
    if not text.strip():
        raise PanelError("Enter your contribution", "text")
    version = None
    drafts = draft_versions(review) if kind is InputKind.DRAFT_COMMENT or document_version_id else []
    if document_version_id is not None or drafts:
        # Once a draft is held here, a comment on it says which version was read (before, a draft
        # shared on paper is commented on without one).
        version = next((v for v in drafts if v.id == document_version_id), None)
        if version is None or kind is not InputKind.DRAFT_COMMENT:
            raise PanelError("Choose the version of the draft you read" if kind is InputKind.DRAFT_COMMENT else
                             "Only a comment on a draft names a version of it", "document_version_id")

    def write() -> InputEntry:
        entry = InputEntry(review_id=review.id, author_id=actor.id, kind=kind, text=text.strip(), posted_at=utcnow(),
                           document_version_id=version.id if version else None)
        db.session.add(entry)
        db.session.flush()
        _record(review, actor, "input_log", f"{kind.label} posted" + (
            f" on version {version.number} of “{version.document.title}”" if version else ""),
                payload={"entry_id": entry.id, **({"document_version_id": version.id} if version else {})})
        return entry

    return _commit(write)


def _entry(review: Review, entry_id: int) -> InputEntry:
    entry = db.session.get(InputEntry, entry_id)
    if entry is None or entry.review_id != review.id:
        raise PanelError("There is no such entry on this review")
    return entry


def edit_input(review: Review, actor: User, entry_id: int, *, text: str) -> InputEntry:
    """Change an entry's wording; the earlier wording is kept as a revision."""
    entry = _entry(review, entry_id)
    _require(policy.can_edit_input(actor, review, entry.author_id), "Only the author can edit an entry")
    if entry.is_retracted:
        raise PanelError("A retracted entry cannot be edited", "text")
    text = text.strip()
    if not text:
        raise PanelError("Enter your contribution", "text")
    if text == entry.text:
        return entry

    def write() -> InputEntry:
        now = utcnow()
        entry.revisions.append(InputRevision(text=entry.text, written_at=entry.edited_at or entry.posted_at, replaced_at=now))
        entry.text, entry.edited_at = text, now
        _record(review, actor, "input_log", f"{entry.kind.label} edited", payload={"entry_id": entry.id})
        return entry

    return _commit(write)


def retract_input(review: Review, actor: User, entry_id: int, *, reason: str) -> InputEntry:
    """Withdraw an entry: its text is hidden from view but kept, with who retracted it and why."""
    entry = _entry(review, entry_id)
    _require(policy.can_retract_input(actor, review, entry.author_id),
             "Only the author or a coordinator can retract an entry")
    if entry.is_retracted:
        raise PanelError("This entry has already been retracted", "reason")
    if not reason.strip():
        raise PanelError("Give the reason for retracting the entry", "reason")

    def write() -> InputEntry:
        entry.retracted_at, entry.retracted_by_id, entry.retraction_reason = utcnow(), actor.id, reason.strip()
        _record(review, actor, "input_log", f"{entry.kind.label} retracted", payload={"entry_id": entry.id})
        return entry

    return _commit(write)


# --- Family involvement -----------------------------------------------------------------------

FAMILY_FIELDS = ("advocate_name", "advocate_organisation", "pseudonym_agreed_on", "draft_shared_on",
                 "draft_not_shared_reason", "comments_received", "publication_consent", "consent_recorded_on")


def family_of(review: Review) -> FamilyInvolvement | None:
    return db.session.scalar(sa.select(FamilyInvolvement).where(FamilyInvolvement.review_id == review.id))


def update_family(review: Review, actor: User, **changes: Any) -> FamilyInvolvement:
    _require(policy.can_manage_panel(actor, review))
    unexpected = set(changes) - set(FAMILY_FIELDS)
    if unexpected:
        raise PanelError(f"These cannot be recorded here: {', '.join(sorted(unexpected))}")
    today = today_uk()
    for name in ("pseudonym_agreed_on", "draft_shared_on", "consent_recorded_on"):
        if changes.get(name) and changes[name] > today:
            raise PanelError("The date must be today or in the past", name)
    consent = changes.get("publication_consent")
    if consent and consent is not PublicationConsent.NOT_ASKED and not changes.get("consent_recorded_on"):
        raise PanelError("Record the date the family gave their answer on publication", "consent_recorded_on")
    family = family_of(review)

    def write() -> FamilyInvolvement:
        record = family or FamilyInvolvement(review_id=review.id)
        changed = sorted(name for name, value in changes.items() if getattr(record, name) != value)
        for name, value in changes.items():
            setattr(record, name, value)
        db.session.add(record)
        if changed:
            # Names the fields changed, never their values: the advocate's name is not for every reader.
            _record(review, actor, "family_involvement", ", ".join(n.replace("_", " ") for n in changed) + " recorded")
        return record

    return _commit(write)


def add_family_contact(review: Review, actor: User, *, name: str, relationship_to_victim: str,
                       contact_details: str | None) -> FamilyContact:
    _require(policy.can_manage_panel(actor, review))

    def write() -> FamilyContact:
        contact = FamilyContact(review_id=review.id, name=name, relationship_to_victim=relationship_to_victim,
                                contact_details=contact_details)
        db.session.add(contact)
        _record(review, actor, "family_contact", "A family contact was added")
        return contact

    return _commit(write)


def add_family_event(review: Review, actor: User, *, kind: FamilyEventKind, occurred_on: date,
                     summary: str | None) -> FamilyEvent:
    _require(policy.can_manage_panel(actor, review))
    if occurred_on > today_uk():
        raise PanelError("The date must be today or in the past", "occurred_on")

    def write() -> FamilyEvent:
        event = FamilyEvent(review_id=review.id, kind=kind, occurred_on=occurred_on, summary=summary)
        db.session.add(event)
        _record(review, actor, "family_involvement", f"{kind.label} with the family on {occurred_on.isoformat()}")
        return event

    return _commit(write)


# --- What the case page shows -----------------------------------------------------------------

@dataclass
class PanelWork:
    """The panel sections of one review as `viewer` may see them (empty lists for what they may not)."""

    review: Review
    today: date
    sees_work: bool
    sees_summary: bool
    manages: bool
    posts: bool
    sees_family: bool
    sees_contacts: bool
    members: list[PanelMembership] = field(default_factory=list)
    requests: list[AgencyRequest] = field(default_factory=list)
    meetings: list[PanelMeeting] = field(default_factory=list)
    entries: list[InputEntry] = field(default_factory=list)
    family: FamilyInvolvement | None = None
    contacts: list[FamilyContact] = field(default_factory=list)
    family_events: list[FamilyEvent] = field(default_factory=list)
    in_progress: bool = False  # the panel is at work (its sections show even while empty)
    takes_delivery: bool = False  # accepts or returns what agencies deliver
    deliverable: set[int] = field(default_factory=set)  # the requests the viewer may deliver against
    overdue_count: int = 0
    meetings_held: int = 0
    request_count: int = 0
    member_count: int = 0

    @property
    def active_members(self) -> list[PanelMembership]:
        return [m for m in self.members if m.is_active_on(self.today)]

    @property
    def former_members(self) -> list[PanelMembership]:
        return [m for m in self.members if not m.is_active_on(self.today)]


def panel_work(review: Review, viewer: User) -> PanelWork:
    """Load what `viewer` may see of the review's panel work, in a fixed number of queries."""
    today = today_uk()
    work = PanelWork(
        review=review, today=today, sees_work=policy.can_see_panel_work(viewer, review),
        sees_summary=policy.can_see_panel_summary(viewer, review), manages=policy.can_manage_panel(viewer, review),
        posts=policy.can_post_input(viewer, review), sees_family=policy.can_see_family(viewer, review),
        sees_contacts=policy.can_see_family_contacts(viewer, review),
        in_progress=review.status in PANEL_AT_WORK,
    )
    if not work.sees_summary:
        return work
    requests = list(db.session.scalars(
        sa.select(AgencyRequest).where(AgencyRequest.review_id == review.id)
        .order_by(AgencyRequest.due_on, AgencyRequest.id)).unique())
    meetings = list(db.session.scalars(
        sa.select(PanelMeeting).where(PanelMeeting.review_id == review.id).order_by(PanelMeeting.held_on.desc())))
    work.request_count = len(requests)
    work.overdue_count = sum(1 for r in requests if r.is_overdue(today))
    work.meetings_held = sum(1 for m in meetings if m.held_on <= today)
    work.member_count = sum(1 for m in review.panel if m.is_active_on(today))
    if work.sees_work:
        work.members = sorted(review.panel, key=lambda m: (m.panel_role.value != "independent_chair", m.started_on, m.id))
        work.requests, work.meetings = requests, meetings
        work.takes_delivery = policy.can_take_delivery(viewer, review)
        work.deliverable = {r.id for r in requests if policy.can_deliver(viewer, review, r)}
        work.entries = list(db.session.scalars(
            sa.select(InputEntry).where(InputEntry.review_id == review.id).order_by(InputEntry.posted_at.desc())
            .options(selectinload(InputEntry.revisions))).unique())
    if work.sees_family:
        work.family = family_of(review)
        work.family_events = list(db.session.scalars(
            sa.select(FamilyEvent).where(FamilyEvent.review_id == review.id).order_by(FamilyEvent.occurred_on)))
        # Loaded for everyone who sees the section: the count shows, the content only for those allowed.
        work.contacts = list(db.session.scalars(
            sa.select(FamilyContact).where(FamilyContact.review_id == review.id).order_by(FamilyContact.id)))
    return work


# --- The family's names, for every check and masking of real names -----------------------------

def family_contact_names(review: Review) -> list[RestrictedName]:
    """Each family contact recorded on the review, as a restricted name (cases.names)."""
    return family_contact_names_of([review])[review.id]


def family_contact_names_of(reviews: Iterable[Review]) -> dict[int, list[RestrictedName]]:
    """family_contact_names for many reviews, in one query."""
    found: dict[int, list[RestrictedName]] = {review.id: [] for review in reviews}
    if found:
        for contact in db.session.scalars(sa.select(FamilyContact).where(FamilyContact.review_id.in_(list(found)))
                                          .order_by(FamilyContact.id)):
            found[contact.review_id].append(RestrictedName(
                f"family_contact:{contact.id}", f"Family contact ({contact.relationship_to_victim.lower()})",
                contact.name))
    return found
