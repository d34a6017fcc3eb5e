"""Bringing a partnership's reviews in from its spreadsheet: a preview of every row, then the whole file
in one transaction or nothing.

Each review is built by the services the pages use: created as notified, then moved through the
workflow's own transitions with the dates given (cases.services.record_after_the_event), so its history
reads as what happened, each entry saying it was recorded from the spreadsheet, when and by whom. The
review's recorded_on is the day of the import: deadlines that had passed by then are "recorded after
the event", not overdue. A row whose reference the partnership's reviews already hold updates that
review: only what changed, with history; the same file again changes nothing.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import services as cases
from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import EventKind, Review
from ssgp_dhr.cases.policy import coordinates
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import has_control_characters
from ssgp_dhr.organisations.models import Organisation, OrganisationKind
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.review_import.columns import BY_KEY, Column, HowPublished, Kind
from ssgp_dhr.review_import.models import PendingImport
from ssgp_dhr.review_import.reading import Row, read_spreadsheet

# The workflow's path to each stage a spreadsheet can name (a review on hold is brought in at the
# stage it left, then put on hold on its page).
PATHS: dict[Stage, tuple[str, ...]] = {
    Stage.NOTIFIED: (),
    Stage.NOT_COMMISSIONED: ("decline",),
    Stage.COMMISSIONED: ("commission",),
    Stage.PANEL: ("commission", "convene_panel"),
    Stage.HOME_OFFICE_REVIEW: ("commission", "convene_panel", "submit"),
    Stage.REVISING: ("commission", "convene_panel", "submit", "request_revisions"),
    Stage.APPROVED: ("commission", "convene_panel", "submit", "approve"),
    Stage.PUBLISHED: ("commission", "convene_panel", "submit", "approve", "publish"),
    Stage.SUMMARY_ONLY: ("commission", "convene_panel", "submit", "approve", "publish_summary"),
}
# Dates that cannot come before another: (later, earlier).
DATE_ORDER = (
    ("notified_on", "date_of_death"), ("decision_on", "notified_on"), ("home_office_told_on", "decision_on"),
    ("chair_appointed_on", "decision_on"), ("terms_of_reference_agreed_on", "decision_on"),
    ("submitted_on", "terms_of_reference_agreed_on"), ("submitted_on", "overview_report_completed_on"),
    ("submitted_on", "panel_signed_off_on"), ("letter_on", "submitted_on"), ("published_on", "letter_on"),
    ("closed_on", "published_on"),
)
DETAILS = ("pseudonym", "victim_name", "perpetrator_name", "victim_age", "death_kind", "date_of_death",
           "notified_on", "notified_by")


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class Problem:
    column: str  # the column's heading, or "" for the row as a whole
    reason: str


@dataclass
class RowResult:
    number: int
    partnership_reference: str | None
    outcome: Outcome = Outcome.CREATED
    problems: list[Problem] = field(default_factory=list)
    reference: str | None = None  # the tracker's reference, once known


@dataclass
class ImportResult:
    rows: list[RowResult]
    saved: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    @property
    def refused(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome is Outcome.REFUSED]


class ImportRefused(Exception):
    """The person may not import for this partnership; `str()` says why."""


def import_reviews(content: bytes, filename: str, partnership: Organisation, actor: User, *,
                   confirm: bool, on_save: Callable[[], None] | None = None) -> ImportResult:
    """Every row's result; with `confirm` and no refusal, everything saved in one transaction (with
    what `on_save` writes in it).

    The preview runs the same import and rolls it back, so it shows what confirming would do. A
    SpreadsheetRefused (the file itself) is raised before anything is read into the database.
    """
    if partnership.kind is not OrganisationKind.PARTNERSHIP or not coordinates(actor, _probe(partnership)):
        raise ImportRefused(f"Only a coordinator of {partnership.name} can bring in its reviews")
    sheet = read_spreadsheet(content, filename)
    recorded_from = (f"Recorded from the partnership's spreadsheet ({filename}) on {uk_date(today_uk())} "
                     f"by {actor.full_name}")
    importer = _Importer(partnership, actor, recorded_from)
    try:
        results = [importer.row(row) for row in sheet.rows]
        result = ImportResult(results)
        if confirm and not result.refused:
            if on_save is not None:
                on_save()
            db.session.commit()
            result.saved = True
        else:
            db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise
    return result


def _probe(partnership: Organisation) -> Review:
    return Review(lead_partnership_id=partnership.id)


def importing_partnerships(actor: User) -> list[Organisation]:
    """The partnerships whose reviews `actor` may bring in: those they coordinate."""
    return [p for p in db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrganisationKind.PARTNERSHIP).order_by(Organisation.name))
        if coordinates(actor, _probe(p))]


# A previewed file not confirmed within this is deleted with the next upload: it holds real names.
PENDING_KEPT = timedelta(days=1)


def preview_upload(content: bytes, filename: str, partnership: Organisation,
                   actor: User) -> tuple[ImportResult, str]:
    """Preview an uploaded file and keep it until it is confirmed: its result and the token that confirms it.

    The person's earlier uploads, and anyone's older than a day, are deleted in the same transaction.
    """
    result = import_reviews(content, filename, partnership, actor, confirm=False)
    db.session.execute(sa.delete(PendingImport).where(sa.or_(
        PendingImport.user_id == actor.id, PendingImport.uploaded_at < utcnow() - PENDING_KEPT)))
    token = secrets.token_urlsafe(32)
    db.session.add(PendingImport(token=token, user_id=actor.id, partnership_id=partnership.id,
                                 filename=filename[:200], content=content))
    cases.commit_once()
    return result, token


def pending_upload(token: str, actor: User) -> PendingImport | None:
    """The file `actor` uploaded with `token`, if it is still kept (nobody else's)."""
    return db.session.scalar(sa.select(PendingImport).where(PendingImport.token == token,
                                                           PendingImport.user_id == actor.id))


def confirm_upload(pending: PendingImport, actor: User) -> ImportResult:
    """Import the previewed file; once saved, the file is deleted in the same transaction."""
    partnership = db.session.get(Organisation, pending.partnership_id)
    content, filename = pending.content, pending.filename
    return import_reviews(content, filename, partnership, actor, confirm=True,
                          on_save=lambda: db.session.delete(pending))


class _Importer:
    def __init__(self, partnership: Organisation, actor: User, recorded_from: str) -> None:
        self.partnership, self.actor, self.recorded_from = partnership, actor, recorded_from
        self.existing = {review.partnership_reference: review for review in db.session.scalars(
            sa.select(Review).where(Review.lead_partnership_id == partnership.id,
                                    Review.partnership_reference.is_not(None)))}
        self.agencies = _agencies_by_name()
        self.seen: dict[str, int] = {}
        self.numbers: dict[int, int] = {}  # the references' numbers given so far, by year
        self.review_type = current_app.config["REVIEW_TYPE_NAME"]

    def row(self, row: Row) -> RowResult:
        values, problems = _parsed(row, self.agencies)
        reference = values.get("partnership_reference")
        result = RowResult(row.number, reference)
        if reference in self.seen:
            problems.append(Problem(BY_KEY["partnership_reference"].heading,
                                    f"The reference {reference} is also on row {self.seen[reference]}"))
        elif reference:
            self.seen[reference] = row.number
        if not problems:
            problems = _order_problems(values) + _stage_problems(values)
        if not problems:
            try:
                # A row refused half-way may leave part of its review in the session: harmless, as a file
                # with any refused row is rolled back whole, and no other row touches that review.
                self._bring_in(values, result)
            except cases.WorkflowError as refusal:
                problems = _workflow_problems(refusal, result)
        if problems:
            result.outcome, result.problems = Outcome.REFUSED, problems
        return result

    def _bring_in(self, values: dict[str, Any], result: RowResult) -> None:
        review = self.existing.get(values["partnership_reference"])
        # A blank cell leaves what is recorded: a spreadsheet's gaps never erase what the tracker holds.
        details = {key: values[key] for key in DETAILS if values.get(key) is not None}
        if review is None:
            review = cases.new_review(self.actor, lead_partnership_id=self.partnership.id,
                                      review_type=self.review_type, recorded_on=today_uk(),
                                      recorded_from=self.recorded_from,
                                      partnership_reference=values["partnership_reference"],
                                      numbers=self.numbers, **details)
            result.outcome = Outcome.CREATED
            changed = True
        else:
            result.outcome = Outcome.UPDATED
            changed = bool(cases.change_details(review, self.actor, review.version, details,
                                                recorded_from=self.recorded_from))
        result.reference = review.reference
        changed = self._agencies(review, values.get("agencies")) or changed
        changed = self._advance(review, values) or changed
        if result.outcome is Outcome.UPDATED and not changed:
            result.outcome = Outcome.UNCHANGED

    def _agencies(self, review: Review, named: list[Organisation] | None) -> bool:
        if named is None or set(named) == set(review.agencies):
            return False
        before = ", ".join(a.name for a in review.agencies)
        review.agencies = sorted(set(named), key=lambda a: a.name)
        append_event(review, self.actor, EventKind.CHANGE, based_on_version=review.version, field="agencies",
                     from_value=before or None, to_value=", ".join(a.name for a in review.agencies),
                     payload={cases.RECORDED_FROM: self.recorded_from})
        return True

    def _advance(self, review: Review, values: dict[str, Any]) -> bool:
        path = _path(values)
        taken = _taken(review)
        if taken is None or taken != path[:len(taken)]:
            raise cases.NotAllowedNow(f"The tracker has the review {Stage(review.status).in_words}, which the "
                                      f"stage {values['stage'].label} does not follow: change it on the review's page")
        for trigger in taken:
            _check_same(review, trigger, values)
        for trigger in path[len(taken):]:
            data = {f: values[f] for f in workflow.ACTIONS[trigger].fields if values.get(f) is not None}
            cases.record_after_the_event(review, trigger, self.actor, self.recorded_from, **data)
        return len(path) > len(taken)


def _taken(review: Review) -> tuple[str, ...] | None:
    """The steps the review took to reach its stage, if it is one the import reads."""
    if review.status == Stage.CLOSED:
        return _path({"stage": Stage.CLOSED, "how_published": HowPublished.LEARNING_SUMMARY
                      if review.summary_only_reason else HowPublished.FULL_REPORT})
    return PATHS.get(Stage(review.status))


def _path(values: dict[str, Any]) -> tuple[str, ...]:
    stage = values["stage"]
    if stage is Stage.CLOSED:
        published = "publish_summary" if values.get("how_published") is HowPublished.LEARNING_SUMMARY else "publish"
        return (*PATHS[Stage.PUBLISHED][:-1], published, "close")
    return PATHS[stage]


def _check_same(review: Review, trigger: str, values: dict[str, Any]) -> None:
    """A step already recorded: the row may not give it different dates (those are corrected on the page)."""
    for name in workflow.ACTIONS[trigger].fields:
        given, held = values.get(name), getattr(review, name, None)
        if given is not None and hasattr(Review, name) and _stored(given) != _stored(held):
            raise cases.InvalidChange([(name, f"The tracker already records {_shown(held)} for this review: "
                                              "correct it on the review's page")])


def _stored(value: Any) -> Any:
    return ",".join(value) if isinstance(value, list) else value


def _shown(value: Any) -> str:
    return uk_date(value) if isinstance(value, date) else f"“{value}”" if value else "nothing"


def _workflow_problems(refusal: cases.WorkflowError, result: RowResult) -> list[Problem]:
    if isinstance(refusal, cases.InvalidChange):
        return [Problem(_heading(name), sentence) for name, sentence in refusal.problems]
    if isinstance(refusal, cases.RequirementsNotMet):
        return [Problem(_heading(workflow.requirement_field(refusal.trigger, reason)),
                        f"To reach this stage: {reason[0].lower()}{reason[1:]}") for reason in refusal.reasons]
    return [Problem(BY_KEY["stage"].heading, str(refusal))]


def _heading(name: str) -> str:
    return BY_KEY[name].heading if name in BY_KEY else ""


# --- Reading each cell as its column's kind ---------------------------------------------------------

def _agencies_by_name() -> dict[str, Organisation]:
    agencies = db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrganisationKind.AGENCY))
    found: dict[str, Organisation] = {}
    for agency in agencies:
        found[agency.name.lower()] = found[agency.short_name.lower()] = agency
    return found


