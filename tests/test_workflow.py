"""Every trigger from every stage: what succeeds, what is refused and why, and that a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.models import CaseEvent, EventKind, QAOutcome
from ssgp_dhr.cases.services import (
    NotAllowedNow,
    NotPermitted,
    RequirementsNotMet,
    StaleReview,
    UnknownAction,
    WorkflowError,
    advance,
    update_details,
)
from ssgp_dhr.extensions import db
from ssgp_dhr.publication.services import documents_to_publish
from tests import factories
from tests.factories import EXPECTED_MOVES, MISSING_FIELD_REASONS, prepare_panel, ready_for, review_at, stored_state, trigger_data

ALL_PAIRS = [(state, trigger) for state in workflow.STATES for trigger in workflow.TRIGGERS]
ALLOWED = [pair for pair in ALL_PAIRS if pair in EXPECTED_MOVES]
REFUSED = [pair for pair in ALL_PAIRS if pair not in EXPECTED_MOVES]
MISSING = [(state, trigger, field) for state, trigger in ALLOWED for field in MISSING_FIELD_REASONS[trigger]]


def _coordinator_of(review):
    return factories.coordinator(review.lead_partnership)


def test_the_machine_defines_exactly_the_moves_the_issue_states() -> None:
    defined = {(state, trigger) for state in workflow.STATES for trigger in workflow.available_triggers(state)}
    assert defined == set(EXPECTED_MOVES)
    assert set(MISSING_FIELD_REASONS) == set(workflow.TRIGGERS)


@pytest.mark.parametrize(("state", "trigger"), ALLOWED, ids=[f"{s}-{t}" for s, t in ALLOWED])
def test_an_allowed_trigger_with_its_data_moves_the_review_and_records_one_event(state: str, trigger: str) -> None:
    review = review_at(state)
    ready_for(review, trigger)
    actor = _coordinator_of(review)
    before = stored_state(review)

    event = advance(review, trigger, actor, review.version, **trigger_data(review, trigger))

    expected = EXPECTED_MOVES[(state, trigger)] or "panel"  # review_at("on_hold") was paused from the panel
    after = stored_state(review)
    assert after["status"] == expected
    assert after["version"] == before["version"] + 1
    # Publishing also marks each published document published, in the same commit (one event each).
    published = len(documents_to_publish(review, trigger_data(review, trigger))) if trigger.startswith("publish") else 0
    assert after["events"] == before["events"] + 1 + published == after["event_count"]
    assert published == (1 if trigger == "publish_summary" else 2 if trigger == "publish" else 0)
    assert (event.kind, event.trigger, event.field) == (EventKind.TRANSITION, trigger, "status")
    assert (event.from_value, event.to_value, event.actor_id) == (state, expected, actor.id)
    assert event.based_on_version == before["version"]


@pytest.mark.parametrize(("state", "trigger"), ALLOWED, ids=[f"{s}-{t}" for s, t in ALLOWED])
def test_an_action_judges_its_requirements_once(state: str, trigger: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The action judges what it needs before it moves the review; the machine's guard does not judge it again."""
    review = review_at(state)
    ready_for(review, trigger)
    judged = []
    unmet = workflow.unmet_requirements
    monkeypatch.setattr(workflow, "unmet_requirements", lambda *args, **kwargs: judged.append(args[1]) or unmet(
        *args, **kwargs))

    advance(review, trigger, _coordinator_of(review), review.version, **trigger_data(review, trigger))

    assert judged == [trigger]


@pytest.mark.parametrize(("state", "trigger", "field"), MISSING, ids=[f"{s}-{t}-{f}" for s, t, f in MISSING])
def test_missing_data_is_refused_with_the_stated_reason_and_changes_nothing(state: str, trigger: str, field: str) -> None:
    review = review_at(state)
    # A recorded learning-summary decision already holds its reason and agreement dates (typed once), so
    # for publish_summary the missing field is shown beside the other publication requirements.
    summary = trigger == "publish_summary"
    (prepare_panel if summary else ready_for)(review, trigger)
    data = trigger_data(review, trigger)
    del data[field]
    before = stored_state(review)

    with pytest.raises(RequirementsNotMet) as refused:
        advance(review, trigger, _coordinator_of(review), review.version, **data)

    if summary:
        assert MISSING_FIELD_REASONS[trigger][field] in refused.value.reasons
    else:
        assert refused.value.reasons == [MISSING_FIELD_REASONS[trigger][field]]
    assert stored_state(review) == before


