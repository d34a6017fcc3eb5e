"""Actions on reviews: record a notification, advance the workflow, edit details.

These are the only functions that write reviews. Pages, the CLI and the tests all call them; each
checks, records the history and commits once, or changes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import (
    CaseEvent,
    ConsiderationAdvice,
    ConsiderationPanel,
    DeadlineKind,
    DecisionResponse,
    DecisionResponseOutcome,
    DelayCause,
    DelayNotice,
    EventKind,
    HoldReason,
    JointReviewKind,
    NotifierKind,
    QAOutcome,
    QARound,
    Review,
    ReviewHold,
)
from ssgp_dhr.cases.policy import can_advance, coordinates
from ssgp_dhr.cases.stages import BEFORE_COMMISSIONING, Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date


class WorkflowError(Exception):
    """A request the workflow refuses; `str()` is a sentence for the coordinator."""


class NotPermitted(WorkflowError):
    pass


class UnknownAction(WorkflowError):
    pass


class NotAllowedNow(WorkflowError):
    pass


class RequirementsNotMet(WorkflowError):
    def __init__(self, trigger: str, reasons: list[str]) -> None:
        self.trigger = trigger
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class InvalidChange(WorkflowError):
    """What was given cannot be recorded; `problems` are (field, sentence) pairs for the form."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(sentence for _, sentence in problems))


class StaleReview(WorkflowError):
    """The review changed after the user loaded it; `changes` are the events since."""

    def __init__(self, review: Review, changes: list[CaseEvent]) -> None:
        self.review = review
        self.changes = changes
        super().__init__("This case changed while you were working on it")


# Data an action takes that is not a column of the review itself.
_HOLD_FIELDS = {"hold_reason", "hold_details", "hold_started_on", "hold_expected_end_on", "hold_ended_on", "inquest_on"}
_QA_FIELDS = {"submitted_on", "panel_meeting_on", "letter_on", "changes_requested", "qa_outcome"}

EDITABLE_FIELDS = (
    "death_kind", "notifier_kind", "pseudonym", "victim_name",
    "victim_date_of_birth", "victim_address", "victim_age", "perpetrator_name",
    "date_of_death", "notified_on", "notified_by", "circumstances", "press_contact", "joint_partnership_id",
    "joint_review_kind", "joint_review_with",
)


def changes_since(review: Review, version: int) -> list[CaseEvent]:
    return list(db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.review_id == review.id, CaseEvent.based_on_version >= version)
        .order_by(CaseEvent.seq)
    ))


def check_may_write(review: Review, actor: User | None, expected_version: int, *,
                    refusal: str = "Only a coordinator of this review's partnership can do this") -> None:
    """A coordinator of the review, writing over the version they saw: else NotPermitted (saying `refusal`)
    or StaleReview. Every action on a review, in every area, checks this first."""
    if review.disposed_on is not None:
        raise NotPermitted(f"This review's case file was disposed of on {uk_date(review.disposed_on)}: "
                           "nothing more can be recorded on it")
    if not can_advance(actor, review):
        raise NotPermitted(refusal)
    if review.version != expected_version:
        raise StaleReview(review, changes_since(review, expected_version))



def commit_once(review: Review | None = None, expected_version: int | None = None) -> None:
    """Commit the request's one write, or roll it all back and re-raise: never half of it.

    Given the review written to and the version the writer saw, a concurrent write to the same review
    (another server, another tab) becomes StaleReview, as every other write to a review does.
    """
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        if review is None or expected_version is None:
            raise
        fresh = db.session.get(Review, review.id, populate_existing=True)
        raise StaleReview(fresh, changes_since(fresh, expected_version)) from None
    except BaseException:
        db.session.rollback()
        raise


def lock_for_write(review: Review, expected_version: int) -> None:
    """Hold the review's row until the transaction ends, and refuse (StaleReview) if another write got
    there first: for a write that must not even start on a changed review, such as a disposal."""
    current = db.session.scalar(sa.select(Review.version).where(Review.id == review.id).with_for_update())
    if current != expected_version:
        db.session.rollback()
        fresh = db.session.get(Review, review.id, populate_existing=True)
        raise StaleReview(fresh, changes_since(fresh, expected_version))


@contextmanager
def _one_write(review: Review, expected_version: int) -> Iterator[None]:
    """Commit what the block wrote to `review`, or nothing: a concurrent write to it becomes StaleReview."""
    try:
        yield
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        fresh = db.session.get(Review, review.id, populate_existing=True)
        raise StaleReview(fresh, changes_since(fresh, expected_version)) from None
    except BaseException:
        db.session.rollback()
        raise


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, (list, tuple)):
            value = list(value)
        elif value is not None and not isinstance(value, (int, str, bool, float)):
            value = str(getattr(value, "value", value))
        out[key] = value
    return out


