"""Actions on a review's costs: record one, remove one recorded in error. Each checks who may act,
writes the change and its history entry, and commits once, or changes nothing.

Amounts stay out of the history: it is read by everyone on the panel, the costs only by the
partnerships' coordinators and managers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.services import InvalidChange, check_may_write, commit_once, past_date_problems
from ssgp_dhr.costs.models import CostKind, ReviewCost
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.presentation import uk_date

LARGEST_PENCE = 100_000_000  # £1,000,000: anything larger is a typing slip


def may_see_costs(user: User, review: Review) -> bool:
    """The coordinators and managers of the review's partnerships: not its panel, nor its chair."""
    return bool({p for role, p in user.grants if role in (Role.COORDINATOR, Role.MANAGER)} & review.partnership_ids)


def costs_of(review: Review) -> list[ReviewCost]:
    return list(db.session.scalars(sa.select(ReviewCost).where(ReviewCost.review_id == review.id)
                                   .order_by(ReviewCost.incurred_on, ReviewCost.id)))


@dataclass(frozen=True)
class CostTotals:
    total_pence: int
    by_funder: list[tuple[str, int]]  # largest first
    by_kind: list[tuple[CostKind, int]]
    by_financial_year: list[tuple[str, int]]  # "2025–26", oldest first: public budgets run April to March


def totals(costs: list[ReviewCost]) -> CostTotals:
    return _summed((cost.funder.name, cost.kind, cost.amount_pence) for cost in costs)


def _summed(amounts: Iterable[tuple[str, CostKind | str, int]]) -> CostTotals:
    """(payer, purpose, pence) amounts summed by payer, largest first, and by purpose, in CostKind's order."""
    by_funder: dict[str, int] = {}
    by_kind: dict[CostKind, int] = {}
    for name, kind, pence in amounts:
        by_funder[name] = by_funder.get(name, 0) + pence
        by_kind[CostKind(kind)] = by_kind.get(CostKind(kind), 0) + pence
    return CostTotals(sum(by_funder.values()), sorted(by_funder.items(), key=lambda item: (-item[1], item[0])),
                      [(kind, by_kind[kind]) for kind in CostKind if kind in by_kind], [])


def spend(where: sa.ColumnElement[bool]) -> CostTotals:
    """The costs of the reviews `where` selects, summed in the database by payer and purpose, and by
    financial year: one row each."""
    summed = _summed(db.session.execute(
        sa.select(Organisation.name, ReviewCost.kind, sa.func.sum(ReviewCost.amount_pence))
        .join(Review, Review.id == ReviewCost.review_id).join(Organisation, Organisation.id == ReviewCost.funder_id)
        .where(where).group_by(Organisation.name, ReviewCost.kind)).all())
    year = sa.extract("year", ReviewCost.incurred_on)
    starting = sa.case((sa.extract("month", ReviewCost.incurred_on) >= 4, year), else_=year - 1).label("starting")
    years = db.session.execute(
        sa.select(starting, sa.func.sum(ReviewCost.amount_pence)).join(Review, Review.id == ReviewCost.review_id)
        .where(where).group_by(starting).order_by(starting)).all()
    return CostTotals(summed.total_pence, summed.by_funder, summed.by_kind,
                      [(financial_year(int(start)), pence) for start, pence in years])


def financial_year(starting: int) -> str:
    """The UK public sector's financial year starting in April of `starting`: 2025 -> '2025–26'."""
    return f"{starting}–{(starting + 1) % 100:02d}"


def record_cost(review: Review, actor: User, expected_version: int, *, incurred_on: date | None, kind: str | None,
                amount_pence: int | None, funder_id: int | None, description: str | None) -> ReviewCost:
    check_may_write(review, actor, expected_version,
                    refusal="Only a coordinator of this review's partnership can record its costs")
    description = (description or "").strip()
    problems = _cost_problems(review, incurred_on, kind, amount_pence, funder_id)
    if problems:
        raise InvalidChange(problems)
    cost = ReviewCost(review_id=review.id, incurred_on=incurred_on, kind=CostKind(kind), amount_pence=amount_pence,
                      funder_id=funder_id, description=description, recorded_by_id=actor.id)
    db.session.add(cost)
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="cost",
                 to_value=f"{cost.kind.label}, {uk_date(incurred_on)}")
    commit_once()
    return cost


def _cost_problems(review: Review, incurred_on: date | None, kind: str | None, amount_pence: int | None,
                   funder_id: int | None) -> list[tuple[str, str]]:
    problems = past_date_problems(
        "incurred_on", incurred_on, missing="Enter the date of the cost",
        future="The date of the cost cannot be in the future", earliest=review.notified_on,
        too_early="The date of the cost cannot be before the notification, on")
    if kind not in set(CostKind):
        problems.append(("kind", "Choose what the cost was for"))
    if amount_pence is None or amount_pence <= 0:
        problems.append(("amount", "Enter the amount in pounds, like 1250 or 1,250.50"))
    elif amount_pence > LARGEST_PENCE:
        problems.append(("amount", "The amount must be £1,000,000 or less"))
    if funder_id is None or db.session.get(Organisation, funder_id) is None:
        problems.append(("funder_id", "Choose who pays it"))
    return problems


def remove_cost(cost: ReviewCost, actor: User, expected_version: int, *, reason: str | None) -> None:
    """Remove a cost recorded in error; the history keeps that it was there, and why it went."""
    review = cost.review
    check_may_write(review, actor, expected_version,
                    refusal="Only a coordinator of this review's partnership can remove its costs")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidChange([("reason", "Say why the cost is removed")])
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="cost_removed",
                 to_value=f"{cost.kind.label}, {uk_date(cost.incurred_on)}", reason=reason)
    db.session.delete(cost)
    commit_once()
