"""Pages for reviews: My work, the case list, the case page, its action forms, and the workflow.

Views stay thin: services.py does every write and workflow.py judges every action; a view turns
the request into arguments and the outcome (or the refusal) into a page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import aliased
from wtforms.fields.choices import SelectChoice

from ssgp_dhr import presentation
from ssgp_dhr.access import roles_required, signed_in
from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases import areas, deadlines, death_kinds, diagram, forms, history, names, overview, redaction, services, workflow
from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.models import (
    CaseEvent,
    DecisionResponse,
    DecisionResponseOutcome,
    DelayNotice,
    HoldReason,
    Review,
    ReviewHold,
    answers_current_decision,
)
from ssgp_dhr.cases.policy import (
    can_advance,
    can_see_real_names,
    can_view_review,
    followed_partnerships,
    visible_reviews_clause,
)
from ssgp_dhr.cases.routes import part_of_review_or_404, review_rule
from ssgp_dhr.cases.stages import MAIN_PATH, Stage
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import parse_id, query_page
from ssgp_dhr.organisations.models import Organisation, OrganisationKind

cases = Blueprint("cases", __name__, template_folder="templates")

PAGE_SIZE = 25
# The longest search looked for: a reference or a pseudonym is far shorter.
SEARCH_MAX = 100
# Entries on a page of a review's history: eight keep it within three screens at 1280 pixels wide, as every
# page of a review is (tests/browser/test_review_pages.py); the topics narrow it further.
HISTORY_PAGE_SIZE = 8


# --- The nearest deadlines (My work) ------------------------------------------------------

def nearest_deadline_ids(is_open: sa.ColumnElement[bool], shown: int | sa.BindParameter[int]) -> sa.Select:
    """The ids of the `shown` reviews matching `is_open` whose stored next deadline is nearest, then those with
    none: one walk of Review.next_deadline_on, indexed. A statement, so a page can build it once with parameters."""
    return (sa.select(Review.id).where(is_open)
            .order_by(Review.next_deadline_on.is_(None), Review.next_deadline_on, Review.reference).limit(shown))


def nearest_deadlines(is_open: sa.ColumnElement[bool], shown: int) -> list[ListedReview]:
    """The `shown` reviews matching `is_open` whose next deadline is nearest, then those with none.

    One walk of the reviews' stored next deadline (Review.next_deadline_on, indexed): it used to fetch
    twice as many of each deadline kind, work each one's deadline out and sort them in Python.
    """
    return listed_reviews(db.session.scalars(nearest_deadline_ids(is_open, shown)).all())


# --- The case list ----------------------------------------------------------------------------

# Each partnership's place in name order: sorting 10,000 reviews by this number, then by reference
# year and number, is several times cheaper than comparing the names' text on every comparison.
PARTNERSHIP_POSITION = sa.select(
    Organisation.id, sa.func.row_number().over(order_by=Organisation.name).label("position")).subquery()

SORTS: dict[str, tuple[str, Any]] = {
    "reference": ("Reference", (Review.ref_year, Review.ref_number, Review.reference)),
    "pseudonym": ("Pseudonym", (Review.pseudonym, Review.reference)),
    "partnership": ("Lead partnership", (PARTNERSHIP_POSITION.c.position, Review.ref_year, Review.ref_number,
                                         Review.reference)),
    "status": ("Status", (Review.status, Review.reference)),
    "notified": ("Notified", (Review.notified_on, Review.reference)),
}


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL for deadlines.Deadline.is_overdue on the stored next deadline, so the overdue filter pages in the
    database: due before today, and not already past when the review was first recorded."""
    return sa.and_(Review.next_deadline_on < today, Review.next_deadline_on >= Review.recorded_on)


# What the Home Office was last told to expect about the review's next deadline.
_LAST_GIVEN = (sa.select(DelayNotice.expected_on)
               .where(DelayNotice.review_id == Review.id, DelayNotice.deadline == Review.next_deadline_kind)
               .order_by(DelayNotice.told_on.desc(), DelayNotice.id.desc()).limit(1).scalar_subquery())


def untold_delay_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL for deadlines.untold_delay: an overdue decision or report with no date given to the Home Office
    still to come."""
    # None given counts as a date already past, so the last date given is looked up once a review, not twice.
    return sa.and_(overdue_clause(today), sa.func.coalesce(_LAST_GIVEN, today - timedelta(days=1)) < today)


def hold_overrun_clause(today: date) -> sa.ColumnElement[bool]:
    """On hold past the hold's expected end: a delay to resume from or to explain with a new date."""
    return sa.and_(Review.status == Stage.ON_HOLD, sa.exists().where(
        ReviewHold.review_id == Review.id, ReviewHold.ended_on.is_(None), ReviewHold.expected_end_on < today))


# The case list's filter on decisions not to hold a review, by the Home Office's answer to them.
DECLINE_ANSWERS = {
    "awaited": "Awaiting the Home Office's response",
    "review_asked": "The Home Office asked for a review",
}