def _reason_text(trigger: str, data: Mapping[str, Any]) -> str | None:
    for key in ("decline_reasons", "reopen_reason", "hold_details", "changes_requested", "summary_only_reason"):
        if data.get(key):
            return str(data[key])
    return None


def _apply_effects(review: Review, trigger: str, source: str, data: Mapping[str, Any]) -> None:
    """Write the action's data where it belongs: the review, a hold, a Home Office round."""
    for key, value in data.items():
        if key not in _HOLD_FIELDS | _QA_FIELDS:
            if key == "published_documents" and isinstance(value, (list, tuple)):
                value = ",".join(value)
            setattr(review, key, value)
    if trigger == "pause":
        review.status_before_hold = source
        review.holds.append(ReviewHold(
            reason=HoldReason(data["hold_reason"]), details=data["hold_details"],
            started_on=data["hold_started_on"], expected_end_on=data["hold_expected_end_on"],
            first_expected_end_on=data["hold_expected_end_on"], inquest_on=data.get("inquest_on"),
        ))
    elif trigger == "resume":
        review.current_hold.ended_on = data["hold_ended_on"]
        review.status_before_hold = None
    elif trigger in ("submit", "resubmit"):
        review.qa_rounds.append(QARound(number=len(review.qa_rounds) + 1, submitted_on=data["submitted_on"]))
    elif trigger in ("request_revisions", "approve"):
        current = review.current_qa_round
        # A meeting date recorded earlier on the round stays unless the letter gives one.
        current.panel_meeting_on = data.get("panel_meeting_on") or current.panel_meeting_on
        current.letter_on = data["letter_on"]
        current.changes_requested = data.get("changes_requested")
        current.outcome = QAOutcome.REVISE if trigger == "request_revisions" else QAOutcome(data["qa_outcome"])


# What other parts of the tracker do when an action succeeds, in the action's own transaction:
# trigger -> [effect(review, actor, data)]. Registered by those parts (publication marks the
# published documents), so this module need not know them. An effect that raises undoes the action.
TransitionEffect = Callable[[Review, "User | None", Mapping[str, Any]], None]
_AFTER: dict[str, list[TransitionEffect]] = {}


def after_transition(trigger: str) -> Callable[[TransitionEffect], TransitionEffect]:
    """Register `effect` to run when `trigger` succeeds, before its commit."""
    if trigger not in workflow.ACTIONS:
        raise ValueError(f"unknown trigger {trigger!r}")

    def register(effect: TransitionEffect) -> TransitionEffect:
        effects = _AFTER.setdefault(trigger, [])
        if effect not in effects:  # an area registers again each time an application is built
            effects.append(effect)
        return effect
    return register


def explain(review: Review, trigger: str, actor: User | None, data: Mapping[str, Any] | None = None) -> list[str]:
    """Why `trigger` cannot happen now (empty when it can), without changing anything."""
    if trigger not in workflow.ACTIONS:
        return [f"There is no action called '{trigger}'"]
    if not can_advance(actor, review):
        return ["Only a coordinator of this review's partnership can do this"]
    if trigger not in workflow.available_triggers(review.status):
        return [_not_now_message(review, trigger)]
    return workflow.unmet_requirements(review, trigger, data or {})


def _not_now_message(review: Review, trigger: str) -> str:
    stage = workflow.STAGE_BY_NAME[review.status].in_words
    label = workflow.ACTIONS[trigger].label
    return f"You cannot {label[0].lower() + label[1:]} while the review is {stage}"


def advance(review: Review, trigger: str, actor: User | None, expected_version: int, **data: Any) -> CaseEvent:
    """Move `review` through the workflow by `trigger`: the only way its status ever changes.

    Raises a WorkflowError (and changes nothing) when the actor may not, the review changed since
    `expected_version`, the trigger does not apply now, or its requirements are not met.
    """
    if trigger not in workflow.ACTIONS:
        raise UnknownAction(f"There is no action called '{trigger}'")
    check_may_write(review, actor, expected_version)
    data = _checked_action(review, trigger, data)
    # No flush until the commit: loading holds or rounds mid-way would otherwise write the review
    # twice and step its version twice for one action.
    with _one_write(review, expected_version), db.session.no_autoflush:
        return _transition(review, trigger, actor, expected_version, data)


