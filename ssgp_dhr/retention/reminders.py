"""Reminding the lead partnership's managers when a case file is due for disposal: on the day its
retention period ends, then every 4 weeks until it is disposed of or kept longer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, RoleAssignment, User, not_an_administrator
from ssgp_dhr.cases.models import Review
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.reminders.sources import DueItem, deadline_occasion, reminder_source
from ssgp_dhr.retention import services

REMIND_EVERY_DAYS = 28


def managers_of(partnership_ids: set[int]) -> dict[int, list[User]]:
    """The enabled managers of each partnership, in one query."""
    managers: dict[int, list[User]] = {}
    if partnership_ids:
        for partnership_id, person in db.session.execute(
                sa.select(RoleAssignment.partnership_id, User).join(User, User.id == RoleAssignment.user_id)
                .where(RoleAssignment.role == Role.MANAGER, RoleAssignment.partnership_id.in_(partnership_ids),
                       User.is_enabled.is_(True), not_an_administrator(User.id)).order_by(User.id)).unique().all():
            managers.setdefault(partnership_id, []).append(person)
    return managers


@reminder_source("case_file_disposal_due")
def disposals_due(today: date) -> Iterator[DueItem]:
    years = services.retention_years()
    if not years:
        return
    reviews = db.session.scalars(
        sa.select(Review).where(Review.status.in_(list(services.KEPT_FROM)), Review.disposed_on.is_(None))
        .order_by(Review.id)).unique().all()
    owed = [(review, kept, occasion) for review in reviews
            if (kept := services.retention_of(review, years)) is not None
            and (occasion := deadline_occasion(kept.kept_until, today, days_before=0, every=REMIND_EVERY_DAYS))]
    managers = managers_of({review.lead_partnership_id for review, _, _ in owed})
    for review, kept, occasion in owed:
        yield DueItem(
            kind="case_file_disposal_due", review=review, recipients=managers.get(review.lead_partnership_id, []),
            item=f"review:{review.id}:case_file", due_on=kept.kept_until, occasion=occasion,
            subject=f"{review.reference}: case file due for disposal",
            lines=(f"The case file of review {review.reference} ({review.pseudonym}) was to be kept until "
                   f"{uk_date(kept.kept_until)}: {kept.basis}.",
                   "Dispose of it, or record why it must be kept longer."),
            link_path=f"/cases/{review.reference}/case-file#case-file")
