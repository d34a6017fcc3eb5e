"""Action plan monitoring: the recommendations of every review a person may see, as the partnership
reports on them until all are complete. Read-only; filtered, counted and paged in the database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ssgp_dhr.accounts.models import User
from ssgp_dhr.action_plan.models import ProgressUpdate, Recommendation, RecommendationLevel
from ssgp_dhr.action_plan.rag import Rag, last_activity, rag_sql
from ssgp_dhr.cases.models import PanelMembership, Review
from ssgp_dhr.cases.names import masker_of
from ssgp_dhr.cases.policy import visible_reviews_clause
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import parse_id
from ssgp_dhr.organisations.models import Organisation

OPEN = "open"  # the status filter's value for red, amber and green together: its default
STATUS_CHOICES = {OPEN: "Not complete", **{rag.value: rag.label for rag in (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE)},
                  "any": "Any"}


@dataclass(frozen=True)
class Filters:
    """What the monitoring page and its CSV are narrowed to; every field is optional but the status."""

    status: str = OPEN
    agency: int | None = None
    partnership: int | None = None
    level: str = ""
    proposed: bool = False  # completion proposed by the owner, not yet accepted
    owned: bool = False  # only those the person may post progress on as the owning agency's panel member
    search: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str]) -> Filters:
        """From a query string, ignoring values that are not choices (a hand-edited address shows everything)."""
        return cls(status=args.get("status") if args.get("status") in STATUS_CHOICES else OPEN,
                   agency=parse_id(args.get("agency")), partnership=parse_id(args.get("partnership")),
                   level=args.get("level", "") if args.get("level") in set(RecommendationLevel) else "",
                   proposed=args.get("proposed") == "yes", owned=args.get("owned") == "yes",
                   search=args.get("q", "").strip()[:100])

    def query_args(self) -> dict[str, str]:
        """The filters as a query string's values, leaving out those at their defaults."""
        values = {"status": "" if self.status == OPEN else self.status, "agency": self.agency or "",
                  "partnership": self.partnership or "", "level": self.level,
                  "proposed": "yes" if self.proposed else "", "owned": "yes" if self.owned else "", "q": self.search}
        return {k: str(v) for k, v in values.items() if v}


def _owned_by(user: User) -> sa.ColumnElement[bool]:
    """Recommendations whose owning agency the user represents on the review's panel today (services.owns)."""
    today = today_uk()
    return sa.exists().where(
        PanelMembership.review_id == Recommendation.review_id, PanelMembership.user_id == user.id,
        PanelMembership.agency_id == Recommendation.owning_agency_id, PanelMembership.started_on <= today,
        sa.or_(PanelMembership.ended_on.is_(None), PanelMembership.ended_on > today))


def _matching(user: User, filters: Filters, today: date, *, with_status: bool = True) -> sa.Select:
    query = sa.select(Recommendation.id).join(Review, Review.id == Recommendation.review_id) \
        .where(visible_reviews_clause(user))
    if with_status and filters.status == OPEN:
        query = query.where(Recommendation.completed_on.is_(None))
    elif with_status and filters.status in set(Rag):
        query = query.where(rag_sql(today) == filters.status)
    if filters.agency:
        query = query.where(Recommendation.owning_agency_id == filters.agency)
    if filters.partnership:
        query = query.where(sa.or_(Review.lead_partnership_id == filters.partnership,
                                   Review.joint_partnership_id == filters.partnership))
    if filters.level:
        query = query.where(Recommendation.level == filters.level)
    if filters.proposed:
        query = query.where(Recommendation.completion_proposed_on.is_not(None), Recommendation.completed_on.is_(None))
    if filters.owned:
        query = query.where(_owned_by(user))
    if filters.search:
        typed = filters.search.lower()  # autoescape: a % or _ typed is looked for, not a wildcard
        query = query.where(sa.or_(*(sa.func.lower(column).contains(typed, autoescape=True)
                                     for column in (Review.reference, Review.pseudonym, Recommendation.reference))))
    return query


def rag_counts(user: User, filters: Filters, today: date) -> dict[Rag, int]:
    """How many of the recommendations matching every filter but the status are at each RAG status."""
    matching = _matching(user, filters, today, with_status=False).add_columns(rag_sql(today).label("rag")).subquery()
    counts = dict(db.session.execute(sa.select(matching.c.rag, sa.func.count()).group_by(matching.c.rag)).all())
    return {rag: counts.get(rag.value, 0) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE)}


def matching_count(counts: dict[Rag, int], status: str) -> int:
    """How many recommendations the status filter leaves, from rag_counts: no second count in the database."""
    if status == "any":
        return sum(counts.values())
    if status in set(Rag):
        return counts[Rag(status)]
    return sum(n for rag, n in counts.items() if rag is not Rag.COMPLETE)


