"""Actions on a review's costs: record one, remove one recorded in error, agree how they are shared,
record (or remove) a recharge between funders settling their shares. Each checks who may act, writes
the change and its history entry, and commits once, or changes nothing.

Amounts stay out of the history: it is read by everyone on the panel, the costs only by the
partnerships' coordinators and managers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.policy import coordinates_or_manages
from ssgp_dhr.cases.services import InvalidChange, NotAllowedNow, check_may_write, commit_once, past_date_problems
from ssgp_dhr.costs.models import CostKind, CostRecharge, CostShare, CostSharing, ReviewCost
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import Organisation
from ssgp_dhr.presentation import uk_date

LARGEST_PENCE = 100_000_000  # £1,000,000: anything larger is a typing slip


def may_see_costs(user: User, review: Review) -> bool:
    """The coordinators and managers of the review's partnerships: not its panel, nor its chair."""
    return coordinates_or_manages(user, review)


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


LEDGER_COLUMNS = ("review", "date", "financial_year", "entry", "for", "paid_by", "paid_to", "amount_pence",
                  "details")
# The ledger's columns as a spreadsheet heads them (the amount in pounds there).
LEDGER_HEADINGS = {"review": "Review", "date": "Date", "financial_year": "Financial year", "entry": "Entry",
                   "for": "For", "paid_by": "Paid by", "paid_to": "Paid to", "amount_pence": "Amount in pounds",
                   "details": "Details"}


def ledger(where: sa.ColumnElement[bool]) -> list[dict[str, object]]:
    """Every cost and recharge of the reviews `where` selects, by review and date: the partnerships'
    finance officers reconcile these against their own accounts. Two statements however many."""
    payer, payee = aliased(Organisation), aliased(Organisation)
    costs = db.session.execute(
        sa.select(Review.id, Review.reference, ReviewCost.incurred_on, ReviewCost.kind, payer.name,
                  ReviewCost.amount_pence, ReviewCost.description)
        .join(Review, Review.id == ReviewCost.review_id).join(payer, payer.id == ReviewCost.funder_id).where(where)).all()
    recharges = db.session.execute(
        sa.select(Review.id, Review.reference, CostRecharge.paid_on, payer.name, payee.name, CostRecharge.amount_pence,
                  CostRecharge.reference)
        .join(Review, Review.id == CostRecharge.review_id).join(payer, payer.id == CostRecharge.payer_id)
        .join(payee, payee.id == CostRecharge.payee_id).where(where)).all()
    # review_id is not a column: it is how the CSV masks the details for a reader who may not see names.
    rows = [{"review_id": rid, "review": ref, "date": on, "entry": "cost", "for": CostKind(kind).label, "paid_by": by,
             "paid_to": "", "amount_pence": pence, "details": details} for rid, ref, on, kind, by, pence, details in costs]
    rows += [{"review_id": rid, "review": ref, "date": on, "entry": "recharge", "for": "", "paid_by": by, "paid_to": to,
              "amount_pence": pence, "details": details} for rid, ref, on, by, to, pence, details in recharges]
    for row in rows:
        on = row["date"]
        row["financial_year"] = financial_year(on.year if on.month >= 4 else on.year - 1)
    return sorted(rows, key=lambda row: (row["review"], row["date"], row["entry"]))


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
    problems += _amount_problems(amount_pence)
    if funder_id is None or db.session.get(Organisation, funder_id) is None:
        problems.append(("funder_id", "Choose who pays it"))
    return problems


# What a correction may change, as the history names a changed part.
CORRECTABLE = {"incurred_on": "date", "kind": "what it was for", "amount_pence": "amount", "funder_id": "who pays",
               "description": "details"}