def _parsed(row: Row, agencies: dict[str, Organisation]) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, raw in row.values.items():
        column = BY_KEY[key]
        if raw is None:
            if column.required:
                problems.append(Problem(column.heading, f"Enter the {column.heading.lower()}"))
            values[key] = None
            continue
        try:
            values[key] = _value(column, raw, agencies)
        except ValueError as problem:
            problems.append(Problem(column.heading, str(problem)))
    return values, problems


def _value(column: Column, raw: Any, agencies: dict[str, Organisation]) -> Any:
    if column.kind is Kind.DATE:
        return _date(raw)
    if column.kind is Kind.NUMBER:
        return _number(raw)
    text = _text(column, raw)
    if column.kind is Kind.CHOICE:
        return _choice(column, text)
    if column.key == "agencies":
        return _agency_list(text, agencies)
    if column.kind is Kind.LIST:
        return [_choice(column, part) for part in _parts(text)]
    return text


def _text(column: Column, raw: Any) -> str:
    # A formula is the text typed (=A1+1), never its result: openpyxl does not evaluate it.
    text = raw.isoformat() if isinstance(raw, (date, datetime)) else str(raw)
    if has_control_characters(text, multi_line=column.kind is Kind.LONG_TEXT):
        raise ValueError("Remove the characters that cannot be shown (such as a tab)")
    if len(text) > column.longest:
        raise ValueError(f"Use {column.longest:,} characters or fewer")
    return text


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for parse in (_uk_date, date.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date that exists: write it like 21/03/2024")


def _uk_date(text: str) -> date:
    day, month, year = (int(part) for part in text.split("/"))
    if year < 1000:
        raise ValueError(text)
    return date(year, month, day)


def _number(raw: Any) -> int:
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())
                                     or (isinstance(raw, str) and raw.strip().isdigit())):
        raise ValueError(f"“{raw}” is not a whole number")
    number = int(raw)
    if not 0 <= number <= 130:
        raise ValueError("Enter an age between 0 and 130")
    return number