@dataclass(frozen=True)
class MonitoredRecommendation:
    """A row of the monitoring page and its CSV, read as columns: never the review's restricted fields."""

    review_id: int
    review_reference: str
    pseudonym: str
    lead_partnership: str
    reference: str
    text: str
    level: RecommendationLevel
    owning_agency: str
    actions: str
    target_on: date
    original_target_on: date | None
    evidence: str | None
    last_activity: datetime
    progress_posted: bool
    latest_progress: str | None
    completion_proposed_on: date | None
    completed_on: date | None
    rag: Rag


def _ordered(query: sa.Select) -> sa.Select:
    # Complete ones last; then the nearest (or longest passed) target first.
    return query.order_by(sa.case((Recommendation.completed_on.is_(None), 0), else_=1), Recommendation.target_on,
                          Review.ref_year, Review.ref_number, Recommendation.reference, Recommendation.id)


def _rows(ids_query: sa.Select, today: date) -> list[MonitoredRecommendation]:
    """The rows for the recommendations `ids_query` selects, in its order, in one statement."""
    lead, agency = aliased(Organisation), aliased(Organisation)
    ids = ids_query.subquery()
    latest = sa.select(ProgressUpdate.text).where(ProgressUpdate.recommendation_id == Recommendation.id) \
        .order_by(ProgressUpdate.posted_at.desc(), ProgressUpdate.id.desc()).limit(1).scalar_subquery()
    posted = sa.exists().where(ProgressUpdate.recommendation_id == Recommendation.id)
    rows = db.session.execute(_ordered(
        sa.select(Review.id.label("review_id"), Review.reference.label("review_reference"), Review.pseudonym,
                  lead.name.label("lead_partnership"),
                  Recommendation.reference, Recommendation.text, Recommendation.level,
                  agency.name.label("owning_agency"), Recommendation.actions, Recommendation.target_on,
                  Recommendation.original_target_on, Recommendation.evidence, last_activity().label("last_activity"),
                  posted.label("progress_posted"), latest.label("latest_progress"), Recommendation.completion_proposed_on,
                  Recommendation.completed_on, rag_sql(today).label("rag"))
        .join(Review, Review.id == Recommendation.review_id)
        .join(lead, lead.id == Review.lead_partnership_id)
        .join(agency, agency.id == Recommendation.owning_agency_id)
        .where(Recommendation.id.in_(sa.select(ids.c.id)))
    )).all()
    return [MonitoredRecommendation(**{**row._asdict(), "level": RecommendationLevel(row.level), "rag": Rag(row.rag),
                                       "progress_posted": bool(row.progress_posted)}) for row in rows]


def page(user: User, filters: Filters, today: date, number: int, size: int) -> list[MonitoredRecommendation]:
    """One page of the matching recommendations: complete last, then by target date."""
    ids = _ordered(_matching(user, filters, today)).limit(size).offset((number - 1) * size)
    return _masked(user, _rows(ids, today))


def every(user: User, filters: Filters, today: date) -> list[MonitoredRecommendation]:
    """Every matching recommendation, for the CSV."""
    return _masked(user, _rows(_matching(user, filters, today), today))


def _masked(user: User, rows: list[MonitoredRecommendation]) -> list[MonitoredRecommendation]:
    """The rows' free text with the real names recorded on their reviews masked for `user`, unless
    they may see them (cases.names.masker: a query for the reviews, and one per area for the names)."""
    masked = masker_of(user, {row.review_id for row in rows})
    return [replace(row, **{field: masked(row.review_id, getattr(row, field))
                            for field in ("text", "actions", "evidence", "latest_progress")}) for row in rows]


def agencies() -> list[sa.Row[tuple[int, str]]]:
    """The agencies that own a recommendation, for the owner filter (few: one row each)."""
    owning = sa.select(Recommendation.owning_agency_id).distinct()
    return list(db.session.execute(sa.select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(owning)).order_by(Organisation.name)))


def attention_counts_row(in_partnership: sa.ColumnElement[bool], today: date) -> sa.Select:
    """For My work, one row from one pass over the partnerships' recommendations not complete: those past
    their target date (`red`), and those proposed as complete that wait for a coordinator (`proposed`); each
    name is the monitoring filter that lists them."""
    return (sa.select(sa.func.count().filter(Recommendation.target_on < today).label("red"),
                      sa.func.count().filter(Recommendation.completion_proposed_on.is_not(None)).label("proposed"))
            .select_from(Recommendation).join(Review, Review.id == Recommendation.review_id)
            .where(in_partnership, Recommendation.completed_on.is_(None)))


def owned_count(user: User) -> int:
    """How many recommendations not complete the user may post progress on as the owning agency's panel member."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)
                             .where(Recommendation.completed_on.is_(None), _owned_by(user))) or 0