def correct_cost(cost: ReviewCost, actor: User, expected_version: int, *, reason: str | None,
                 incurred_on: date | None, kind: str | None, amount_pence: int | None, funder_id: int | None,
                 description: str | None) -> bool:
    """Correct a cost recorded wrongly (a mistyped amount, the wrong payer), saying why. The history names
    the parts corrected, not their amounts. Returns whether anything changed; the same details again
    write nothing."""
    review = cost.review
    check_may_write(review, actor, expected_version,
                    refusal="Only a coordinator of this review's partnership can correct its costs")
    reason = (reason or "").strip()
    problems = _cost_problems(review, incurred_on, kind, amount_pence, funder_id)
    if not reason:
        problems.append(("reason", "Say why the cost is corrected"))
    if problems:
        raise InvalidChange(problems)
    changed = _corrected(cost, CORRECTABLE, {
        "incurred_on": incurred_on, "kind": CostKind(kind), "amount_pence": amount_pence, "funder_id": funder_id,
        "description": (description or "").strip()})
    if not changed:
        return False
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="cost_corrected",
                 to_value=f"{cost.kind.label}, {uk_date(cost.incurred_on)}: {changed} corrected", reason=reason)
    commit_once()
    return True


def _corrected(entry: ReviewCost | CostRecharge, names: dict[str, str], values: dict[str, object]) -> str:
    """Set the parts of `entry` that differ from `values`; the changed parts in words ("amount, who pays"),
    as the history names them, or "" when nothing differs."""
    changed = [part for part, value in values.items() if getattr(entry, part) != value]
    for part in changed:
        setattr(entry, part, values[part])
    return ", ".join(names[part] for part in changed)


def remove_cost(cost: ReviewCost, actor: User, expected_version: int, *, reason: str | None) -> None:
    """Remove a cost recorded in error, saying why."""
    _remove_recorded(cost, actor, expected_version, reason=reason, what="cost", field="cost_removed",
                     in_words=f"{cost.kind.label}, {uk_date(cost.incurred_on)}")


def _remove_recorded(entry: ReviewCost | CostRecharge, actor: User, expected_version: int, *, reason: str | None,
                     what: str, field: str, in_words: str) -> None:
    """Remove a cost or recharge recorded in error; the history keeps that it was there, and why it went."""
    review = entry.review
    check_may_write(review, actor, expected_version,
                    refusal=f"Only a coordinator of this review's partnership can remove its {what}s")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidChange([("reason", f"Say why the {what} is removed")])
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field=field,
                 to_value=in_words, reason=reason)
    db.session.delete(entry)
    commit_once()


def _amount_problems(amount_pence: int | None) -> list[tuple[str, str]]:
    if amount_pence is None or amount_pence <= 0:
        return [("amount", "Enter the amount in pounds, like 1250 or 1,250.50")]
    if amount_pence > LARGEST_PENCE:
        return [("amount", "The amount must be £1,000,000 or less")]
    return []


WHOLE = 10_000  # basis points in 100%
MOST_FUNDERS = 6  # rows on the sharing form; more funders than this for one review has not been seen


def cost_sharing_of(review: Review) -> CostSharing | None:
    return db.session.scalar(sa.select(CostSharing).where(CostSharing.review_id == review.id))


def share_in_words(basis_points: int) -> str:
    """Basis points as a percentage, without needless decimals: 4000 -> '40%', 3333 -> '33.33%'."""
    whole, part = divmod(basis_points, 100)
    return f"{whole}%" if not part else f"{whole}.{part:02d}".rstrip("0") + "%"