@pytest.mark.parametrize(("state", "trigger"), REFUSED, ids=[f"{s}-{t}" for s, t in REFUSED])
def test_a_trigger_that_does_not_apply_now_is_refused_clearly_and_changes_nothing(state: str, trigger: str) -> None:
    review = review_at(state)
    before = stored_state(review)

    with pytest.raises(NotAllowedNow) as refused:
        advance(review, trigger, _coordinator_of(review), review.version, **trigger_data(review, trigger))

    label = workflow.ACTIONS[trigger].label
    action, stage = label[0].lower() + label[1:], workflow.STAGE_BY_NAME[state].in_words
    assert str(refused.value) == f"You cannot {action} while the review is {stage}"
    assert stored_state(review) == before


def test_a_refusal_reads_as_a_sentence() -> None:
    review = review_at("notified")
    with pytest.raises(NotAllowedNow, match=r"^You cannot close the review while the review is notified$"):
        advance(review, "close", _coordinator_of(review), review.version, closed_on=review.notified_on)


def test_an_unknown_trigger_or_unexpected_data_is_refused() -> None:
    review = review_at("notified")
    actor = _coordinator_of(review)
    before = stored_state(review)
    with pytest.raises(UnknownAction, match="There is no action called 'destroy'"):
        advance(review, "destroy", actor, review.version)
    with pytest.raises(WorkflowError, match="'commission' does not take status"):
        advance(review, "commission", actor, review.version, status="closed", **trigger_data(review, "commission"))
    assert stored_state(review) == before


@pytest.mark.parametrize("who", ["manager", "panel_member", "other_coordinator", "disabled_coordinator", "nobody"])
def test_only_a_coordinator_of_the_partnership_may_advance(who: str) -> None:
    review = review_at("notified")
    actor = {
        "manager": lambda: factories.manager(),
        "panel_member": lambda: factories.panel_member(),
        "other_coordinator": lambda: factories.coordinator(factories.safer_glos()),
        "disabled_coordinator": lambda: factories.user(
            (factories.Role.COORDINATOR, factories.ssgp()), is_enabled=False),
        "nobody": lambda: None,
    }[who]()
    before = stored_state(review)

    with pytest.raises(NotPermitted, match="Only a coordinator of this review's partnership can do this"):
        advance(review, "commission", actor, review.version, **trigger_data(review, "commission"))

    assert stored_state(review) == before


def test_a_stale_version_changes_nothing_and_lists_what_changed_since() -> None:
    review = review_at("notified")
    actor = _coordinator_of(review)
    seen = review.version
    update_details(review, actor, seen, {"press_contact": "Local paper"})
    advance(review, "commission", actor, review.version, **trigger_data(review, "commission"))
    before = stored_state(review)

    with pytest.raises(StaleReview) as stale:
        advance(review, "pause", actor, seen, **trigger_data(review, "pause"))

    assert [(e.field, e.to_value) for e in stale.value.changes] == [
        ("press_contact", "Local paper"), ("status", "commissioned")]
    assert stale.value.review.status == "commissioned"
    assert stored_state(review) == before


@pytest.mark.parametrize("paused_from", workflow.PAUSABLE)
def test_resume_returns_to_the_stage_the_review_was_paused_from(paused_from: str) -> None:
    review = review_at(paused_from)
    actor = _coordinator_of(review)
    advance(review, "pause", actor, review.version, **trigger_data(review, "pause"))
    assert (review.status, review.status_before_hold) == ("on_hold", paused_from)

    advance(review, "resume", actor, review.version, **trigger_data(review, "resume"))

    assert stored_state(review)["status"] == paused_from
    assert review.status_before_hold is None
    assert [(h.started_on, h.ended_on) for h in review.holds] == [
        (review.notified_on + timedelta(days=4), review.notified_on + timedelta(days=5))]


