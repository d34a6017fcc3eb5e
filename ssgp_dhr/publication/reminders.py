"""Reminding coordinators to decide whether a published report stays online. Registered by importing this
module (the publication's init_app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.extensions import db
from ssgp_dhr.publication.models import PublicationRecord
from ssgp_dhr.publication.services import removal_review_due
from ssgp_dhr.reminders.sources import DueItem, deadline_items, reminder_source


@reminder_source("removal_review_due")
def removal_reviews_due(today: date) -> Iterator[DueItem]:
    """Coordinators: deciding whether a published report stays online, 7 days before, on the day, then weekly."""
    reviews = db.session.scalars(
        sa.select(Review).where(Review.status.in_((Stage.PUBLISHED, Stage.SUMMARY_ONLY)), Review.published_on.is_not(None))
        .order_by(Review.id)
    ).unique().all()
    records = {record.review_id: record for record in db.session.scalars(
        sa.select(PublicationRecord).where(PublicationRecord.review_id.in_([r.id for r in reviews])))}
    found = []
    for review in reviews:
        due_on = removal_review_due(review, records.get(review.id))
        if due_on is not None:
            found.append((review, deadlines.Deadline("Removal review", due_on, None, pending=True)))
    yield from deadline_items("removal_review_due", today, found,
                               "the review of whether the published report stays online", "removal_review")