def split_pence(total_pence: int, basis_points: list[int]) -> list[int]:
    """`total_pence` divided by shares adding up to 100%, in whole pence that add up to the total exactly:
    each share rounded down, and the pennies left over given to the largest remainders (the largest
    share first on a tie), so no penny is invoiced twice or lost."""
    exact = [total_pence * points for points in basis_points]
    due = [part // WHOLE for part in exact]
    by_remainder = sorted(range(len(due)), key=lambda i: (-(exact[i] % WHOLE), -basis_points[i], i))
    for i in by_remainder[:total_pence - sum(due)]:
        due[i] += 1
    return due


@dataclass(frozen=True)
class Balance:
    """What one organisation should bear of a review's costs under the agreed shares, what it paid of the
    invoices, and what it sent (positive) or received (negative) in recharges."""

    name: str
    basis_points: int  # 0 for a payer outside the agreement
    due_pence: int
    paid_pence: int
    recharged_pence: int = 0

    @property
    def owed_pence(self) -> int:
        """What it still owes (positive) or is owed back (negative)."""
        return self.due_pence - self.paid_pence - self.recharged_pence


def recharges_of(review: Review) -> list[CostRecharge]:
    return list(db.session.scalars(sa.select(CostRecharge).where(CostRecharge.review_id == review.id)
                                   .order_by(CostRecharge.paid_on, CostRecharge.id)))


def balances(sharing: CostSharing, costs: list[ReviewCost], recharges: Iterable[CostRecharge] = ()) -> list[Balance]:
    """Each funder's share of the costs against what it paid and recharged: the agreement's funders by
    share, then any other organisation that paid or recharged (everything it put in is owed back)."""
    paid: dict[int, int] = {}
    recharged: dict[int, int] = {}
    names: dict[int, str] = {}
    for cost in costs:
        paid[cost.funder_id] = paid.get(cost.funder_id, 0) + cost.amount_pence
        names[cost.funder_id] = cost.funder.name
    for recharge in recharges:
        recharged[recharge.payer_id] = recharged.get(recharge.payer_id, 0) + recharge.amount_pence
        recharged[recharge.payee_id] = recharged.get(recharge.payee_id, 0) - recharge.amount_pence
        names[recharge.payer_id], names[recharge.payee_id] = recharge.payer.name, recharge.payee.name
    due = split_pence(sum(paid.values()), [share.basis_points for share in sharing.shares])
    rows = [Balance(share.organisation.name, share.basis_points, owed, paid.pop(share.organisation_id, 0),
                    recharged.pop(share.organisation_id, 0)) for share, owed in zip(sharing.shares, due, strict=True)]
    others = sorted(set(paid) | set(recharged), key=lambda org: names[org])
    return rows + [Balance(names[org], 0, 0, paid.get(org, 0), recharged.get(org, 0)) for org in others]


@dataclass(frozen=True)
class SharedBalances:
    """Over the reviews with agreed shares: how many, and what each organisation still owes (positive) or
    is owed back (negative), largest owed first, settled organisations left out."""

    reviews: int
    owed: list[tuple[str, int]]


def balances_across(where: sa.ColumnElement[bool]) -> SharedBalances:
    """The balances of every review `where` selects that has agreed shares, summed by organisation, each
    review's split worked out as on its page; recharges settle between organisations and change no
    review's costs. Four statements however many reviews."""
    paid: dict[int, dict[int, int]] = {}
    names: dict[int, str] = {}
    for review_id, org_id, name, pence in db.session.execute(
            sa.select(ReviewCost.review_id, ReviewCost.funder_id, Organisation.name, sa.func.sum(ReviewCost.amount_pence))
            .join(Review, Review.id == ReviewCost.review_id)
            .join(CostSharing, CostSharing.review_id == ReviewCost.review_id)
            .join(Organisation, Organisation.id == ReviewCost.funder_id)
            .where(where).group_by(ReviewCost.review_id, ReviewCost.funder_id, Organisation.name)):
        paid.setdefault(review_id, {})[org_id] = pence
        names[org_id] = name
    owed: dict[int, int] = {}
    payer, payee = aliased(Organisation), aliased(Organisation)
    for payer_id, payer_name, payee_id, payee_name, pence in db.session.execute(
            sa.select(CostRecharge.payer_id, payer.name, CostRecharge.payee_id, payee.name, CostRecharge.amount_pence)
            .join(Review, Review.id == CostRecharge.review_id)
            .join(CostSharing, CostSharing.review_id == CostRecharge.review_id)
            .join(payer, payer.id == CostRecharge.payer_id).join(payee, payee.id == CostRecharge.payee_id)
            .where(where)):
        owed[payer_id] = owed.get(payer_id, 0) - pence
        owed[payee_id] = owed.get(payee_id, 0) + pence
        names[payer_id], names[payee_id] = payer_name, payee_name
    sharings = db.session.scalars(sa.select(CostSharing).join(Review, Review.id == CostSharing.review_id)
                                  .where(where)).all()
    for sharing in sharings:
        review_paid = paid.get(sharing.review_id, {})
        due = split_pence(sum(review_paid.values()), [share.basis_points for share in sharing.shares])
        for share, pence in zip(sharing.shares, due, strict=True):
            owed[share.organisation_id] = owed.get(share.organisation_id, 0) + pence
            names[share.organisation_id] = share.organisation.name
        for org_id, pence in review_paid.items():
            owed[org_id] = owed.get(org_id, 0) - pence
    return SharedBalances(len(sharings), sorted(((names[org], pence) for org, pence in owed.items() if pence),
                                                key=lambda item: (-item[1], item[0])))


def agree_cost_sharing(review: Review, actor: User, expected_version: int, *, agreed_on: date | None,
                       shares: list[tuple[int | None, int | None]], note: str | None) -> CostSharing:
    """Record the shares the funders agreed (rows of organisation id and basis points; empty rows are
    skipped, and a problem names its row: `organisation_2`, `share_2`), replacing any agreed before.
    The same agreement again writes nothing."""
    check_may_write(review, actor, expected_version,
                    refusal="Only a coordinator of this review's partnership can record how its costs are shared")
    note = (note or "").strip()
    given = [(row, org, points) for row, (org, points) in enumerate(shares, start=1)
             if org is not None or points is not None]
    problems = _sharing_problems(review, agreed_on, given)
    if problems:
        raise InvalidChange(problems)
    sharing = cost_sharing_of(review)
    before = _in_words(sharing) if sharing else ""
    if sharing is None:
        sharing = CostSharing(review_id=review.id)
        db.session.add(sharing)
    elif (sharing.agreed_on, sharing.note, {s.organisation_id: s.basis_points for s in sharing.shares}) == (
            agreed_on, note, {org: points for _, org, points in given}):
        return sharing
    sharing.agreed_on, sharing.note, sharing.recorded_by_id = agreed_on, note, actor.id
    sharing.shares.clear()
    db.session.flush()  # the old shares are deleted before new ones may take their organisations
    sharing.shares.extend(CostShare(organisation_id=org, basis_points=points)
                          for _, org, points in sorted(given, key=lambda g: -(g[2] or 0)))
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="cost_sharing",
                 from_value=before, to_value=_in_words(sharing), reason=note or None)
    commit_once()
    return sharing