def record_after_the_event(review: Review, trigger: str, actor: User, recorded_from: str, **data: Any) -> CaseEvent:
    """Record an action that happened before the tracker held the review, in the caller's transaction.

    The same transition, checks and history as advance(), except what was done outside the action's form
    at the time (a document uploaded, the chair seated on the panel), which was done elsewhere. Each
    entry says where it was recorded from (`recorded_from`). The caller commits, with the rest of what
    it brings in, or rolls it all back.
    """
    if trigger not in workflow.ACTIONS:
        raise UnknownAction(f"There is no action called '{trigger}'")
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can do this")
    # The checks' queries do not flush what the caller has recorded so far: writing the review mid-way would
    # step its version once more for each, and a caller recording a whole history would write it many times.
    with db.session.no_autoflush:
        data = _checked_action(review, trigger, data, after_the_event=True)
        return _transition(review, trigger, actor, review.version, data, recorded_from=recorded_from)


def _checked_action(review: Review, trigger: str, data: Mapping[str, Any], *,
                    after_the_event: bool = False) -> dict[str, Any]:
    """The action's data without blanks, or a WorkflowError saying why it cannot happen now."""
    if trigger not in workflow.available_triggers(review.status):
        raise NotAllowedNow(_not_now_message(review, trigger))
    unexpected = set(data) - set(workflow.ACTIONS[trigger].fields)
    if unexpected:
        raise WorkflowError(f"'{trigger}' does not take {', '.join(sorted(unexpected))}")
    data = {k: v for k, v in data.items() if v not in (None, "")}
    reasons = workflow.unmet_requirements(review, trigger, data, after_the_event=after_the_event)
    if reasons:
        raise RequirementsNotMet(trigger, reasons)
    return data


def _transition(review: Review, trigger: str, actor: User | None, expected_version: int, data: dict[str, Any], *,
                recorded_from: str | None = None) -> CaseEvent:
    """`data` as _checked_action returned it for this review just before: its requirements are met."""
    source = review.status
    if not workflow.fire(review, trigger, data, after_the_event=recorded_from is not None, judged=True):
        raise NotAllowedNow(_not_now_message(review, trigger))
    _apply_effects(review, trigger, source, data)
    payload = _jsonable(data) | ({RECORDED_FROM: recorded_from} if recorded_from else {})
    event = append_event(
        review, actor, EventKind.TRANSITION, based_on_version=expected_version, trigger=trigger,
        field="status", from_value=source, to_value=review.status,
        reason=_reason_text(trigger, data), payload=payload,
    )
    for effect in _AFTER.get(trigger, ()):
        effect(review, actor, data)
    return event


# The payload key of a history entry recorded after the event: where it was recorded from, when and by whom.
RECORDED_FROM = "recorded_from"


def _partnership_name(partnership_id: int | None) -> str | None:
    from ssgp_dhr.organisations.models import Organisation

    return db.session.get(Organisation, partnership_id).name if partnership_id else None


def change_hold_end(review: Review, actor: User | None, expected_version: int, *, expected_end_on: date | None,
                    reason: str | None) -> CaseEvent:
    """Record that the current hold is now expected to end on another date, and why.

    Parallel proceedings overrun (an inquest suspended for 28 days is extended): the hold goes on,
    and the history keeps each expected end with its reason so the delay can be explained.
    """
    check_may_write(review, actor, expected_version)
    hold = review.current_hold
    if review.status != Stage.ON_HOLD or hold is None:
        raise NotAllowedNow("The expected end can only be changed while the review is on hold")
    reason = (reason or "").strip()
    problems = _hold_end_problems(hold, expected_end_on, reason)
    if problems:
        raise InvalidChange(problems)
    previous = hold.expected_end_on
    with _one_write(review, expected_version), db.session.no_autoflush:
        hold.expected_end_on = expected_end_on
        event = append_event(
            review, actor, EventKind.CHANGE, based_on_version=expected_version, field="hold_expected_end_on",
            from_value=previous, to_value=expected_end_on, reason=reason, payload={"hold_id": hold.id},
        )
    return event


def record_inquest_date(review: Review, actor: User | None, expected_version: int, *,
                        inquest_on: date | None) -> CaseEvent:
    """Record (or change) the date of the inquest the current hold waits for, as the coroner lists it."""
    check_may_write(review, actor, expected_version)
    hold = review.current_hold
    if review.status != Stage.ON_HOLD or hold is None or hold.reason is not HoldReason.INQUEST:
        raise NotAllowedNow("An inquest's date is recorded on a hold waiting for the inquest")
    if inquest_on is None:
        raise InvalidChange([("inquest_on", "Give the date of the inquest")])
    if inquest_on < review.date_of_death:
        raise InvalidChange([("inquest_on", "The inquest cannot be before the death, on "
                                            f"{uk_date(review.date_of_death)}")])
    previous = hold.inquest_on
    with _one_write(review, expected_version), db.session.no_autoflush:
        hold.inquest_on = inquest_on
        event = append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="inquest_on",
                             from_value=previous, to_value=inquest_on, payload={"hold_id": hold.id})
    return event


