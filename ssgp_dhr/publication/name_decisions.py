"""Names allowed for publication, and findings accepted as false positives: by two people.

Normally everyone in a published review goes by a pseudonym. Some families ask for the real name to
be used, and some names are already public through the courts; and a pseudonym or name part that is
also a common word can be a false positive. A coordinator of the review records each such decision
(why; who agreed and when), and it takes effect only once a second person confirms it: another
coordinator of the review, or a manager of the lead partnership, never the one who recorded it.
Both steps go into the history (the role of the person named, never the name).

A decision refers to the name by its key (cases.names) with a digest of the name as recorded, so
correcting the name undoes it; an accepted finding covers that finding only (where it is, which
form of the name, and for a document the version it was found in).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.names import RestrictedName, restricted_names
from ssgp_dhr.cases.policy import can_advance, coordinates
from ssgp_dhr.cases.services import NotPermitted, WorkflowError, check_may_write, commit_once
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.publication.models import NameDecision, NameDecisionKind, NameDecisionReason

ALLOW_REASONS = (NameDecisionReason.FAMILY_ASKED, NameDecisionReason.PUBLIC_THROUGH_COURTS, NameDecisionReason.OTHER)
SECOND_PERSON = ("A decision is confirmed by a second person: another coordinator of the review or a manager of "
                 "the lead partnership, never the person who recorded it")


def name_digest(review: Review, name: str) -> str:
    """A digest of a recorded name, salted with the review, kept instead of the name."""
    return hashlib.sha256(f"{review.id}:{name.strip()}".encode()).hexdigest()


def manages_lead_partnership(user: User, review: Review) -> bool:
    return (Role.MANAGER, review.lead_partnership_id) in user.grants


def may_confirm(user: User | None, review: Review) -> bool:
    """Who may confirm a decision (though never their own): a coordinator of the review or a manager
    of its lead partnership."""
    return (user is not None and user.is_enabled and review.disposed_on is None
            and (coordinates(user, review) or manages_lead_partnership(user, review)))


def may_see_decisions(user: User | None, review: Review) -> bool:
    """The route rule of the names page: those who record decisions and those who confirm them."""
    return can_advance(user, review) or may_confirm(user, review)


def decisions(review: Review) -> list[NameDecision]:
    return list(db.session.scalars(sa.select(NameDecision).where(NameDecision.review_id == review.id)
                                   .order_by(NameDecision.recorded_at, NameDecision.id)))


def decisions_of(review_ids: Iterable[int]) -> dict[int, list[NameDecision]]:
    """decisions of each review, in one statement."""
    found: dict[int, list[NameDecision]] = {i: [] for i in review_ids}
    if found:
        for decision in db.session.scalars(sa.select(NameDecision).where(NameDecision.review_id.in_(sorted(found)))
                                           .order_by(NameDecision.recorded_at, NameDecision.id)):
            found[decision.review_id].append(decision)
    return found


def _current(review: Review, found: Iterable[NameDecision],
             names: list[RestrictedName] | None = None) -> list[NameDecision]:
    """The confirmed decisions about names still recorded as they were when decided (`names`: the review's
    restricted names, if already read)."""
    digests = {n.key: name_digest(review, n.name) for n in (restricted_names(review) if names is None else names)}
    return [d for d in found if d.in_effect and digests.get(d.name_key) == d.name_sha256]


def allowed_keys(review: Review, found: list[NameDecision] | None = None,
                 names: list[RestrictedName] | None = None) -> set[str]:
    """The keys of the names a confirmed decision allows to be published (`found`: the review's decisions,
    and `names` its restricted names, if already read)."""
    if review.id is None:
        return set()
    found = decisions(review) if found is None else found
    return {d.name_key for d in _current(review, found, names) if d.kind is NameDecisionKind.ALLOW_NAME}


def accepted_findings(review: Review) -> list[NameDecision]:
    if review.id is None:
        return []
    return [d for d in _current(review, decisions(review)) if d.kind is NameDecisionKind.ACCEPT_FINDING]


def accepts(decision: NameDecision, *, location: str, part: str, field: str | None, variant: str,
            content_sha256: str | None) -> bool:
    """Whether `decision` accepts the finding described."""
    return (decision.location == location and decision.part == part and decision.name_key == field
            and decision.variant == variant and decision.content_sha256 == content_sha256)


def _name(review: Review, key: str) -> RestrictedName:
    name = next((n for n in restricted_names(review) if n.key == key), None)
    if name is None:
        raise WorkflowError("Choose a name recorded on the review")
    return name


def _record(review: Review, actor: User, decision: NameDecision, who: str) -> NameDecision:
    db.session.add(decision)
    db.session.flush()
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field="name_decision",
                 to_value="recorded", reason=decision.details,
                 payload={"decision": decision.id, "kind": decision.kind.value, "who": who,
                          "reason": decision.reason.label, "location": decision.location, "part": decision.part})
    commit_once()
    return decision


def record_allowed_name(review: Review, actor: User, expected_version: int, *, name_key: str, reason: str,
                        details: str | None, family_agreed_on: date | None,
                        home_office_agreed_on: date | None) -> NameDecision:
    """Record that the name under `name_key` may be published; in effect once confirmed by a second person."""
    check_may_write(review, actor, expected_version)
    name = _name(review, name_key)
    chosen = NameDecisionReason(reason) if reason in {r.value for r in ALLOW_REASONS} else None
    problems = [text for failed, text in (
        (chosen is None, "Choose why the name may be published"),
        (chosen is NameDecisionReason.OTHER and not details, "Describe the reason the name may be published"),
        (chosen is NameDecisionReason.FAMILY_ASKED and family_agreed_on is None,
         "Record the date the family agreed to the name being published"),
        (any(d is not None and d > today_uk() for d in (family_agreed_on, home_office_agreed_on)),
         "An agreement cannot be dated in the future"),
    ) if failed]
    if problems:
        raise WorkflowError("; ".join(problems))
    if name_key in allowed_keys(review) or any(
            d.kind is NameDecisionKind.ALLOW_NAME and d.name_key == name_key and not d.in_effect
            for d in decisions(review)):
        raise WorkflowError("A decision allowing this name is already recorded")
    return _record(review, actor, NameDecision(
        review_id=review.id, kind=NameDecisionKind.ALLOW_NAME, name_key=name_key,
        name_sha256=name_digest(review, name.name), reason=chosen, details=details,
        family_agreed_on=family_agreed_on, home_office_agreed_on=home_office_agreed_on,
        recorded_by_id=actor.id), name.role)


def record_accepted_finding(review: Review, actor: User, expected_version: int, *, location: str, part: str,
                            field: str, variant: str, content_sha256: str | None, details: str | None) -> NameDecision:
    """Record that one finding is a false positive (`details` says why); in effect once confirmed."""
    check_may_write(review, actor, expected_version)
    if not details:
        raise WorkflowError("Say why the finding is not the person named")
    name = _name(review, field)
    return _record(review, actor, NameDecision(
        review_id=review.id, kind=NameDecisionKind.ACCEPT_FINDING, name_key=field,
        name_sha256=name_digest(review, name.name), reason=NameDecisionReason.FALSE_POSITIVE, details=details,
        location=location, part=part, variant=variant, content_sha256=content_sha256,
        recorded_by_id=actor.id), name.role)


def confirm(review: Review, actor: User, decision: NameDecision) -> NameDecision:
    """The second person's confirmation: from then on the decision is in effect."""
    if not may_confirm(actor, review):
        raise NotPermitted(SECOND_PERSON)
    if decision.recorded_by_id == actor.id:
        raise NotPermitted(f"You recorded this decision, so you cannot confirm it. {SECOND_PERSON}")
    if decision.in_effect:
        raise WorkflowError("This decision is already confirmed")
    names = {n.key: name_digest(review, n.name) for n in restricted_names(review)}
    if names.get(decision.name_key) != decision.name_sha256:
        raise WorkflowError("The name has been changed since the decision was recorded: record a new decision")
    decision.confirmed_by_id, decision.confirmed_at = actor.id, utcnow()
    who = next((n.role for n in restricted_names(review) if n.key == decision.name_key), decision.name_key)
    append_event(review, actor, EventKind.CHANGE, based_on_version=review.version, field="name_decision",
                 to_value="confirmed", payload={"decision": decision.id, "kind": decision.kind.value, "who": who,
                                                "reason": decision.reason.label})
    commit_once()
    return decision
