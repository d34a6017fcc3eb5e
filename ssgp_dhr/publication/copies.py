"""Copies sent: whom each partnership sends a copy of every published report or learning summary to, and the
copies each published review has gone to, with what is still to send.

The Victims and Prisoners Act 2024 (s.19) has the report go to the Secretary of State and the Domestic Abuse
Commissioner; the draft revised guidance adds the Police and Crime Commissioner, and after a suicide the coroner
often asks for it. Which bodies a partnership sends to is its own list (`CopyRecipient`), kept by its
coordinators; each copy sent (`CopySent`) is recorded on the review with its date and its history entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.services import InvalidChange, NotAllowedNow, NotPermitted, check_may_write, commit_once
from ssgp_dhr.cases.stages import PUBLISHED_STAGES
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.publication.models import CopyRecipient, CopySent

# Offered to a partnership whose list is empty: those the Act and the draft guidance name, and the coroner.
USUAL_RECIPIENTS = ("Home Office (for the Secretary of State)", "Domestic Abuse Commissioner",
                    "Police and Crime Commissioner", "HM Coroner")
NAME_MAX = 200


def recipients(partnership_id: int, *, retired: bool = False) -> list[CopyRecipient]:
    """The partnership's recipients in the order they were added; those retired too with `retired`."""
    query = sa.select(CopyRecipient).where(CopyRecipient.partnership_id == partnership_id)
    if not retired:
        query = query.where(CopyRecipient.retired_on.is_(None))
    return list(db.session.scalars(query.order_by(CopyRecipient.id)))


def _check_keeps_list(actor: User | None, partnership_id: int) -> None:
    if actor is None or partnership_id not in actor.partnerships_for(Role.COORDINATOR):
        raise NotPermitted("Only a coordinator of the partnership keeps its list of whom copies are sent to")


def add_recipient(actor: User | None, partnership_id: int, name: str | None) -> CopyRecipient:
    """Add a recipient to the partnership's list (or bring back one retired under the same name)."""
    _check_keeps_list(actor, partnership_id)
    name = " ".join((name or "").split())
    if not name:
        raise InvalidChange([("name", "Enter who copies are sent to")])
    if len(name) > NAME_MAX:
        raise InvalidChange([("name", f"The name must be {NAME_MAX} characters or fewer")])
    known = {r.name.casefold(): r for r in recipients(partnership_id, retired=True)}
    recipient = known.get(name.casefold())
    if recipient is not None and recipient.retired_on is None:
        raise InvalidChange([("name", f"{recipient.name} is already on the list")])
    if recipient is not None:
        recipient.retired_on = None
    else:
        recipient = CopyRecipient(partnership_id=partnership_id, name=name)
        db.session.add(recipient)
    commit_once()
    return recipient


def add_usual_recipients(actor: User | None, partnership_id: int) -> list[CopyRecipient]:
    """Start an empty list with USUAL_RECIPIENTS, in one write."""
    _check_keeps_list(actor, partnership_id)
    if recipients(partnership_id, retired=True):
        raise NotAllowedNow("The partnership's list has been started: add recipients one at a time")
    added = [CopyRecipient(partnership_id=partnership_id, name=name) for name in USUAL_RECIPIENTS]
    db.session.add_all(added)
    commit_once()
    return added


def retire_recipient(actor: User | None, recipient: CopyRecipient) -> None:
    """Stop offering the recipient; the copies already sent to it stay on record."""
    _check_keeps_list(actor, recipient.partnership_id)
    if recipient.retired_on is None:
        recipient.retired_on = today_uk()
    commit_once()


def copies_of(review: Review) -> list[CopySent]:
    return list(db.session.scalars(sa.select(CopySent).where(CopySent.review_id == review.id)
                                   .order_by(CopySent.sent_on, CopySent.id)))


@dataclass(frozen=True)
class CopyLine:
    """One recipient of a review's copies: sent on a date, or still to send."""

    recipient: CopyRecipient
    sent_on: date | None


def copy_lines(review: Review) -> list[CopyLine]:
    """Each recipient on the lead partnership's list, with the date a copy went (retired recipients only if
    one did)."""
    sent = {copy.recipient_id: copy.sent_on for copy in copies_of(review)}
    return [CopyLine(r, sent.get(r.id)) for r in recipients(review.lead_partnership_id, retired=True)
            if r.retired_on is None or r.id in sent]


def is_published(review: Review) -> bool:
    return review.status in PUBLISHED_STAGES and review.published_on is not None


def record_copy_sent(review: Review, actor: User | None, expected_version: int, *, recipient_id: int | None,
                     sent_on: date | None) -> CopySent:
    """Record that a copy of the review's publication went to one of its lead partnership's recipients on
    `sent_on`; again for the same recipient, a corrected date (the history keeps the first)."""
    check_may_write(review, actor, expected_version)
    if not is_published(review):
        raise NotAllowedNow("Copies are recorded once the report or learning summary is published")
    offered = {r.id: r for r in recipients(review.lead_partnership_id)}
    problems = [] if recipient_id in offered else [("recipient_id", "Choose who the copy went to")]
    if sent_on is None:
        problems.append(("sent_on", "Record the date the copy was sent"))
    elif sent_on > today_uk():
        problems.append(("sent_on", "The date the copy was sent cannot be in the future"))
    elif sent_on < review.published_on:
        problems.append(("sent_on", f"A copy cannot have been sent before publication, on {uk_date(review.published_on)}"))
    if problems:
        raise InvalidChange(problems)
    copy = db.session.scalar(sa.select(CopySent).where(CopySent.review_id == review.id,
                                                       CopySent.recipient_id == recipient_id))
    before = copy.sent_on if copy else None
    if copy is None:
        copy = CopySent(review_id=review.id, recipient_id=recipient_id, sent_on=sent_on, recorded_by_id=actor.id)
        db.session.add(copy)
    copy.sent_on, copy.recorded_by_id = sent_on, actor.id
    name = offered[recipient_id].name
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="copy_sent",
                 from_value=f"{name}: {before.isoformat()}" if before else None,
                 to_value=f"{name}: {sent_on.isoformat()}", payload={"recipient_id": recipient_id})
    commit_once()
    return copy


def owing_a_copy() -> sa.ColumnElement[bool]:
    """SQL: the review has not gone to someone on its lead partnership's list (still_to_send is not empty)."""
    return sa.exists().where(
        CopyRecipient.partnership_id == Review.lead_partnership_id, CopyRecipient.retired_on.is_(None),
        ~sa.exists().where(CopySent.review_id == Review.id, CopySent.recipient_id == CopyRecipient.id))


def still_to_send(reviews: Iterable[Review]) -> dict[int, list[str]]:
    """For each of `reviews` (published ones), the names of its lead partnership's recipients it has not gone
    to yet: two statements, whatever the number of reviews."""
    reviews = list(reviews)
    if not reviews:
        return {}
    listed: dict[int, list[CopyRecipient]] = {}
    for recipient in db.session.scalars(sa.select(CopyRecipient).where(
            CopyRecipient.partnership_id.in_({r.lead_partnership_id for r in reviews}),
            CopyRecipient.retired_on.is_(None)).order_by(CopyRecipient.id)):
        listed.setdefault(recipient.partnership_id, []).append(recipient)
    sent = {(row.review_id, row.recipient_id) for row in db.session.execute(
        sa.select(CopySent.review_id, CopySent.recipient_id).where(CopySent.review_id.in_([r.id for r in reviews]))).all()}
    return {r.id: [x.name for x in listed.get(r.lead_partnership_id, []) if (r.id, x.id) not in sent]
            for r in reviews}