def declined_clause(answer: str) -> sa.ColumnElement[bool]:
    """Declined reviews whose current decision the Home Office has not answered ('awaited'), or has
    answered by asking for a review that is not yet reopened ('review_asked'): Review.decision_response in SQL."""
    if answer == "awaited":
        return sa.and_(Review.status == Stage.NOT_COMMISSIONED, ~sa.exists().where(answers_current_decision()))
    asking = [o.value for o in DecisionResponseOutcome if o.asks_for_review]
    return sa.and_(Review.status == Stage.NOT_COMMISSIONED,
                   sa.exists().where(answers_current_decision(), DecisionResponse.outcome.in_(asking)))


# The list counts its matches only this far (or a few pages past the one shown): an exact count of
# 10,000 visible reviews was the slowest statement left on the page, and nobody pages through them.
COUNT_UP_TO = 1_000
ANY_OPEN_STAGE = "open"  # the status filter's value for every stage but declined and closed (My work links to it)
STATUS_OPTIONS = [(ANY_OPEN_STAGE, "Any open stage"), *((stage.value, stage.label) for stage in Stage)]
PAGINATION_AHEAD = 3


def _count_up_to(query: sa.Select, limit: int) -> tuple[int, bool]:
    """How many rows `query` selects, counting no further than `limit`: (count, whether exact)."""
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Review.id).order_by(None).limit(limit + 1).subquery()))
    return (counted, True) if counted <= limit else (limit, False)


@dataclass(frozen=True)
class ListedReview:
    """A row of the case list or My work: what it shows of a review, read as columns rather than loaded whole."""

    id: int
    reference: str
    pseudonym: str
    status: str
    notified_on: date
    lead_partnership: str
    joint_partnership: str | None
    next_deadline: deadlines.Deadline | None
    disposed_on: date | None
    death_kind: DeathKind = DeathKind.DOMESTIC_HOMICIDE


# The statement is built once: building it per request (two aliased partnerships, the deadline's SQL)
# cost more CPU than running it. Only the ids change, as an expanding parameter.
_LEAD, _JOINT = aliased(Organisation, name="lead_partnership"), aliased(Organisation, name="joint_partnership")
_LISTED_ROWS = (
    sa.select(Review.id, Review.reference, Review.pseudonym, Review.status, Review.notified_on,
              _LEAD.name.label("lead"), _JOINT.name.label("joint"), Review.next_deadline_kind, Review.next_deadline_on,
              Review.disposed_on, Review.recorded_on, Review.death_kind)
    .join(_LEAD, _LEAD.id == Review.lead_partnership_id)
    .outerjoin(_JOINT, _JOINT.id == Review.joint_partnership_id)
    .where(Review.id.in_(sa.bindparam("ids", expanding=True)))
)


def listed_reviews(ids: list[int]) -> list[ListedReview]:
    """The case list's rows for the reviews `ids`, in that order, in one statement.

    Loading 25 whole reviews (every column, both partnerships, the QA rounds for the deadline) was
    a fifth of the page's time; the columns shown and the next deadline as SQL are all it needs.
    """
    if not ids:
        return []
    rows = db.session.execute(_LISTED_ROWS, {"ids": list(ids)}).all()
    by_id = {row.id: ListedReview(
        id=row.id, reference=row.reference, pseudonym=row.pseudonym, status=row.status, notified_on=row.notified_on,
        lead_partnership=row.lead, joint_partnership=row.joint,
        next_deadline=deadlines.next_deadline_from(row.next_deadline_kind, row.next_deadline_on, row.recorded_on),
        disposed_on=row.disposed_on, death_kind=row.death_kind,
    ) for row in rows}
    return [by_id[review_id] for review_id in ids]


