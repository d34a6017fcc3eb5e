"""Routes about one review declare who may use them on the route itself, and get the review loaded.

    @panel.route("/cases/<reference>/panel/new", methods=["GET", "POST"])
    @review_rule(policy.can_manage_panel)
    def add_member(review: Review): ...

The decorator loads the review named in the address and passes it to the view in place of the
reference: 404 for someone who may not see the review at all (so its existence is not revealed), 403
for someone who may see it but whom the rule refuses, and 410 once its case file has been disposed of
(unless the route shows what was kept). tests/test_route_access.py checks that every route under
/cases/<reference> declares a rule, and that each refuses the people its rule refuses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, make_response, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ssgp_dhr.access import AccessRule, declare
from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.cases.policy import can_view_review
from ssgp_dhr.errors import render_error
from ssgp_dhr.extensions import db

View = TypeVar("View", bound=Callable[..., Any])
ReviewRule = Callable[[User, Review], bool]
PartOfReview = TypeVar("PartOfReview")


def review_rule(rule: ReviewRule, *, after_disposal: bool = False) -> Callable[[View], View]:
    """Declare that the route may be used by a signed-in person who may see the review and for whom
    `rule(user, review)` holds; the view receives the review as its first argument.

    `after_disposal`: the route shows what was kept of a disposed-of case file (the case page, its
    history, published documents), so it stays open once the case file is disposed of.
    """
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def with_review(reference: str, **kwargs: Any) -> Any:
            review = visible_review_or_404(reference)
            if review.disposed_on is not None and not after_disposal:
                refuse_disposed(review)
            if not rule(current_user, review):
                abort(403)
            return view(review, **kwargs)

        with_review.after_disposal = after_disposal  # type: ignore[attr-defined]
        return declare(AccessRule(review_rule=rule))(with_review)  # type: ignore[return-value]
    return decorate


def visible_review_or_404(reference: str) -> Review:
    """The review, if the current user may see it; 404 otherwise, so its existence is not revealed."""
    # The holds and rounds are read by nearly every page of a review (the deadlines, the stage's actions); the
    # panel only by some (a panel member's access, the panel's section), which load it when they read it: a
    # coordinator's action (the transition POST) no longer loads every seat on the panel.
    review = db.session.scalar(
        sa.select(Review).where(Review.reference == reference)
        .options(selectinload(Review.holds), selectinload(Review.qa_rounds))
    )
    if review is None or not can_view_review(current_user, review):
        abort(404)
    return review


def refuse_disposed(review: Review) -> None:
    """410 Gone: the page would record on (or show the destroyed content of) a disposed-of case file."""
    case_page = url_for("cases.case_page", reference=review.reference)
    abort(make_response(render_error(410, onward=(case_page, f"Go to the case page of {review.reference}"))))


def part_of_review_or_404(review: Review, model: type[PartOfReview], part_id: int) -> PartOfReview:
    """One of `review`'s own records (a document, meeting, cost...) by id; 404 for one of another review's,
    so an id taken from elsewhere reveals nothing."""
    part = db.session.get(model, part_id)
    if part is None or part.review_id != review.id:
        abort(404)
    return part