CORONER_REQUEST_FIELDS = ("coroner_request_received_on", "coroner_request_details", "coroner_report_sent_on")


def record_coroner_request(review: Review, actor: User | None, expected_version: int, *, received_on: date | None,
                           details: str | None, sent_on: date | None) -> list[CaseEvent]:
    """Record the coroner's request for the review's report (for the inquest) and, once it went, when it was
    sent; a correction is a change in the history like any other."""
    check_may_write(review, actor, expected_version)
    details = (details or "").strip() or None
    problems = past_date_problems(
        "received_on", received_on, missing="Record the date of the coroner's request",
        future="The date of the coroner's request cannot be in the future", earliest=review.notified_on,
        too_early="The coroner's request cannot be before the partnership was notified, on")
    if sent_on is not None and received_on is not None:
        problems += past_date_problems(
            "sent_on", sent_on, missing="", future="The date the report was sent cannot be in the future",
            earliest=received_on, too_early="The report cannot have been sent before the coroner asked for it, on")
    if problems:
        raise InvalidChange(problems)
    changes = dict(zip(CORONER_REQUEST_FIELDS, (received_on, details, sent_on), strict=True))
    events = []
    with _one_write(review, expected_version), db.session.no_autoflush:
        for field, value in changes.items():
            old = getattr(review, field)
            if old != value:
                setattr(review, field, value)
                events.append(append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version,
                                           field=field, from_value=old, to_value=value))
    return events


def _hold_end_problems(hold: ReviewHold, expected_end_on: date | None, reason: str) -> list[tuple[str, str]]:
    problems = []
    if expected_end_on is None:
        problems.append(("expected_end_on", "Give the date the hold is now expected to end"))
    elif expected_end_on == hold.expected_end_on:
        problems.append(("expected_end_on", f"The hold is already expected to end on {uk_date(expected_end_on)}: "
                                            "give the new date"))
    elif expected_end_on < hold.started_on:
        problems.append(("expected_end_on", f"The expected end cannot be before the hold started, on "
                                            f"{uk_date(hold.started_on)}"))
    elif expected_end_on < today_uk():
        problems.append(("expected_end_on", "The new expected end cannot be in the past: if the proceedings have "
                                            "ended, resume the review instead"))
    if not reason:
        problems.append(("reason", "Say why the expected end has changed"))
    return problems


def record_delay_notice(review: Review, actor: User | None, expected_version: int, *, told_on: date | None,
                        cause: str | None, explanation: str | None, expected_on: date | None) -> DelayNotice:
    """Record that the Home Office was told the decision or the report will be late: why, and when to expect it.

    The Home Office expects to be told of a delay and its reasons; the case page then shows the
    overdue decision or report beside when the Home Office was told and the date now expected.
    """
    check_may_write(review, actor, expected_version)
    notice = _new_delay_notice(review, actor, told_on, cause, explanation, expected_on)
    with _one_write(review, expected_version), db.session.no_autoflush:
        _add_delay_notice(review, actor, expected_version, notice, recorded_from=None)
    return notice


def record_delay_notice_after_the_event(review: Review, actor: User, recorded_from: str, *, told_on: date | None,
                                        cause: str | None, explanation: str | None,
                                        expected_on: date | None) -> DelayNotice:
    """record_delay_notice for a notice given before the tracker held the review, in the caller's transaction
    (as record_after_the_event): the same checks, made against the review as it was then (the caller brings
    the review to that point first), and its history entry says where it was recorded from."""
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can do this")
    notice = _new_delay_notice(review, actor, told_on, cause, explanation, expected_on)
    with db.session.no_autoflush:
        _add_delay_notice(review, actor, review.version, notice, recorded_from=recorded_from)
    return notice


def _new_delay_notice(review: Review, actor: User, told_on: date | None, cause: str | None,
                      explanation: str | None, expected_on: date | None) -> DelayNotice:
    owed = deadlines.delay_owed(review)
    if owed is None:
        raise NotAllowedNow("A delay can only be recorded while the decision or the report to the Home Office "
                            "is still owed")
    explanation = (explanation or "").strip()
    problems = _delay_notice_problems(review, owed.kind, told_on, cause, explanation, expected_on)
    if problems:
        raise InvalidChange(problems)
    return DelayNotice(deadline=owed.kind, told_on=told_on, cause=DelayCause(cause), explanation=explanation,
                       expected_on=expected_on, recorded_by_id=actor.id)