@dataclass(frozen=True)
class ListFilters:
    """The case list's filters and order, as the query string gives them (unknown values are ignored):
    shared by the page and its CSV, so the download holds exactly what the page lists."""

    status: str = ""
    partnership: str = ""
    year: str = ""
    overdue: bool = False
    untold: bool = False
    overrun: bool = False
    declined: str = ""
    kind: str = ""  # a kind of death (death_kinds.DeathKind)
    search: str = ""
    sort: str = "reference"
    order: str = "desc"

    @classmethod
    def from_args(cls, args: Any) -> ListFilters:
        status = args.get("status", "")
        sort = args.get("sort", "reference") if args.get("sort") in SORTS else "reference"
        order = args.get("order") if args.get("order") in ("asc", "desc") else ("desc" if sort == "reference" else "asc")
        return cls(
            status=status if status in workflow.STAGE_BY_NAME or status == ANY_OPEN_STAGE else "",
            partnership=args.get("partnership", ""), year=args.get("year", ""),
            overdue=args.get("overdue") == "yes", untold=args.get("untold") == "yes",
            overrun=args.get("overrun") == "yes",
            declined=args.get("declined", "") if args.get("declined") in DECLINE_ANSWERS else "",
            kind=args.get("kind", "") if args.get("kind") in set(DeathKind) else "",
            search=args.get("q", "").strip()[:SEARCH_MAX], sort=sort, order=order)

    def query_args(self) -> dict[str, str]:
        """The filters in force, as query-string arguments (not the order or the page)."""
        return {k: v for k, v in {
            "status": self.status, "partnership": self.partnership, "year": self.year,
            "overdue": "yes" if self.overdue else "", "untold": "yes" if self.untold else "",
            "overrun": "yes" if self.overrun else "", "declined": self.declined, "kind": self.kind,
            "q": self.search}.items() if v}

    def matching(self, user: User, today: date) -> sa.Select:
        """The reviews `user` may see that the filters match."""
        query = sa.select(Review).where(visible_reviews_clause(user))
        if self.status in workflow.STAGE_BY_NAME:
            query = query.where(Review.status == self.status)
        elif self.status == ANY_OPEN_STAGE:
            query = query.where(Review.status.in_(workflow.OPEN_STATES))
        # A value that cannot name a partnership or a year is ignored, as a hand-edited address's other values are.
        partnership, year = parse_id(self.partnership), parse_id(self.year)
        if partnership:
            query = query.where(sa.or_(Review.lead_partnership_id == partnership,
                                       Review.joint_partnership_id == partnership))
        if year:
            query = query.where(Review.ref_year == year)
        for wanted, clause in ((self.overdue, overdue_clause), (self.untold, untold_delay_clause),
                               (self.overrun, hold_overrun_clause)):
            if wanted:
                query = query.where(clause(today))
        if self.declined:
            query = query.where(declined_clause(self.declined))
        if self.kind:
            query = query.where(Review.death_kind == self.kind)
        if self.search:
            typed = self.search.lower()  # autoescape: a % or _ typed is looked for, not a wildcard
            query = query.where(sa.or_(sa.func.lower(Review.reference).contains(typed, autoescape=True),
                                       sa.func.lower(Review.pseudonym).contains(typed, autoescape=True),
                                       sa.func.lower(Review.partnership_reference).contains(typed, autoescape=True)))
        return query

    def _sorted(self, matching: sa.Select) -> sa.Select:
        """`matching` with what the order sorts by (for the partnership, its place in name order)."""
        return matching.join(PARTNERSHIP_POSITION, PARTNERSHIP_POSITION.c.id == Review.lead_partnership_id) \
            if self.sort == "partnership" else matching

    def ordered_ids(self, matching: sa.Select, *, backwards: bool = False, sortable: bool = False) -> sa.Select:
        """The matching reviews' ids in the list's order (`backwards`: the reverse; `sortable`: `matching` came
        from past(), which joined what the order needs). Sorting only the sort keys, then reading the rows
        shown by id: sorting the full rows of all visible reviews was most of the page's time at 10,000
        reviews, and grew with the offset."""
        descending = (self.order == "desc") != backwards
        return (matching if sortable else self._sorted(matching)).with_only_columns(Review.id).order_by(
            *(c.desc() if descending else c.asc() for c in SORTS[self.sort][1]))

    def past(self, matching: sa.Select, reference: str, *, forward: bool, including: bool = False) -> sa.Select:
        """The matching reviews after (`forward`) or before the review `reference` in the list's order (and it,
        `including`), when the filters match it: the sort key compared as a row (each sort's last column, the
        reference, is unique, so reviews sharing the rest of a key are never skipped or listed twice).
        Matching no review, it selects none."""
        key = SORTS[self.sort][1]
        anchor = self._sorted(matching).with_only_columns(*key).where(Review.reference == reference) \
            .scalar_subquery().correlate(None)
        row = sa.tuple_(*key)
        later = (self.order == "asc") == forward
        if including:
            return self._sorted(matching).where(row >= anchor if later else row <= anchor)
        return self._sorted(matching).where(row > anchor if later else row < anchor)


def _page_from(chosen: ListFilters, query: sa.Select, page: int, *, after: str, before: str
               ) -> tuple[list[int], int, bool] | None:
    """Page `page` read from the review it follows (`after`: the last of the page before) or precedes
    (`before`: the first of the page after), as the pagination's neighbouring links give them: keyset
    pagination, so page 200 reads its 25 rows and counts a few pages on instead of sorting and counting the
    4,975 before it. (ids, total, exact), or None when the review given is not in the list (changed since,
    or typed): then the page is found by its number."""
    forward = bool(after)
    anchor = after or before
    ids = list(db.session.scalars(chosen.ordered_ids(chosen.past(query, anchor, forward=forward),
                                                     backwards=not forward, sortable=True).limit(PAGE_SIZE)))
    if not ids:
        return None
    shown_before = (page - 1) * PAGE_SIZE
    cap = max(COUNT_UP_TO, (page + PAGINATION_AHEAD) * PAGE_SIZE) - shown_before
    if forward:  # this page and every review after it
        counted, exact = _count_up_to(chosen.past(query, anchor, forward=True), cap)
    else:  # this page, then the review given and every one after it
        ids.reverse()
        rest, exact = _count_up_to(chosen.past(query, anchor, forward=True, including=True), cap - len(ids))
        counted = len(ids) + rest
    return ids, shown_before + counted, exact


