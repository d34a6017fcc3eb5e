"""Keeping a review's case file for the partnership's retention period, and destroying its personal content
once the period has passed.

A closed review (or one the partnership decided not to hold) is kept CASE_FILE_RETENTION_YEARS from the
day it closed or the decision was made, or longer where someone records why (a claim, an inquiry, a
request from the family). Once that date has passed, a manager of the lead partnership may dispose of
the case file. Disposal destroys what identifies or describes the people the review concerns and keeps
the public record and the facts the partnership reports on:

- destroyed: the real names, date of birth, address and circumstances; the family's involvement and
  contacts; the panel's input log; meeting agendas, minutes and actions; every document not published
  and every unpublished version of one that was; the free text of holds, delay reports, Home Office
  responses, consideration panels, Home Office rounds and agency requests; the history, whose entries
  quote all of these; reminders still waiting to be sent;
- kept: the reference, pseudonym, partnerships, stages and their dates, the victim's age (published with
  the report), the decision's reasons (a decision of the partnership), the panel's membership, the
  agencies asked and when, the publication and what was published, the action plan, and the costs.

The history starts again with one entry recording the disposal: how many entries were destroyed and the
hash of the newest, so the old chain's end stays provable without its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import (
    CaseEvent,
    ConsiderationPanel,
    DecisionResponse,
    DelayNotice,
    EventKind,
    QARound,
    Review,
    ReviewHold,
)
from ssgp_dhr.cases.policy import coordinated_or_managed_reviews, coordinates_or_manages
from ssgp_dhr.cases.services import (
    InvalidChange,
    NotAllowedNow,
    NotPermitted,
    StaleReview,
    changes_since,
    commit_once,
    lock_for_write,
)
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents import storage
from ssgp_dhr.documents.models import Document, DocumentVersion
from ssgp_dhr.extensions import db
from ssgp_dhr.panel.models import (
    AgencyRequest,
    FamilyContact,
    FamilyEvent,
    FamilyInvolvement,
    InputEntry,
    InputRevision,
    MeetingAction,
    PanelMeeting,
)
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.reminders.models import OutboxMessage, Reminder

# The stages a review's case file is kept from, and the date each counts from.
KEPT_FROM = {Stage.CLOSED: ("closed_on", "the review closed"),
             Stage.NOT_COMMISSIONED: ("decision_on", "the decision not to hold a review")}
DISPOSAL_FIELD = "case_file_disposed"
EXTENSION_FIELD = "retention_extended_until"
# What a destroyed text that must have a value reads as afterwards.
DESTROYED = "Destroyed with the case file"
DUE_SOON_DAYS = 365


def retention_years() -> int | None:
    return current_app.config.get("CASE_FILE_RETENTION_YEARS")


def years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Retention:
    """How long a review's case file is kept, and why until then."""

    kept_until: date
    counted_from: date
    years: int
    what_happened: str  # "the review closed"
    extended_until: date | None

    @property
    def period_ends(self) -> date:
        return years_after(self.counted_from, self.years)

    @property
    def extended(self) -> bool:
        return self.extended_until is not None and self.extended_until > self.period_ends

    @property
    def basis(self) -> str:
        """The rule in words: '6 years after the review closed on 3 May 2020'."""
        period = f"{self.years} year{'' if self.years == 1 else 's'} after {self.what_happened} on {uk_date(self.counted_from)}"
        return f"{period}, kept longer until {uk_date(self.extended_until)}" if self.extended else period

    def is_due(self, today: date) -> bool:
        return today >= self.kept_until


def retention_of(review: Review | Any, years: int | None = None) -> Retention | None:
    """How long the review's case file is kept: None while the review is open, or when no period is set.

    Takes a Review or a row with the same attributes (status, closed_on, decision_on, retention_extended_until).
    """
    years = retention_years() if years is None else years
    kept_from = KEPT_FROM.get(review.status)
    if not years or kept_from is None:
        return None
    field, what_happened = kept_from
    counted_from = getattr(review, field)
    if counted_from is None:
        return None
    period_ends = years_after(counted_from, years)
    extended = review.retention_extended_until
    return Retention(kept_until=max(period_ends, extended) if extended else period_ends, counted_from=counted_from,
                     years=years, what_happened=what_happened, extended_until=extended)


# --- Who may ----------------------------------------------------------------------------------