def _add_delay_notice(review: Review, actor: User, expected_version: int, notice: DelayNotice, *,
                      recorded_from: str | None) -> None:
    review.delay_notices.append(notice)
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="delay_notice",
                 to_value=_notice_in_words(notice), reason=notice.explanation,
                 payload={"deadline": notice.deadline.value} | ({RECORDED_FROM: recorded_from} if recorded_from else {}))


def correct_delay_notice(review: Review, actor: User | None, expected_version: int, notice: DelayNotice, *,
                         told_on: date | None, cause: str | None, explanation: str | None,
                         expected_on: date | None) -> bool:
    """Correct a delay recorded wrongly (a mistyped date, the wrong cause): the history keeps what it said.

    What the Home Office was told later is a new notice (record_delay_notice), not a correction: the
    history then shows each thing it was told. Returns whether anything changed.
    """
    check_may_write(review, actor, expected_version)
    if notice.review_id != review.id:
        raise NotAllowedNow("That delay was not recorded on this review")
    corrected = _corrected_notice(review, notice, told_on, cause, explanation, expected_on)
    if corrected is None:
        return False
    with _one_write(review, expected_version), db.session.no_autoflush:
        _apply_correction(review, actor, expected_version, notice, corrected, recorded_from=None)
    return True


def correct_delay_notice_after_the_event(review: Review, actor: User, recorded_from: str, notice: DelayNotice, *,
                                         told_on: date | None, cause: str | None, explanation: str | None,
                                         expected_on: date | None) -> bool:
    """correct_delay_notice in the caller's transaction, for a correction brought in from elsewhere: its history
    entry says where it was recorded from. Returns whether anything changed."""
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can do this")
    corrected = _corrected_notice(review, notice, told_on, cause, explanation, expected_on)
    if corrected is None:
        return False
    with db.session.no_autoflush:
        _apply_correction(review, actor, review.version, notice, corrected, recorded_from=recorded_from)
    return True


def _corrected_notice(review: Review, notice: DelayNotice, told_on: date | None, cause: str | None,
                      explanation: str | None, expected_on: date | None) -> tuple[Any, ...] | None:
    """The notice's corrected (told_on, cause, explanation, expected_on), None if nothing changes, or InvalidChange."""
    explanation = (explanation or "").strip()
    problems = _delay_notice_problems(review, notice.deadline, told_on, cause, explanation, expected_on)
    if problems:
        raise InvalidChange(problems)
    corrected = (told_on, DelayCause(cause), explanation, expected_on)
    if (notice.told_on, notice.cause, notice.explanation, notice.expected_on) == corrected:
        return None
    return corrected


def _apply_correction(review: Review, actor: User, expected_version: int, notice: DelayNotice,
                      corrected: tuple[Any, ...], *, recorded_from: str | None) -> None:
    before = _notice_in_words(notice)
    notice.told_on, notice.cause, notice.explanation, notice.expected_on = corrected
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version,
                 field="delay_notice_corrected", from_value=before, to_value=_notice_in_words(notice),
                 reason=notice.explanation,
                 payload={"deadline": notice.deadline.value, "delay_notice_id": notice.id}
                 | ({RECORDED_FROM: recorded_from} if recorded_from else {}))


def _notice_in_words(notice: DelayNotice) -> str:
    return (f"Home Office told on {notice.told_on.isoformat()}: {notice.cause.label}. "
            f"{notice.deadline.what.capitalize()} is now expected by {notice.expected_on.isoformat()}")


def _add_with_entry(review: Review, actor: User, expected_version: int, records: list[Any], record: Any, *,
                    field: str, to_value: str, reason: str | None, payload: dict[str, Any] | None = None) -> None:
    """Add `record` to one of the review's lists with its history entry, in one write."""
    with _one_write(review, expected_version), db.session.no_autoflush:
        records.append(record)
        append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field=field,
                     to_value=to_value, reason=reason, payload=payload)


def past_date_problems(field: str, value: date | None, *, missing: str, future: str, earliest: date,
                       too_early: str) -> list[tuple[str, str]]:
    """The problem with a date that must be given, not in the future and not before `earliest`, if any:
    `too_early` is completed with the earliest date, e.g. "… before the partnership was notified, on"."""
    if value is None:
        return [(field, missing)]
    if value > today_uk():
        return [(field, future)]
    if value < earliest:
        return [(field, f"{too_early} {uk_date(earliest)}")]
    return []