def test_reopen_after_a_decision_not_to_hold_a_review_commissions_it() -> None:
    review = review_at("not_commissioned")
    data = trigger_data(review, "reopen")

    advance(review, "reopen", _coordinator_of(review), review.version, **data)

    assert stored_state(review)["status"] == "commissioned"
    assert review.reopen_reason == data["reopen_reason"]
    assert review.decision_on == data["decision_on"]  # the decision to hold a review, not the one to decline
    assert review.decline_reasons == "Criteria not met."  # the earlier decision stays on record


def test_reopen_needs_its_own_decision_dates_not_those_of_the_decline() -> None:
    review = review_at("not_commissioned")
    data = {"reopen_reason": "The Home Secretary directed a review."}

    with pytest.raises(RequirementsNotMet) as refused:
        advance(review, "reopen", _coordinator_of(review), review.version, **data)

    assert refused.value.reasons == [
        "Record the date of the decision", "Record the date the Home Office was told before reopening"]


def test_reopen_cannot_be_dated_before_the_decision_it_overturns() -> None:
    review = review_at("not_commissioned")
    data = {**trigger_data(review, "reopen"), "decision_on": review.decision_on - timedelta(days=1)}

    with pytest.raises(RequirementsNotMet) as refused:
        advance(review, "reopen", _coordinator_of(review), review.version, **data)

    assert refused.value.reasons == ["The decision to hold a review cannot be before the decision not to hold one"]


def test_resubmit_starts_a_new_home_office_round() -> None:
    review = review_at("revising")
    actor = _coordinator_of(review)
    first = review.current_qa_round
    assert (first.number, first.outcome) == (1, QAOutcome.REVISE)

    data = trigger_data(review, "resubmit")
    advance(review, "resubmit", actor, review.version, **data)

    assert stored_state(review)["status"] == "home_office_review"
    assert [(r.number, r.submitted_on, r.outcome) for r in review.qa_rounds] == [
        (1, first.submitted_on, QAOutcome.REVISE), (2, data["submitted_on"], None)]
    # The next letter answers the new round, and must not be dated before it.
    early = {**trigger_data(review, "approve"), "letter_on": data["submitted_on"] - timedelta(days=1)}
    with pytest.raises(RequirementsNotMet, match="The Home Office letter cannot be dated before the submission"):
        advance(review, "approve", actor, review.version, **early)
    advance(review, "approve", actor, review.version, **trigger_data(review, "approve"))
    assert (review.status, review.qa_rounds[1].outcome) == ("approved", QAOutcome.PUBLISH)


def test_each_transition_event_names_the_trigger_and_both_stages() -> None:
    review = review_at("closed")
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id, CaseEvent.kind != "change")
                                .order_by(CaseEvent.seq)).all()
    assert [(e.trigger, e.from_value, e.to_value) for e in events] == [
        (None, None, "notified"), ("commission", "notified", "commissioned"), ("convene_panel", "commissioned", "panel"),
        ("submit", "panel", "home_office_review"), ("approve", "home_office_review", "approved"),
        ("publish", "approved", "published"), ("close", "published", "closed")]


@pytest.mark.parametrize(("state", "trigger", "field", "reason"), [
    ("panel", "pause", "hold_reason", "Choose what the review is waiting for from the list"),
    ("home_office_review", "approve", "qa_outcome",
     "Approval needs a letter that allows publication: otherwise record a request for revisions"),
])
def test_an_unknown_choice_is_a_reason_not_a_crash(state: str, trigger: str, field: str, reason: str) -> None:
    review = review_at(state)
    before = stored_state(review)
    for value in ("whenever", "revise"):
        with pytest.raises(RequirementsNotMet) as refused:
            advance(review, trigger, _coordinator_of(review), review.version, **{**trigger_data(review, trigger), field: value})
        assert refused.value.reasons == [reason]
    assert stored_state(review) == before