def may_keep_longer(user: User | None, review: Review) -> bool:
    """The coordinators and managers of the review's partnerships: whoever learns of a reason to keep it."""
    return (user is not None and user.is_enabled and review.disposed_on is None
            and review.status in KEPT_FROM and coordinates_or_manages(user, review))


def may_dispose(user: User | None, review: Review) -> bool:
    """Managers of the lead partnership, whose record it is: destroying it is their decision."""
    return (user is not None and user.is_enabled and review.disposed_on is None and review.status in KEPT_FROM
            and (Role.MANAGER, review.lead_partnership_id) in user.grants)


def _retention_to_act_on(review: Review, expected_version: int, *, allowed: bool, refusal: str) -> Retention:
    """The review's retention, once the actor may act on it (else NotPermitted, saying `refusal`) over the
    version they saw (else StaleReview), and a period is set (else NotAllowedNow)."""
    if not allowed:
        raise NotPermitted(refusal)
    if review.version != expected_version:
        raise StaleReview(review, changes_since(review, expected_version))
    retention = retention_of(review)
    if retention is None:
        raise NotAllowedNow("No retention period is set, so case files are kept until one is")
    return retention


# --- Keeping it longer ------------------------------------------------------------------------

def keep_longer(review: Review, actor: User, expected_version: int, *, until: date | None, reason: str | None,
                today: date | None = None) -> CaseEvent:
    """Keep the case file until `until`, later than it would be kept, for `reason` (in the history)."""
    retention = _retention_to_act_on(
        review, expected_version, allowed=may_keep_longer(actor, review),
        refusal="Only a coordinator or manager of this review's partnership can keep its case file longer")
    reason = (reason or "").strip()
    problems = []
    if until is None:
        problems.append(("until", "Enter the date to keep the case file until"))
    elif until <= retention.kept_until:
        problems.append(("until", f"The date must be after {uk_date(retention.kept_until)}, "
                                  "when the case file would be kept until anyway"))
    elif until <= (today or today_uk()):
        problems.append(("until", "The date must be in the future"))
    if not reason:
        problems.append(("reason", "Enter why the case file must be kept longer"))
    if problems:
        raise InvalidChange(problems)
    event = append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field=EXTENSION_FIELD,
                         from_value=retention.kept_until, to_value=until, reason=reason)
    review.retention_extended_until = until
    commit_once(review, expected_version)
    return event


# --- Disposal ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inventory:
    """What disposing of a review's case file destroys, counted."""

    history_entries: int
    documents: int  # documents never published, each with all its versions
    unpublished_versions: int  # earlier or later versions of published documents
    input_entries: int
    meetings: int  # meetings whose agenda, minutes and actions go (the date and attendance stay)
    family_contacts: int
    reminders: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def _unpublished_versions(review: Review) -> sa.Select:
    """The versions disposal deletes: all of an unpublished document's, and all but the published one."""
    return (sa.select(DocumentVersion.id, DocumentVersion.stored_name, Document.id.label("document_id"),
                      Document.published_version.label("published_version"))
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(Document.review_id == review.id,
                   sa.or_(Document.published_version.is_(None), DocumentVersion.number != Document.published_version)))


def disposal_inventory(review: Review) -> Inventory:
    versions = db.session.execute(_unpublished_versions(review)).all()
    return Inventory(
        history_entries=review.event_count,
        documents=len({v.document_id for v in versions if v.published_version is None}),
        unpublished_versions=sum(1 for v in versions if v.published_version is not None),
        input_entries=_count(InputEntry, InputEntry.review_id == review.id),
        meetings=_count(PanelMeeting, PanelMeeting.review_id == review.id),
        family_contacts=_count(FamilyContact, FamilyContact.review_id == review.id),
        reminders=_count(Reminder, Reminder.review_id == review.id),
    )