# The longest reference a pagination link carries: a reference is far shorter.
ANCHOR_MAX = 40


@cases.get("/cases")
@signed_in
def case_list():  # noqa: ANN201
    today = today_uk()
    chosen = ListFilters.from_args(request.args)
    query = chosen.matching(current_user, today)
    requested = query_page()
    after, before = (request.args.get(name, "")[:ANCHOR_MAX] for name in ("after", "before"))
    found = _page_from(chosen, query, requested, after=after, before=before) \
        if requested > 1 and (after or before) else None
    if found is not None:
        page_ids, total, exact = found
        page = requested
    else:
        total, exact = _count_up_to(query, max(COUNT_UP_TO, (requested + PAGINATION_AHEAD) * PAGE_SIZE))
        page = min(requested, max(1, math.ceil(total / PAGE_SIZE)))
        page_ids = db.session.scalars(chosen.ordered_ids(query).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    reviews = listed_reviews(page_ids)

    # The partnerships offered are the user's own (and those of their panels'), from the roles already
    # loaded with the user; the years run between the oldest and newest reference, read at the two
    # ends of the (ref_year, ref_number) index. Both used to scan every visible review per request.
    partnerships = followed_partnerships(current_user)
    first_year, last_year = db.session.execute(sa.select(
        sa.select(sa.func.min(Review.ref_year)).scalar_subquery(),
        sa.select(sa.func.max(Review.ref_year)).scalar_subquery())).one()
    years = [(y, y) for y in range(last_year, first_year - 1, -1)] if first_year is not None else []
    filters = chosen.query_args()

    def list_url(**changes: Any) -> str:
        """This list's address with `changes`: the filters stay in the query string, so it can be bookmarked."""
        params = {**filters, "sort": chosen.sort, "order": chosen.order, "page": page, **changes}
        params = {k: v for k, v in params.items() if v not in (None, "") and not (k == "page" and v == 1)}
        return url_for("cases.case_list") + "?" + urlencode(params)

    def page_url(number: int) -> str:
        """The next and previous pages' links say which review they follow or precede (keyset pagination)."""
        if reviews and number == page + 1:
            return list_url(page=number, after=reviews[-1].reference)
        if reviews and number == page - 1 > 1:
            return list_url(page=number, before=reviews[0].reference)
        return list_url(page=number)

    pagination = presentation.pagination(page, pages, page_url, label="Pages of reviews", more_beyond=not exact)

    return render_template(
        "cases/list.html", pagination=pagination, reviews=reviews, total=total, exact=exact, page=page, pages=pages,
        today=today, filters=filters, status=chosen.status, partnership=chosen.partnership, year=chosen.year,
        search=chosen.search, overdue=chosen.overdue, untold=chosen.untold, overrun=chosen.overrun,
        declined=chosen.declined, decline_answers=DECLINE_ANSWERS, kind=chosen.kind,
        death_kinds=death_kinds.choices(),
        sort=chosen.sort, order=chosen.order, sorts=SORTS, list_url=list_url, partnerships=partnerships, years=years,
        stage_by_name=workflow.STAGE_BY_NAME, next_deadline=deadlines.next_deadline,
        status_options=STATUS_OPTIONS,
        page_size=PAGE_SIZE,
        csv_url=url_for("cases.case_list_csv", **filters, sort=chosen.sort, order=chosen.order),
    )


CASE_LIST_CSV_COLUMNS = ("Reference", "Pseudonym", "Kind of death", "Stage", "Lead partnership", "Joint partnership", "Notified",
                         "Next deadline", "Due", "Days overdue", "Case file disposed of")


@cases.get("/cases.csv")
@signed_in
def case_list_csv() -> Response:
    """Every review the list's filters match (not one page), in its order: for a partnership's report on
    its reviews. Never a real name: the same columns as the list, and the next deadline."""
    today = today_uk()
    chosen = ListFilters.from_args(request.args)
    ids = db.session.scalars(chosen.ordered_ids(chosen.matching(current_user, today))).all()
    rows: list[list[Any]] = []
    for review in listed_reviews(ids):
        due = review.next_deadline
        rows.append([review.reference, review.pseudonym, death_kinds.wording(review.death_kind).label,
                     workflow.STAGE_BY_NAME[review.status].label,
                     review.lead_partnership, review.joint_partnership or "", review.notified_on.isoformat(),
                     due.name if due else "", due.due_on.isoformat() if due else "",
                     due.days_overdue(today) if due and due.is_overdue(today) else "",
                     review.disposed_on.isoformat() if review.disposed_on else ""])
    return presentation.csv_response(CASE_LIST_CSV_COLUMNS, rows, f"reviews-{today.isoformat()}.csv")


# --- A new notification -----------------------------------------------------------------------

def _partnerships(keeping: int | None = None) -> list[Organisation]:
    """The active partnerships, and the one `keeping` names (already recorded on the review) even if inactive."""
    return db.session.scalars(
        sa.select(Organisation).where(Organisation.kind == OrganisationKind.PARTNERSHIP,
                                      sa.or_(Organisation.is_active, Organisation.id == keeping))
        .order_by(Organisation.name)
    ).all()


@cases.route("/cases/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def new_notification():  # noqa: ANN201
    form = forms.NotificationForm()
    coordinated = current_user.partnerships_for(Role.COORDINATOR)
    all_partnerships = _partnerships()
    form.lead_partnership_id.choices = [SelectChoice(str(p.id), p.name) for p in all_partnerships if p.id in coordinated]
    if len(form.lead_partnership_id.choices) > 1:
        form.lead_partnership_id.choices.insert(0, SelectChoice("", "Choose a partnership"))
    form.set_partnership_choices(all_partnerships)
    form.speak_of(form.death_kind.data)
    if form.validate_on_submit():
        details = form.details(real_names=True)
        try:
            review = services.record_notification(
                current_user, lead_partnership_id=int(form.lead_partnership_id.data),
                review_type=current_app.config["REVIEW_TYPE_NAME"], **details)
        except services.WorkflowError as error:
            errors = [{"text": str(error), "href": "#lead_partnership_id"}]
            return render_template("cases/new.html", form=form, errors=errors), 400
        flash(f"Notification recorded as {review.reference}")
        return redirect(url_for("cases.case_page", reference=review.reference))
    return render_template("cases/new.html", form=form, errors=forms.error_list(form)), 400 if form.errors else 200


# --- The case page ----------------------------------------------------------------------------

def _review_context(review: Review) -> dict[str, Any]:
    """What every page of a review renders its sections with (cases/_review_frame.html)."""
    today = today_uk()
    return dict(
        review=review, today=today, may_act=can_advance(current_user, review),
        sections=[s for s in areas.sections() if s.shown(review, current_user)], sub_pages=areas.sub_pages(),
        **_history_context(review))


@cases.get("/cases/<reference>")
@review_rule(can_view_review, after_disposal=True)
def case_page(review: Review):  # noqa: ANN201
    """The review's overview: what needs attention, its key facts and deadlines, and what this person may do now."""
    context = _review_context(review)
    today = context["today"]
    panels = [(panel, found) for panel in areas.overview_panels()
              if (found := panel.context(review, current_user)) is not None]
    return render_template(
        "cases/case.html", **context, main_path=MAIN_PATH, considered_at=services.CONSIDERED_AT,
        offers=overview.offers(review, current_user), attention=overview.attention(review, current_user, today),
        overview_panels=panels, deadlines=deadlines.deadlines(review), days_on_hold=deadlines.days_on_hold(review, today),
        delay_reportable=overview.delay_reportable(review, today), delay_notice=deadlines.latest_delay_notice(review),
        untold_delay=deadlines.untold_delay(review, today),
    )


@cases.get("/cases/<reference>/<page>")
@review_rule(can_view_review, after_disposal=True)
def review_page(review: Review, page: str):  # noqa: ANN201
    """One of the review's sub-pages (Panel and agencies, Documents, ...): the sections its area registered."""
    found = next((p for p in areas.sub_pages() if p.slug == page), None)
    if found is None:
        abort(404)
    return render_template("cases/review_page.html", **_review_context(review), page=page, page_label=found.label)


def _history_context(review: Review) -> dict[str, Any]:
    """What cases/_history.html needs besides the events: entries of topics the viewer may not read (a
    review's costs, for the panel) are `withheld`, each field with what is said instead."""
    return {"show_real_names": can_see_real_names(current_user, review), "stages": workflow.STAGE_BY_NAME,
            "withheld": history.withheld_from(current_user, review),
            "field_labels": HISTORY_FIELD_LABELS, "event_titles": history.EVENT_TITLES,
            "field_name": lambda field: history.field_name(field, review.death_kind),
            "value_in_words": history.value_in_words, "may_redact": _redactable(review)}


def _redactable(review: Review) -> Callable[[CaseEvent], bool]:
    """Whether the viewer may redact an entry: a lead partnership's coordinator, of an entry holding a real name."""
    if not redaction.may_redact(current_user, review):
        return lambda _event: False
    recorded = names.restricted_names(review)
    return lambda event: bool(event.salt) and any(
        names.mask(text, review, recorded) != text for text in history.entry_texts(event).values())


@cases.route("/cases/<reference>/history/<int:event_id>/redact", methods=["GET", "POST"])
@review_rule(redaction.may_redact)
def redact_entry(review: Review, event_id: int):  # noqa: ANN201
    """Redact the real names typed into one history entry, keeping the chain (cases/redaction.py)."""
    event = part_of_review_or_404(review, CaseEvent, event_id)
    form = forms.RedactionForm()
    if request.method == "GET":
        form.version.data = str(review.version)
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            redaction.redact_entry(review, current_user, event, form.reason.data)
        except services.WorkflowError as refused:
            errors = [{"text": str(refused), "href": "#reason"}]
        else:
            flash(f"Entry {event.seq} redacted: the history still verifies, and records the redaction")
            return redirect(url_for("cases.case_history", reference=review.reference))
    elif form.errors:
        errors = forms.error_list(form)
    return render_template("cases/redact.html", review=review, form=form, errors=errors, entry=event,
                           texts=redaction.redacted_texts(review, event)), 400 if errors else 200


# An action's data in the history, labelled as on its form, but as statements where the form asks a question.
HISTORY_FIELD_LABELS = {**forms.ACTION_FIELD_LABELS, "hold_reason": "Waiting for",
                        "qa_outcome": "What the letter says about publication"}


@cases.get("/cases/<reference>/history")
@review_rule(can_view_review, after_disposal=True)
def case_history(review: Review):  # noqa: ANN201
    """Every entry of the review's history, a page at a time, newest first: the case page shows the latest."""
    topic = request.args.get("topic", "") if request.args.get("topic") in history.HISTORY_TOPICS else ""
    total = history.topic_count(review, topic) if topic else review.event_count
    pages = max(1, math.ceil(total / HISTORY_PAGE_SIZE))
    page = min(query_page(), pages)  # past the end: the last page
    skip = (page - 1) * HISTORY_PAGE_SIZE
    events = (history.topic_events(review, topic, skip=skip, limit=HISTORY_PAGE_SIZE) if topic
              else history.newest_events(review, skip=skip, limit=HISTORY_PAGE_SIZE))
    pagination = presentation.pagination(
        page, pages, lambda n: url_for("cases.case_history", reference=review.reference, topic=topic or None,
                                       page=n if n > 1 else None),
        label="Pages of the history")
    return render_template("cases/history.html", **_review_context(review), events=events, page=page, pages=pages,
                           total=total, topic=topic, topics=history.HISTORY_TOPICS,
                           offered=history.topics_for(current_user, review), pagination=pagination, first=skip + 1)


def _anchor(form: forms.VersionedForm, name: str) -> str:
    field = getattr(form, name)
    return field.error_anchor() if hasattr(field, "error_anchor") else field.id


def _change_lines(review: Review, changes: list[CaseEvent]) -> list[tuple[str, datetime]]:
    """What another person changed, in words; restricted values only for those who may see them."""
    real_names = can_see_real_names(current_user, review)
    lines = []
    for event in changes:
        who = event.actor.full_name if event.actor else "The system"
        when = event.occurred_at
        if event.field == "status" and event.from_value:
            text = (f"{who} moved the review from {workflow.STAGE_BY_NAME[event.from_value].label} "
                    f"to {workflow.STAGE_BY_NAME[event.to_value].label}")
        elif event.is_restricted and not real_names:
            text = f"{who} changed a restricted detail"
        elif event.field in history.EVENT_TITLES:
            value = names.masked_for(current_user, review, history.value_in_words(event.field, event.to_value))
            text = f"{history.EVENT_TITLES[event.field]}: {value}, by {who}"
        else:
            before, after = (names.masked_for(current_user, review, history.value_in_words(event.field, v)) or "blank"
                             for v in (event.from_value, event.to_value))
            text = f"{who} changed the {history.field_name(event.field, review.death_kind)} from “{before}” to “{after}”"
        lines.append((text, when))
    return lines


def _shown_again(form: forms.VersionedForm, stale: services.StaleReview) -> tuple[Review, list, int]:
    """The form again, over the review as it is now, with what changed since the user loaded it.

    The form takes the new version, so submitting it again on purpose goes through.
    """
    form.version.data = str(stale.review.version)
    return stale.review, _change_lines(stale.review, stale.changes), 409


@cases.route("/cases/<reference>/actions/<trigger>", methods=["GET", "POST"])
@review_rule(can_advance)
def action(review: Review, trigger: str):  # noqa: ANN201
    if trigger not in workflow.ACTIONS:
        abort(404)
    if trigger not in workflow.available_triggers(review.status) and request.method == "GET":
        abort(409)  # the case moved on since the user saw the button
    form = forms.action_form_class(trigger)()
    forms.fit_to_review(form, review)
    if request.method == "GET":
        form.version.data = str(review.version)
    errors: list[dict[str, str]] = []
    changed: list = []
    status = 200
    if form.validate_on_submit():
        try:
            services.advance(review, trigger, current_user, _version(form), **forms.action_data(form, trigger))
        except services.StaleReview as stale:
            review, changed, status = _shown_again(form, stale)
        except services.RequirementsNotMet as unmet:
            for reason in unmet.reasons:
                name = workflow.requirement_field(trigger, reason)
                getattr(form, name).errors = [*getattr(form, name).errors, reason]
                errors.append({"text": reason, "href": f"#{_anchor(form, name)}"})
            status = 400
        except services.WorkflowError as refused:
            errors.append({"text": str(refused), "href": f"#{_anchor(form, workflow.ACTIONS[trigger].fields[0])}"})
            status = 409
        else:
            flash(f"{workflow.ACTIONS[trigger].label}: done. The review is now "
                  f"{workflow.STAGE_BY_NAME[review.status].in_words}.")
            return redirect(url_for("cases.case_page", reference=review.reference))
    elif form.errors:
        errors, status = forms.error_list(form), 400
    return render_template("cases/action.html", review=review, form=form, action=workflow.ACTIONS[trigger],
                           errors=errors, changed=changed, stages=workflow.STAGE_BY_NAME), status


def _version(form: forms.VersionedForm) -> int:
    return form.seen_version()


@cases.route("/cases/<reference>/edit", methods=["GET", "POST"])
@review_rule(can_advance)
def edit_details(review: Review):  # noqa: ANN201
    real_names = can_see_real_names(current_user, review)
    form = forms.DetailsForm(obj=review if request.method == "GET" else None)
    form.set_partnership_choices(p for p in _partnerships(keeping=review.joint_partnership_id)
                                 if p.id != review.lead_partnership_id)
    if request.method == "GET":
        form.joint_partnership_id.data = str(review.joint_partnership_id or "")
        form.joint_review_kind.data = review.joint_review_kind.value if review.joint_review_kind else ""
        form.death_kind.data = review.death_kind.value
        form.notifier_kind.data = review.notifier_kind.value
    form.speak_of(form.death_kind.data)
    if not real_names:
        # The fields are left out of the form entirely, so they are neither shown nor required.
        for name in ("victim_name", "perpetrator_name", "victim_date_of_birth", "victim_address"):
            delattr(form, name)
    return review_form(
        review, form, template="cases/edit.html", first_field="pseudonym",
        act=lambda version: services.update_details(review, current_user, version, form.details(real_names)),
        done=lambda: "Case details saved", context=lambda shown: {"real_names": real_names})


@cases.route("/cases/<reference>/hold/expected-end", methods=["GET", "POST"])
@review_rule(can_advance)
def change_hold_end(review: Review):  # noqa: ANN201
    if review.current_hold is None and request.method == "GET":
        abort(409)  # the review was resumed since the user saw the link
    form = forms.HoldEndForm()
    return review_form(
        review, form, template="cases/hold_end.html", first_field="expected_end_on",
        act=lambda version: services.change_hold_end(
            review, current_user, version, expected_end_on=form.expected_end_on.data, reason=form.reason.data),
        done=lambda: f"The hold is now expected to end on {presentation.uk_date(form.expected_end_on.data)}",
        context=lambda shown: {"hold": shown.current_hold})


@cases.route("/cases/<reference>/hold/inquest", methods=["GET", "POST"])
@review_rule(can_advance)
def record_inquest_date(review: Review):  # noqa: ANN201
    hold = review.current_hold
    if (hold is None or hold.reason is not HoldReason.INQUEST) and request.method == "GET":
        abort(409)  # the review was resumed since the user saw the link
    form = forms.InquestDateForm(obj=hold if request.method == "GET" else None)
    return review_form(
        review, form, template="cases/inquest_date.html", first_field="inquest_on", anchor="deadlines",
        act=lambda version: services.record_inquest_date(review, current_user, version,
                                                         inquest_on=form.inquest_on.data),
        done=lambda: f"The inquest is listed for {presentation.uk_date(form.inquest_on.data)}",
        context=lambda shown: {"hold": shown.current_hold})


@cases.route("/cases/<reference>/coroner-request", methods=["GET", "POST"])
@review_rule(can_advance)
def record_coroner_request(review: Review):  # noqa: ANN201
    form = forms.CoronerRequestForm()
    if request.method == "GET":
        form.received_on.data, form.details.data, form.sent_on.data = (
            getattr(review, field) for field in services.CORONER_REQUEST_FIELDS)
    return review_form(
        review, form, template="cases/coroner_request.html", first_field="received_on", anchor="key-facts",
        act=lambda version: services.record_coroner_request(
            review, current_user, version, received_on=form.received_on.data, details=form.details.data,
            sent_on=form.sent_on.data),
        done=lambda: "The coroner's request is recorded", context=lambda shown: {})


@cases.route("/cases/<reference>/delays/new", methods=["GET", "POST"])
@review_rule(can_advance)
def record_delay(review: Review):  # noqa: ANN201
    owed = deadlines.delay_owed(review)
    if owed is None and request.method == "GET":
        abort(409)  # the decision was made, or the report went to the Home Office, since the user saw the link
    form = forms.DelayNoticeForm()
    form.about(owed.kind if owed else deadlines.delay_deadline(review).kind)
    return review_form(
        review, form, template="cases/delay_new.html", first_field="told_on", anchor="deadlines",
        act=lambda version: services.record_delay_notice(
            review, current_user, version, told_on=form.told_on.data, cause=form.cause.data,
            explanation=form.explanation.data, expected_on=form.expected_on.data),
        done=lambda: "Delay recorded: the case page shows when the Home Office was told",
        context=lambda shown: {"deadline": deadlines.delay_deadline(shown), "today": today_uk(),
                               "latest": deadlines.latest_delay_notice(shown)})


@cases.route("/cases/<reference>/delays/<int:notice_id>/correct", methods=["GET", "POST"])
@review_rule(can_advance)
def correct_delay(review: Review, notice_id: int):  # noqa: ANN201
    notice = next((n for n in review.delay_notices if n.id == notice_id), None)
    if notice is None:
        abort(404)
    form = forms.DelayNoticeForm(obj=notice if request.method == "GET" else None)
    form.about(notice.deadline)
    form.submit.label.text = "Save the correction"
    changed: list[bool] = []

    def act(version: int) -> None:
        changed.append(services.correct_delay_notice(
            review, current_user, version, notice, told_on=form.told_on.data, cause=form.cause.data,
            explanation=form.explanation.data, expected_on=form.expected_on.data))
    return review_form(
        review, form, template="cases/delay_correct.html", first_field="told_on", anchor="deadlines", act=act,
        done=lambda: "Delay corrected: the history keeps what it said before" if changed[0] else "Nothing was changed",
        context=lambda shown: {"notice": notice, "may_record": deadlines.delay_owed(shown) is not None})


@cases.route("/cases/<reference>/consideration-panels/new", methods=["GET", "POST"])
@review_rule(can_advance)
def record_consideration_panel(review: Review):  # noqa: ANN201
    if review.status not in services.CONSIDERED_AT and request.method == "GET":
        abort(409)  # a review was commissioned since the user saw the link
    form = forms.ConsiderationPanelForm()
    return review_form(
        review, form, template="cases/consideration_panel.html", first_field="met_on",
        act=lambda version: services.record_consideration_panel(
            review, current_user, version, met_on=form.met_on.data, attended_by=form.attended_by.data,
            advice=form.advice.data, rationale=form.rationale.data),
        done=lambda: "The consideration panel is recorded", context=lambda shown: {})


@cases.route("/cases/<reference>/decision/response", methods=["GET", "POST"])
@review_rule(can_advance)
def record_decision_response(review: Review):  # noqa: ANN201
    if review.home_office_told_on is None and request.method == "GET":
        abort(409)  # the Home Office has not been told of a decision: there is nothing to answer
    form = forms.DecisionResponseForm(obj=review.decision_response if request.method == "GET" else None)
    form.answering(review.review_held)
    return review_form(
        review, form, template="cases/decision_response.html", first_field="received_on",
        act=lambda version: services.record_decision_response(
            review, current_user, version, received_on=form.received_on.data, notes=form.notes.data,
            outcome=form.outcome.data if "outcome" in form else DecisionResponseOutcome.ACKNOWLEDGED.value),
        done=lambda: "The Home Office's response is recorded",
        context=lambda shown: {"recorded": shown.decision_response})


def review_form(review: Review, form: forms.VersionedForm, *, template: str, first_field: str,
                 act: Callable[[int], Any], done: Callable[[], str], context: Callable[[Review], dict[str, Any]],
                 anchor: str | None = None) -> Any:
    """Show `form` about `review`; on a valid submit, `act(version)` (a service call) and back to the case.

    A stale form comes back over the review as it now is, with what changed; the service's sentences
    go on their fields; any other refusal heads the form.
    """
    if request.method == "GET":
        form.version.data = str(review.version)
    errors: list[dict[str, str]] = []
    changed: list = []
    status = 200
    if form.validate_on_submit():
        try:
            act(_version(form))
        except services.StaleReview as stale:
            review, changed, status = _shown_again(form, stale)
        except services.InvalidChange as invalid:
            errors, status = forms.place_problems(form, invalid.problems), 400
        except services.WorkflowError as refused:
            errors, status = [{"text": str(refused), "href": f"#{_anchor(form, first_field)}"}], 409
        else:
            flash(done())
            return redirect(areas.section_url(review.reference, anchor) if anchor else
                            url_for("cases.case_page", reference=review.reference))
    elif form.errors:
        errors, status = forms.error_list(form), 400
    return render_template(template, review=review, form=form, errors=errors, changed=changed,
                           **context(review)), status


# --- The workflow -----------------------------------------------------------------------------

@cases.get("/workflow")
@signed_in
def workflow_page():  # noqa: ANN201
    return render_template("cases/workflow.html", drawing=diagram.layout(), box_w=diagram.BOX_W, box_h=diagram.BOX_H,
                           stages=workflow.STAGES,
                           transitions=workflow.TRANSITIONS, actions=workflow.ACTIONS,
                           stage_by_name=workflow.STAGE_BY_NAME)


@cases.get("/workflow.svg")
@signed_in
def workflow_svg() -> Response:
    svg = render_template("cases/workflow.svg", drawing=diagram.layout(), standalone=True,
                          box_w=diagram.BOX_W, box_h=diagram.BOX_H)
    return Response(svg, mimetype="image/svg+xml")


def init_app(app: Flask) -> None:
    """The review's own words in its history; the areas add theirs in their own init_app."""
    history.register_value_labels("published_documents", dict(forms.PUBLISHED_DOCUMENTS))
    app.jinja_env.globals["Stage"] = Stage
    areas.init_app(app)
    app.jinja_env.globals["death_kind_words"] = death_kinds.wording
    # {{ text | masked(review) }}: free text with the recorded real names hidden from those who may not see them.
    app.jinja_env.filters["masked"] = lambda text, review: names.masked_for(current_user, review, text)