def _delay_notice_problems(review: Review, deadline: DeadlineKind, told_on: date | None, cause: str | None,
                           explanation: str, expected_on: date | None) -> list[tuple[str, str]]:
    since, event = ((review.decision_on, "the decision to hold the review") if deadline is DeadlineKind.REPORT
                    else (review.notified_on, "the partnership was notified"))
    problems = past_date_problems(
        "told_on", told_on, missing="Record the date the Home Office was told",
        future="The date the Home Office was told cannot be in the future", earliest=since,
        too_early=f"The Home Office cannot have been told of a delay before {event}, on")
    if cause not in set(DelayCause.delaying(deadline)):
        problems.append(("cause", "Choose the main cause of the delay"))
    if not explanation:
        problems.append(("explanation", "Explain the delay as the Home Office was told it"))
    expected = deadline.now_expected
    if expected_on is None:
        problems.append(("expected_on", f"Give the date {expected}"))
    elif told_on is not None and expected_on <= told_on:
        problems.append(("expected_on", f"The date {expected} must be after the Home Office was told"))
    return problems


# A consideration panel advises the decision whether to hold a review: the first, or again after a decline.
CONSIDERED_AT = BEFORE_COMMISSIONING


def record_consideration_panel(review: Review, actor: User | None, expected_version: int, *, met_on: date | None,
                               attended_by: str | None, advice: str | None,
                               rationale: str | None) -> ConsiderationPanel:
    """Record that a consideration panel (or scoping meeting) met and what it advised the chair.

    Some areas screen every notification this way before the chair decides. The advice is kept
    beside the decision; the month to decide still runs from the notification.
    """
    check_may_write(review, actor, expected_version)
    if review.status not in CONSIDERED_AT:
        raise NotAllowedNow("A consideration panel advises on the decision whether to hold a review: it can be "
                            "recorded until a review is commissioned")
    attended_by, rationale = (attended_by or "").strip(), (rationale or "").strip()
    problems = _consideration_problems(review, met_on, attended_by, advice, rationale)
    if problems:
        raise InvalidChange(problems)
    panel = ConsiderationPanel(met_on=met_on, attended_by=attended_by, advice=ConsiderationAdvice(advice),
                               rationale=rationale, recorded_by_id=actor.id)
    _add_with_entry(review, actor, expected_version, review.consideration_panels, panel, field="consideration_panel",
                    to_value=f"Met on {met_on.isoformat()}, attended by {attended_by}. Advised: {panel.advice.label}",
                    reason=rationale)
    return panel


def _consideration_problems(review: Review, met_on: date | None, attended_by: str, advice: str | None,
                            rationale: str) -> list[tuple[str, str]]:
    problems = past_date_problems(
        "met_on", met_on, missing="Record the date the consideration panel met",
        future="The date the consideration panel met cannot be in the future", earliest=review.notified_on,
        too_early="The consideration panel cannot have met before the partnership was notified, on")
    if not attended_by:
        problems.append(("attended_by", "Say which agencies were represented"))
    if advice not in set(ConsiderationAdvice):
        problems.append(("advice", "Choose what the consideration panel advised"))
    if not rationale:
        problems.append(("rationale", "Give the consideration panel's reasons"))
    return problems


def record_decision_response(review: Review, actor: User | None, expected_version: int, *,
                             received_on: date | None, outcome: str | None, notes: str | None) -> DecisionResponse:
    """Record the Home Office's answer to the current decision whether to hold a review, or correct the
    one recorded (a mistyped date or outcome): the history keeps what it said before.

    A decision not to hold one is seen by the Quality Assurance Panel, which may agree or ask for a
    review (as may the Home Secretary): until it answers, the decline is not settled, and an answer
    asking for a review means the review is to be reopened.
    """
    check_may_write(review, actor, expected_version)
    if review.decision_on is None or review.home_office_told_on is None:
        raise NotAllowedNow("The Home Office's response can be recorded once it has been told of the decision")
    notes = (notes or "").strip()
    problems = _decision_response_problems(review, received_on, outcome, notes)
    if problems:
        raise InvalidChange(problems)
    recorded = review.decision_response
    if recorded is None:
        response = DecisionResponse(decision_on=review.decision_on, review_held=review.review_held,
                                    received_on=received_on, outcome=DecisionResponseOutcome(outcome), notes=notes,
                                    recorded_by_id=actor.id)
        _add_with_entry(review, actor, expected_version, review.decision_responses, response,
                        field="decision_response", to_value=_response_in_words(review, response),
                        reason=notes or None)
        return response
    before = _response_in_words(review, recorded)
    if (recorded.received_on, recorded.outcome.value, recorded.notes) == (received_on, outcome, notes):
        return recorded  # nothing to correct
    with _one_write(review, expected_version), db.session.no_autoflush:
        recorded.received_on, recorded.outcome, recorded.notes = received_on, DecisionResponseOutcome(outcome), notes
        append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="decision_response",
                     from_value=before, to_value=_response_in_words(review, recorded), reason=notes or None)
    return recorded


