"""Actions on a review's action plan: add a recommendation, post progress, accept completion.

Each checks who may act, writes the change and its history event, and commits once, or changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from ssgp_dhr.accounts.models import User
from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation, RecommendationLevel
from ssgp_dhr.cases import areas, workflow
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.policy import active_membership, can_advance
from ssgp_dhr.cases.services import (
    InvalidChange,
    NotAllowedNow,
    NotPermitted,
    StaleReview,
    WorkflowError,
    changes_since,
    commit_once,
)
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation, OrganisationKind
from ssgp_dhr.presentation import uk_date

# Recommendations are made in the report, so they are recorded from drafting on.
OPEN_FOR_RECOMMENDATIONS = (Stage.PANEL, Stage.ON_HOLD, Stage.HOME_OFFICE_REVIEW, Stage.REVISING, Stage.APPROVED,
                            Stage.PUBLISHED, Stage.SUMMARY_ONLY)


def recommendations(review: Review) -> list[Recommendation]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        sa.select(Recommendation).where(Recommendation.review_id == review.id)
        .options(selectinload(Recommendation.progress)).order_by(Recommendation.id)))


def owns(user: User, recommendation: Recommendation) -> bool:
    """An owner: an active panel member of the owning agency on this review."""
    membership = active_membership(user, recommendation.review)
    return membership is not None and membership.agency_id == recommendation.owning_agency_id


def may_post_progress(user: User, recommendation: Recommendation) -> bool:
    return can_advance(user, recommendation.review) or (
        recommendation.review.disposed_on is None and owns(user, recommendation))


def _check_version(review: Review, expected_version: int) -> None:
    if review.version != expected_version:
        raise StaleReview(review, changes_since(review, expected_version))


def add_recommendation(review: Review, actor: User, expected_version: int, *, reference: str, text: str,
                       level: str, owning_agency_id: int, actions: str, target_on: date,
                       evidence: str | None = None) -> Recommendation:
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can add recommendations")
    if review.status not in OPEN_FOR_RECOMMENDATIONS:
        stage = workflow.STAGE_BY_NAME[review.status].label.lower()
        raise WorkflowError(f"Recommendations cannot be added while the review is {stage}")
    _check_version(review, expected_version)
    if db.session.scalar(sa.select(Recommendation.id).where(Recommendation.review_id == review.id,
                                                            Recommendation.reference == reference)):
        raise WorkflowError(f"There is already a recommendation {reference} on this review")
    recommendation = Recommendation(review=review, reference=reference, text=text, level=RecommendationLevel(level),
                                    owning_agency_id=owning_agency_id, actions=actions, target_on=target_on,
                                    evidence=evidence)
    db.session.add(recommendation)
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="recommendation",
                 to_value=reference, payload={"level": level, "target_on": target_on.isoformat()})
    commit_once()
    return recommendation


def post_progress(recommendation: Recommendation, actor: User, *, text: str, evidence: str | None = None,
                  propose_completion: bool = False) -> ProgressUpdate:
    """An owner (or a coordinator) reports progress; proposing completion asks the coordinator to accept it."""
    review = recommendation.review
    if not may_post_progress(actor, recommendation):
        raise NotPermitted("Only the owning agency's panel members or a coordinator can post progress")
    if recommendation.completed_on is not None:
        raise WorkflowError("This recommendation is complete")
    update = ProgressUpdate(recommendation=recommendation, author_id=actor.id, text=text)
    db.session.add(update)
    if evidence:
        recommendation.evidence = evidence
    if propose_completion:
        recommendation.completion_proposed_on = today_uk()
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version,
                 field="recommendation_progress", to_value=recommendation.reference,
                 payload={"proposes_completion": propose_completion})
    commit_once()
    return update


def accept_completion(recommendation: Recommendation, actor: User, *, completed_on: date) -> None:
    review = recommendation.review
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can accept a recommendation as complete")
    if recommendation.completed_on is not None:
        raise WorkflowError("This recommendation is already complete")
    if completed_on > today_uk():
        raise WorkflowError("The completion date cannot be in the future")
    recommendation.completed_on = completed_on
    recommendation.completion_accepted_by_id = actor.id
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field="recommendation_completed",
                 to_value=recommendation.reference, payload={"completed_on": completed_on.isoformat()})
    commit_once()


def return_to_owner(recommendation: Recommendation, actor: User, *, reason: str | None) -> ProgressUpdate:
    """Decline a proposal that the recommendation is complete: say what is still needed, and the owner works on.

    The reason is posted as progress, so the owner reads it where they post theirs.
    """
    review = recommendation.review
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can return a recommendation to its owner")
    if recommendation.completed_on is not None or recommendation.completion_proposed_on is None:
        raise NotAllowedNow("Only a recommendation proposed as complete, and not yet accepted, can be returned")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidChange([("reason", "Say what is still needed before it is complete")])
    update = ProgressUpdate(recommendation=recommendation, author_id=actor.id, text=f"Not yet complete: {reason}")
    db.session.add(update)
    recommendation.completion_proposed_on = None
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version,
                 field="recommendation_returned", to_value=recommendation.reference, reason=reason)
    commit_once()
    return update


# What a revision may change, in the order the history lists the changes.
REVISABLE = ("text", "level", "owning_agency_id", "actions", "target_on")


def revise_recommendation(recommendation: Recommendation, actor: User, expected_version: int, *, reason: str | None,
                          **revised: Any) -> bool:
    """Change what a recommendation says, who owns it or its target date, and record why.

    Action plans are revised as work goes on (a target is moved, an agency restructured): the
    history keeps each change with its reason, and the first target agreed stays on the
    recommendation, so the partnership can report how far its plans slipped. Returns whether
    anything changed; nothing given different from what is recorded writes nothing.
    """
    review = recommendation.review
    if not can_advance(actor, review):
        raise NotPermitted("Only a coordinator of this review's partnership can revise a recommendation")
    if recommendation.completed_on is not None:
        raise NotAllowedNow("A recommendation accepted as complete cannot be revised")
    _check_version(review, expected_version)
    unknown = set(revised) - set(REVISABLE)
    if unknown:
        raise ValueError(f"Not revisable: {sorted(unknown)}")
    reason = (reason or "").strip()
    problems = _revision_problems(recommendation, revised, reason)
    if problems:
        raise InvalidChange(problems)
    if "level" in revised:
        revised["level"] = RecommendationLevel(revised["level"])
    changes = {field: (getattr(recommendation, field), value) for field, value in revised.items()
               if value != getattr(recommendation, field)}
    if not changes:
        return False
    if "target_on" in changes and recommendation.original_target_on is None:
        recommendation.original_target_on = recommendation.target_on
    for field, (_old, new) in changes.items():
        setattr(recommendation, field, new)
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="recommendation_revised",
                 to_value=recommendation.reference, reason=reason,
                 payload={"changes": {field: [_in_words(field, old), _in_words(field, new)]
                                      for field, (old, new) in changes.items()}})
    commit_once()
    return True


def _revision_problems(recommendation: Recommendation, revised: dict[str, Any], reason: str) -> list[tuple[str, str]]:
    problems = []
    if "text" in revised and not (revised["text"] or "").strip():
        problems.append(("text", "Enter the recommendation"))
    if "level" in revised and revised["level"] not in set(RecommendationLevel):
        problems.append(("level", "Choose the level"))
    if "owning_agency_id" in revised:
        agency = db.session.get(Organisation, revised["owning_agency_id"] or 0)
        if agency is None or agency.kind is not OrganisationKind.AGENCY:
            problems.append(("owning_agency_id", "Choose the owning agency"))
    if "target_on" in revised:
        target = revised["target_on"]
        if target is None:
            problems.append(("target_on", "Enter the target date"))
        elif target != recommendation.target_on and target < today_uk():
            problems.append(("target_on", "A revised target date cannot be in the past"))
    if not reason:
        problems.append(("reason", "Say why the recommendation is revised"))
    return problems


def _in_words(field: str, value: Any) -> str:
    """A revised value as the history shows it: agencies by name, levels and dates as on the page."""
    if field == "owning_agency_id":
        return db.session.get(Organisation, value).name
    if field == "level":
        return RecommendationLevel(value).label
    if field == "target_on":
        return uk_date(value)
    return value or ""


def incomplete_count(review: Review) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation).where(
        Recommendation.review_id == review.id, Recommendation.completed_on.is_(None))) or 0


def overdue_counts(review_ids: list[int], today: date) -> dict[int, int]:
    """Overdue (red) recommendations per review, in one query, for the dashboards."""
    if not review_ids:
        return {}
    rows = db.session.execute(
        sa.select(Recommendation.review_id, sa.func.count())
        .where(Recommendation.review_id.in_(review_ids), Recommendation.completed_on.is_(None),
               Recommendation.target_on < today)
        .group_by(Recommendation.review_id)).all()
    return dict(rows)


def _all_complete(facts: Any) -> bool:
    return incomplete_count(facts.review) == 0


def register_requirements() -> None:
    workflow.requires("close", "Every recommendation of the action plan must be complete before the review is closed",
                      done_at=lambda review: areas.section_url(review.reference, "action-plan"))(_all_complete)