def _in_words(sharing: CostSharing) -> str:
    return ", ".join(f"{db.session.get(Organisation, s.organisation_id).short_name} {share_in_words(s.basis_points)}"
                     for s in sharing.shares) + f", agreed {uk_date(sharing.agreed_on)}"


def _sharing_problems(review: Review, agreed_on: date | None,
                      given: list[tuple[int, int | None, int | None]]) -> list[tuple[str, str]]:
    problems = past_date_problems(
        "agreed_on", agreed_on, missing="Enter the date the shares were agreed",
        future="The date the shares were agreed cannot be in the future", earliest=review.notified_on,
        too_early="The shares cannot have been agreed before the notification, on")
    if not given:
        return [*problems, ("organisation_1", "Enter at least one organisation and its share")]
    if len(given) > MOST_FUNDERS:  # the form has this many rows: more could not be shown or changed there
        return [*problems, ("organisation_1", f"Agree shares for {MOST_FUNDERS} organisations or fewer")]
    seen: set[int] = set()
    for row, org, points in given:
        if org is None or db.session.get(Organisation, org) is None:
            problems.append((f"organisation_{row}", f"Choose the organisation for share {row}"))
        elif org in seen:
            problems.append((f"organisation_{row}", f"Share {row} names an organisation already given a share"))
        else:
            seen.add(org)
        if points is None or not 0 < points <= WHOLE:
            problems.append((f"share_{row}", f"Enter share {row} as a percentage between 0.01 and 100, like 40 or 33.33"))
    if not problems and (total := sum(points for _, _, points in given)) != WHOLE:
        problems.append((f"share_{given[0][0]}",
                         f"The shares add up to {share_in_words(total)}: they must add up to 100%"))
    return problems