def _response_in_words(review: Review, response: DecisionResponse) -> str:
    return (f"Received {response.received_on.isoformat()}, on the decision of {review.decision_on.isoformat()}: "
            f"{response.outcome.label}")


def _decision_response_problems(review: Review, received_on: date | None, outcome: str | None,
                                notes: str) -> list[tuple[str, str]]:
    problems = past_date_problems(
        "received_on", received_on, missing="Record the date of the Home Office's response",
        future="The date of the response cannot be in the future", earliest=review.home_office_told_on,
        too_early="The response cannot be before the Home Office was told of the decision, on")
    allowed = {o.value for o in DecisionResponseOutcome.answering(review.review_held)}
    if outcome not in allowed:
        problems.append(("outcome", "Choose the Home Office's response"))
    elif DecisionResponseOutcome(outcome).asks_for_review and not notes:
        problems.append(("notes", "Say what the Home Office asked for, and why"))
    return problems


def _next_reference_number(partnership_id: int, year: int) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(Review.ref_number))
        .where(Review.lead_partnership_id == partnership_id, Review.ref_year == year)
    )
    return (highest or 0) + 1


def make_reference(short_name: str, year: int, number: int) -> str:
    return f"{short_name}-DHR-{year}-{number:03d}"


def record_notification(actor: User, *, lead_partnership_id: int, review_type: str, recorded_on: date | None = None,
                        **fields: Any) -> Review:
    """Create a review in the `notified` stage with its reference and first history event.

    `recorded_on` is the day it was first recorded: today, unless it was recorded earlier in another
    system that the tracker takes over from. Deadlines that had passed by then are not chased.
    """
    probe = Review(lead_partnership_id=lead_partnership_id, joint_partnership_id=fields.get("joint_partnership_id"))
    if not coordinates(actor, probe):
        raise NotPermitted("Only a coordinator of the lead or joint partnership can record a notification")
    unexpected = set(fields) - set(EDITABLE_FIELDS)
    if unexpected:
        raise WorkflowError(f"A notification does not take {', '.join(sorted(unexpected))}")
    today = today_uk()
    recorded_on = recorded_on or today
    if recorded_on > today:
        raise InvalidChange([("recorded_on", "The day it was first recorded must be today or in the past")])
    for _attempt in range(3):
        try:
            review = new_review(actor, lead_partnership_id=lead_partnership_id, review_type=review_type,
                                recorded_on=recorded_on, **fields)
            db.session.commit()
            return review
        except IntegrityError:
            # Another coordinator took this number at the same moment: take the next one.
            db.session.rollback()
    raise WorkflowError("Could not assign a reference: try again")


def new_review(actor: User, *, lead_partnership_id: int, review_type: str, recorded_on: date,
               recorded_from: str | None = None, partnership_reference: str | None = None,
               numbers: dict[int, int] | None = None, review_id: int | None = None, **fields: Any) -> Review:
    """Add a review in the `notified` stage with the next reference and its first history entry, in the
    caller's transaction (record_notification commits it; an import commits the whole file).

    `numbers` (year -> the last number given) lets a caller adding many in one transaction take the next
    number without asking the database each time; a number taken meanwhile fails the transaction whole.
    `review_id`, an id the caller reserved, lets it add the review without writing it at once to learn its id.
    """
    from ssgp_dhr.organisations.models import Organisation

    fields = {**fields, **_kinds_given(fields)}
    lead = db.session.get(Organisation, lead_partnership_id)
    year = fields["notified_on"].year
    if numbers is None:
        number = _next_reference_number(lead_partnership_id, year)
    else:
        number = numbers[year] = (numbers[year] if year in numbers else
                                  _next_reference_number(lead_partnership_id, year) - 1) + 1
    review = Review(
        reference=make_reference(lead.short_name, year, number), ref_year=year, ref_number=number,
        lead_partnership_id=lead_partnership_id, review_type=review_type, recorded_on=recorded_on,
        partnership_reference=partnership_reference, **fields,
        # A new review has none of these yet: said so, the actions that read them next (an import takes a
        # review through every stage at once) need no query each to find out.
        **{name: [] for name in _REVIEW_LISTS},
    )
    if review_id is not None:
        review.id = review_id
        # Not written yet, it has its columns' defaults now, as writing it would give them (its version,
        # its history's count), for the actions that follow in the same transaction.
        for column in Review.__table__.columns:
            if column.default is not None and column.default.is_scalar and getattr(review, column.key) is None:
                setattr(review, column.key, column.default.arg)
    workflow.MACHINE.set_state(workflow.INITIAL_STATE, model=review)
    db.session.add(review)
    if review.id is None:
        db.session.flush()
    payload = {"reference": review.reference} | ({RECORDED_FROM: recorded_from} if recorded_from else {})
    if partnership_reference:
        payload["partnership_reference"] = partnership_reference
    append_event(review, actor, EventKind.CREATED, based_on_version=0, field="status", to_value=review.status,
                 payload=payload)
    return review