def _choice(column: Column, text: str) -> Any:
    wanted = " ".join(text.lower().replace("_", " ").split())
    for value, label in column.choices:
        if wanted in (label.lower(), value.replace("_", " ")):
            return {"stage": Stage, "how_published": HowPublished}.get(column.key, str)(value)
    allowed = "; ".join(label for _, label in column.choices)
    raise ValueError(f"“{text}” is not one of the allowed values: {allowed}")


def _parts(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _agency_list(text: str, agencies: dict[str, Organisation]) -> list[Organisation]:
    unknown = [part for part in _parts(text) if part.lower() not in agencies]
    if unknown:
        raise ValueError(f"Unknown agency: {', '.join(unknown)}. An administrator adds agencies first")
    return [agencies[part.lower()] for part in _parts(text)]


def _order_problems(values: dict[str, Any]) -> list[Problem]:
    problems = []
    for later, earlier in DATE_ORDER:
        a, b = values.get(later), values.get(earlier)
        if a is not None and b is not None and a < b:
            problems.append(Problem(BY_KEY[later].heading, f"{BY_KEY[later].heading} ({uk_date(a)}) is before "
                                                           f"{BY_KEY[earlier].heading.lower()} ({uk_date(b)})"))
    return problems


def _stage_problems(values: dict[str, Any]) -> list[Problem]:
    """A date or detail of a step the stage has not reached: the stage and the dates disagree."""
    taken = set(_path(values))
    problems = []
    for trigger, action in workflow.ACTIONS.items():
        if trigger in taken:
            continue
        for name in action.fields:
            if name == "qa_outcome" and values.get(name) == "revise" and "request_revisions" in taken:
                continue  # the letter asked for revisions: the request records it without an outcome
            if name in BY_KEY and values.get(name) is not None and not any(
                    name in workflow.ACTIONS[t].fields for t in taken):
                problems.append(Problem(BY_KEY[name].heading, f"A review at the stage {values['stage'].label} "
                                                              f"cannot have a {BY_KEY[name].heading.lower()}"))
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, kept = set(), []
    for problem in problems:
        if (problem.column, problem.reason) not in seen:
            seen.add((problem.column, problem.reason))
            kept.append(problem)
    return kept