def dispose_of_case_file(review: Review, actor: User, expected_version: int, *,
                         today: date | None = None) -> Inventory:
    """Destroy the personal content of `review`'s case file (see the module's docstring), in one transaction.

    The stored files of the deleted document versions are removed once the transaction has committed:
    a failure before then leaves every row and every file as it was.
    """
    today = today or today_uk()
    retention = _retention_to_act_on(
        review, expected_version, allowed=may_dispose(actor, review),
        refusal="Only a manager of the lead partnership can dispose of this review's case file")
    if not retention.is_due(today):
        raise NotAllowedNow(f"This case file is kept until {uk_date(retention.kept_until)}")
    lock_for_write(review, expected_version)  # a second disposal waits here, then is told it changed
    inventory = disposal_inventory(review)
    versions = db.session.execute(_unpublished_versions(review)).all()
    destroyed_head = review.event_head_hash
    try:
        _destroy_history(review)
        _destroy_documents(versions)
        _destroy_panel_and_family_records(review)
        _clear_free_text(review)
        append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field=DISPOSAL_FIELD,
                     to_value=_destroyed_in_words(inventory, destroyed_head), reason=retention.basis,
                     payload={**inventory.as_dict(), "history_head_hash": destroyed_head})
        review.disposed_on = today
    except BaseException:
        db.session.rollback()
        raise
    commit_once(review, expected_version)
    for version in versions:
        try:
            storage.remove(version.stored_name)
        except (OSError, ValueError):
            # The rows are gone and the disposal stands: a file left behind is logged by its random
            # stored name (which names no one) for removal by hand, not turned into an error page.
            current_app.logger.exception("disposal of %s left stored file %s", review.reference, version.stored_name)
    return inventory


def _destroyed_in_words(inventory: Inventory, destroyed_head: str | None) -> str:
    """What the disposal's history entry says was destroyed; the payload keeps the counts and the whole hash."""
    def counted(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    head = f" (the newest's hash begins {destroyed_head[:16]})" if destroyed_head else ""
    return (f"Destroyed: {counted(inventory.history_entries, 'history entry', 'history entries')}{head}; "
            f"{counted(inventory.documents, 'unpublished document', 'unpublished documents')} and "
            f"{counted(inventory.unpublished_versions, 'unpublished version', 'unpublished versions')} of published "
            f"ones; {counted(inventory.input_entries, 'input log entry', 'input log entries')}; "
            f"{counted(inventory.family_contacts, 'family contact', 'family contacts')}")


def disposal_entry(review: Review) -> CaseEvent | None:
    """The history entry recording the disposal of `review`'s case file (the first of its new history)."""
    return db.session.scalar(sa.select(CaseEvent).where(CaseEvent.review_id == review.id,
                                                        CaseEvent.field == DISPOSAL_FIELD)
                             .order_by(CaseEvent.seq.desc()).limit(1))


def _destroy_history(review: Review) -> None:
    if db.engine.dialect.name == "postgresql":
        # The service's database role may not delete from the history: a function that runs as the
        # table's owner does, for a closed or declined review only (migration 0032).
        db.session.execute(sa.select(sa.func.dispose_of_review_history(review.id)))
    else:
        db.session.execute(sa.delete(CaseEvent).where(CaseEvent.review_id == review.id))
    review.event_count = 0
    review.event_head_hash = None


def _destroy_documents(versions: list[sa.Row]) -> None:
    if not versions:
        return
    db.session.execute(sa.delete(DocumentVersion).where(DocumentVersion.id.in_([v.id for v in versions])))
    unpublished = {v.document_id for v in versions if v.published_version is None}
    if unpublished:
        db.session.execute(sa.delete(Document).where(Document.id.in_(unpublished)))


def _destroy_panel_and_family_records(review: Review) -> None:
    entries = sa.select(InputEntry.id).where(InputEntry.review_id == review.id).scalar_subquery()
    meetings = sa.select(PanelMeeting.id).where(PanelMeeting.review_id == review.id).scalar_subquery()
    reminders = sa.select(Reminder.id).where(Reminder.review_id == review.id).scalar_subquery()
    for statement in (
        sa.delete(InputRevision).where(InputRevision.entry_id.in_(entries)),
        sa.delete(InputEntry).where(InputEntry.review_id == review.id),
        sa.delete(MeetingAction).where(MeetingAction.meeting_id.in_(meetings)),
        sa.update(PanelMeeting).where(PanelMeeting.review_id == review.id).values(agenda="", minutes=None),
        sa.delete(FamilyEvent).where(FamilyEvent.review_id == review.id),
        sa.delete(FamilyContact).where(FamilyContact.review_id == review.id),
        sa.delete(FamilyInvolvement).where(FamilyInvolvement.review_id == review.id),
        sa.delete(OutboxMessage).where(OutboxMessage.reminder_id.in_(reminders)),
        sa.delete(Reminder).where(Reminder.review_id == review.id),
    ):
        db.session.execute(statement, execution_options={"synchronize_session": False})


def _clear_free_text(review: Review) -> None:
    for statement in (
        sa.update(ReviewHold).where(ReviewHold.review_id == review.id).values(details=DESTROYED),
        sa.update(DelayNotice).where(DelayNotice.review_id == review.id).values(explanation=DESTROYED),
        sa.update(DecisionResponse).where(DecisionResponse.review_id == review.id).values(notes=""),
        sa.update(ConsiderationPanel).where(ConsiderationPanel.review_id == review.id).values(rationale=DESTROYED),
        sa.update(QARound).where(QARound.review_id == review.id, QARound.changes_requested.is_not(None))
        .values(changes_requested=DESTROYED),
        sa.update(AgencyRequest).where(AgencyRequest.review_id == review.id).values(note=None),
    ):
        db.session.execute(statement, execution_options={"synchronize_session": False})
    review.victim_name = DESTROYED
    review.victim_date_of_birth = None
    review.victim_address = None
    review.perpetrator_name = None
    review.circumstances = ""


# --- The case files a person looks after ------------------------------------------------------

@dataclass(frozen=True)
class CaseFile:
    reference: str
    pseudonym: str
    retention: Retention | None  # None once disposed of
    disposed_on: date | None


@dataclass(frozen=True)
class CaseFiles:
    due: list[CaseFile]  # kept until a date that has passed, soonest first
    due_soon: list[CaseFile]  # due within DUE_SOON_DAYS
    disposed: list[CaseFile]  # the latest DISPOSED_SHOWN, newest first


DISPOSED_SHOWN = 50
_CASE_FILE_COLUMNS = (Review.reference, Review.pseudonym, Review.status, Review.closed_on, Review.decision_on,
                      Review.retention_extended_until, Review.disposed_on)


def _latest_start(day: date, years: int) -> date:
    """The last day a retention period of `years` can count from and have ended by `day`: `years` before it,
    or the day after when that is a 29 February whose period ends on the 28th."""
    before = years_after(day, -years)
    following = before + timedelta(days=1)
    return following if years_after(following, years) <= day else before


def _due_by(day: date, years: int) -> sa.ColumnElement[bool]:
    """Case files kept until `day` or earlier, not yet disposed of, as a WHERE clause (retention_of in SQL)."""
    latest_start = _latest_start(day, years)
    return sa.and_(
        Review.disposed_on.is_(None),
        sa.or_(*(sa.and_(Review.status == status, getattr(Review, field) <= latest_start)
                 for status, (field, _) in KEPT_FROM.items())),
        sa.or_(Review.retention_extended_until.is_(None), Review.retention_extended_until <= day))


def case_files_due(user: User, today: date | None = None) -> int:
    """How many case files of the partnerships `user` coordinates or manages are due for disposal: one count."""
    years = retention_years()
    if not years:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Review).where(
        coordinated_or_managed_reviews(user), _due_by(today or today_uk(), years))) or 0