_REVIEW_LISTS = ("holds", "qa_rounds", "panel", "delay_notices", "decision_responses", "agencies",
                 "consideration_panels")


def update_details(review: Review, actor: User, expected_version: int, changes: Mapping[str, Any]) -> list[CaseEvent]:
    """Edit a review's recorded facts; each changed field becomes a history event."""
    check_may_write(review, actor, expected_version)
    with _one_write(review, expected_version):
        return change_details(review, actor, expected_version, changes)


def change_details(review: Review, actor: User, expected_version: int, changes: Mapping[str, Any], *,
                   recorded_from: str | None = None) -> list[CaseEvent]:
    """update_details' checks and history entries, in the caller's transaction (the caller has checked the
    actor may write): each entry of a change brought in from elsewhere says where (`recorded_from`)."""
    unexpected = set(changes) - set(EDITABLE_FIELDS)
    if unexpected:
        raise WorkflowError(f"These details cannot be edited here: {', '.join(sorted(unexpected))}")
    changes = {**changes, **_kinds_given(changes)}
    kind = changes.get("joint_review_kind")
    if kind and kind not in set(JointReviewKind):
        raise InvalidChange([("joint_review_kind", "Choose the review it is held jointly with")])
    if kind:
        changes["joint_review_kind"] = JointReviewKind(kind)
    problems = _joint_review_problems({**{f: getattr(review, f) for f in _JOINT_REVIEW}, **changes})
    if problems:
        raise InvalidChange(problems)
    events = []
    for field, value in changes.items():
        old = getattr(review, field)
        if old == value:
            continue
        setattr(review, field, value)
        events.append(append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version,
                                   **_in_words(field, old, value),
                                   payload={RECORDED_FROM: recorded_from} if recorded_from else None))
    return events


_JOINT_REVIEW = ("joint_review_kind", "joint_review_with")


# The details that record a kind, each with the sentence refusing a value that is none of its kinds.
_KINDS: dict[str, tuple[type[enum.StrEnum], str]] = {
    "death_kind": (DeathKind, "Choose the kind of death"),
    "notifier_kind": (NotifierKind, "Choose who notified the partnership"),
}


def _kinds_given(given: Mapping[str, Any]) -> dict[str, enum.StrEnum]:
    """The kinds given (the kind of death, who notified) as their enums; one that is none of them is refused."""
    found, problems = {}, []
    for field, (kind, sentence) in _KINDS.items():
        if field in given:
            try:
                found[field] = kind(given[field])
            except ValueError:
                problems.append((field, sentence))
    if problems:
        raise InvalidChange(problems)
    return found


def _joint_review_problems(joint: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A joint review names both the review it is joint with and who shares it."""
    if joint["joint_review_kind"] and not joint["joint_review_with"]:
        return [("joint_review_with", "Enter the board or partnership the review is held jointly with")]
    if joint["joint_review_with"] and not joint["joint_review_kind"]:
        return [("joint_review_kind", "Choose the review it is held jointly with, or clear who shares it")]
    return []


def _in_words(field: str, old: Any, new: Any) -> dict[str, Any]:
    """A change as the history records it: the history is read by people, so partnerships by name, not
    row id, and kinds of review by label."""
    if field == "joint_partnership_id":
        return {"field": "joint_partnership", "from_value": _partnership_name(old), "to_value": _partnership_name(new)}
    if field == "joint_review_kind":
        return {"field": field, "from_value": old.label if old else None, "to_value": new.label if new else None}
    return {"field": field, "from_value": old, "to_value": new}