def record_recharge(review: Review, actor: User, expected_version: int, *, paid_on: date | None,
                    payer_id: int | None, payee_id: int | None, amount_pence: int | None,
                    reference: str | None) -> CostRecharge:
    """Record a payment from one funder to another settling their shares of the review's costs."""
    check_may_write(review, actor, expected_version,
                    refusal="Only a coordinator of this review's partnership can record its recharges")
    if cost_sharing_of(review) is None:
        raise NotAllowedNow("Record how the costs are shared before a recharge: it settles the agreed shares")
    problems = _recharge_problems(review, paid_on, payer_id, payee_id, amount_pence)
    if problems:
        raise InvalidChange(problems)
    recharge = CostRecharge(review_id=review.id, paid_on=paid_on, payer_id=payer_id, payee_id=payee_id,
                            amount_pence=amount_pence, reference=(reference or "").strip(), recorded_by_id=actor.id)
    db.session.add(recharge)
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="cost_recharge",
                 to_value=_recharge_in_words(recharge))
    commit_once()
    return recharge


def _recharge_problems(review: Review, paid_on: date | None, payer_id: int | None, payee_id: int | None,
                       amount_pence: int | None) -> list[tuple[str, str]]:
    problems = past_date_problems(
        "paid_on", paid_on, missing="Enter the date of the payment",
        future="The date of the payment cannot be in the future", earliest=review.notified_on,
        too_early="The date of the payment cannot be before the notification, on")
    for field, org, missing in (("payer_id", payer_id, "Choose who paid"), ("payee_id", payee_id, "Choose who was paid")):
        if org is None or db.session.get(Organisation, org) is None:
            problems.append((field, missing))
    if payer_id is not None and payer_id == payee_id:
        problems.append(("payee_id", "Choose an organisation other than the one that paid"))
    return problems + _amount_problems(amount_pence)


# What a recharge's correction may change, as the history names a changed part.
CORRECTABLE_IN_A_RECHARGE = {"paid_on": "date", "payer_id": "who paid", "payee_id": "who was paid",
                             "amount_pence": "amount", "reference": "reference"}


def correct_recharge(recharge: CostRecharge, actor: User, expected_version: int, *, reason: str | None,
                     paid_on: date | None, payer_id: int | None, payee_id: int | None, amount_pence: int | None,
                     reference: str | None) -> bool:
    """Correct a recharge recorded wrongly, saying why; the history names the parts corrected, not the
    amounts. Returns whether anything changed: the same details again write nothing."""
    review = recharge.review
    check_may_write(review, actor, expected_version,
                    refusal="Only a coordinator of this review's partnership can correct its recharges")
    reason = (reason or "").strip()
    problems = _recharge_problems(review, paid_on, payer_id, payee_id, amount_pence)
    if not reason:
        problems.append(("reason", "Say why the recharge is corrected"))
    if problems:
        raise InvalidChange(problems)
    changed = _corrected(recharge, CORRECTABLE_IN_A_RECHARGE, {
        "paid_on": paid_on, "payer_id": payer_id, "payee_id": payee_id, "amount_pence": amount_pence,
        "reference": (reference or "").strip()})
    if not changed:
        return False
    append_event(review, actor, EventKind.CHANGE, based_on_version=expected_version, field="cost_recharge_corrected",
                 to_value=f"{_recharge_in_words(recharge)}: {changed} corrected", reason=reason)
    commit_once()
    return True


def remove_recharge(recharge: CostRecharge, actor: User, expected_version: int, *, reason: str | None) -> None:
    """Remove a recharge recorded in error, saying why."""
    _remove_recorded(recharge, actor, expected_version, reason=reason, what="recharge", field="cost_recharge_removed",
                     in_words=_recharge_in_words(recharge))


def _recharge_in_words(recharge: CostRecharge) -> str:
    payer, payee = (db.session.get(Organisation, org) for org in (recharge.payer_id, recharge.payee_id))
    return f"{payer.short_name} to {payee.short_name}, {uk_date(recharge.paid_on)}"