def case_files(user: User, today: date | None = None) -> CaseFiles:
    """The closed and declined reviews of the partnerships `user` coordinates or manages whose case files
    are due for disposal, or will be within DUE_SOON_DAYS, and the latest disposed of.

    Only those reviews are read, however many case files are kept."""
    today = today or today_uk()
    years = retention_years()
    coming = []
    if years:
        rows = db.session.execute(sa.select(*_CASE_FILE_COLUMNS).where(
            coordinated_or_managed_reviews(user), _due_by(today + timedelta(days=DUE_SOON_DAYS), years))).all()
        coming = sorted((CaseFile(row.reference, row.pseudonym, retention_of(row, years), None) for row in rows),
                        key=lambda f: (f.retention.kept_until, f.reference))
    disposed = db.session.execute(
        sa.select(*_CASE_FILE_COLUMNS).where(coordinated_or_managed_reviews(user), Review.disposed_on.is_not(None))
        .order_by(Review.disposed_on.desc(), Review.reference).limit(DISPOSED_SHOWN)).all()
    return CaseFiles(
        due=[f for f in coming if f.retention.is_due(today)],
        due_soon=[f for f in coming if not f.retention.is_due(today)],
        disposed=[CaseFile(row.reference, row.pseudonym, None, row.disposed_on) for row in disposed],
    )
