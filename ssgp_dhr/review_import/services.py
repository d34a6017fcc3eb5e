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
from sqlalchemy.orm import selectinload

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import deadlines, workflow
from ssgp_dhr.cases import services as cases
from ssgp_dhr.cases.history import append_event
from ssgp_dhr.cases.models import CaseEvent, DelayNotice, EventKind, QARound, Review, ReviewHold
from ssgp_dhr.cases.policy import coordinates
from ssgp_dhr.cases.stages import Stage
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.inputs import has_control_characters
from ssgp_dhr.organisations.models import Organisation, OrganisationKind
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.review_import import timeline
from ssgp_dhr.review_import.columns import (
    BY_KEY,
    DELAY_NOTICES,
    HOLDS,
    RELATED,
    REVIEWS,
    ROUNDS,
    Column,
    HowPublished,
    Kind,
    SheetKind,
    heading_key,
)
from ssgp_dhr.review_import.models import ImportStage, PendingImport
from ssgp_dhr.review_import.reading import Row, Sheet, SpreadsheetRefused, read_spreadsheet
from ssgp_dhr.review_import.timeline import DELAY, Problem, SheetRow, Step

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
class RowResult:
    number: int
    partnership_reference: str | None
    outcome: Outcome = Outcome.CREATED
    problems: list[Problem] = field(default_factory=list)
    reference: str | None = None  # the tracker's reference, once known
    sheet: str | None = None  # a row of another sheet than Reviews, refused on its own (its review is not in the file)

    @property
    def anchor(self) -> str:
        """The row's id on the preview page."""
        return f"row-{self.number}" if self.sheet is None else f"row-{heading_key(self.sheet).replace(' ', '-')}-{self.number}"


@dataclass
class ImportResult:
    rows: list[RowResult]
    saved: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    @property
    def refused(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome is Outcome.REFUSED]


# The reviews of so many rows are written together: in batches, yet without the whole file in memory.
WRITTEN_EVERY = 250


class ImportRefused(Exception):
    """The person may not import for this partnership; `str()` says why."""


def import_reviews(content: bytes, filename: str, partnership: Organisation, actor: User, *,
                   confirm: bool, on_save: Callable[[ImportResult], None] | None = None) -> ImportResult:
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
    importer = _Importer(partnership, actor, recorded_from, sheet)
    entry_ids = _EntryIds(db.session())
    try:
        results = []
        for number, row in enumerate(sheet.rows, start=1):
            results.append(importer.row(row))
            if number % WRITTEN_EVERY == 0:
                db.session.flush()
        # The preview writes what it would save too, then undoes it: what the database refuses shows here.
        db.session.flush()
        result = ImportResult(results + importer.without_review())
        if confirm and not result.refused:
            if on_save is not None:
                on_save(result)
            db.session.commit()
            result.saved = True
        else:
            db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        entry_ids.close()
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
# A check or an import still under way after this has stopped (its server stopped): nothing was saved.
JOB_LONGEST = timedelta(minutes=15)


def upload_for_preview(content: bytes, filename: str, partnership: Organisation, actor: User) -> PendingImport:
    """Keep an uploaded file to be checked (check_upload works out its preview, outside the request).

    The person's earlier uploads, and anyone's older than a day, are deleted in the same transaction.
    """
    if partnership.kind is not OrganisationKind.PARTNERSHIP or not coordinates(actor, _probe(partnership)):
        raise ImportRefused(f"Only a coordinator of {partnership.name} can bring in its reviews")
    db.session.execute(sa.delete(PendingImport).where(sa.or_(
        PendingImport.user_id == actor.id, PendingImport.uploaded_at < utcnow() - PENDING_KEPT)))
    pending = PendingImport(token=secrets.token_urlsafe(32), user_id=actor.id, partnership_id=partnership.id,
                            filename=filename[:200], content=content, stage=ImportStage.CHECKING, started_at=utcnow())
    db.session.add(pending)
    cases.commit_once()
    return pending


def pending_upload(token: str, actor: User) -> PendingImport | None:
    """The file `actor` uploaded with `token`, if it is still kept (nobody else's)."""
    return db.session.scalar(sa.select(PendingImport).where(PendingImport.token == token,
                                                           PendingImport.user_id == actor.id))


def stage_of(pending: PendingImport) -> ImportStage:
    """Where the pending import has got to; a check or import under way past JOB_LONGEST has stopped."""
    stage = ImportStage(pending.stage)
    running = stage in (ImportStage.CHECKING, ImportStage.IMPORTING)
    if running and (pending.started_at is None or pending.started_at < utcnow() - JOB_LONGEST):
        return ImportStage.FAILED
    return stage


def check_upload(pending_id: int) -> None:
    """Work out a kept file's preview and record it on the pending import (a job: see jobs)."""
    def check(pending: PendingImport, actor: User, partnership: Organisation) -> None:
        try:
            found = result_as_json(import_reviews(pending.content, pending.filename, partnership, actor,
                                                  confirm=False))
        except (SpreadsheetRefused, ImportRefused) as refused:
            found = {"refused": str(refused)}
        _record(pending_id, ImportStage.CHECKED, found)
    _job(pending_id, check)


def start_import(pending: PendingImport) -> None:
    """The person confirmed the preview: record that its import is under way (import_upload saves it)."""
    pending.stage, pending.started_at = ImportStage.IMPORTING, utcnow()
    cases.commit_once()


def import_upload(pending_id: int) -> None:
    """Import a previewed file (a job: see jobs). Saved, the pending import keeps the counts, not the file, in
    the same transaction; refused (the tracker changed since the preview), it shows the new preview."""
    def save(pending: PendingImport, actor: User, partnership: Organisation) -> None:
        def saved(result: ImportResult) -> None:
            pending.stage, pending.content = ImportStage.IMPORTED, b""
            pending.result = {"counts": {outcome.value: result.count(outcome) for outcome in Outcome}}

        try:
            result = import_reviews(pending.content, pending.filename, partnership, actor, confirm=True,
                                    on_save=saved)
        except (SpreadsheetRefused, ImportRefused) as refused:
            _record(pending_id, ImportStage.CHECKED, {"refused": str(refused)})
            return
        if not result.saved:
            _record(pending_id, ImportStage.CHECKED, result_as_json(result))
    _job(pending_id, save)


def _job(pending_id: int, work: Callable[[PendingImport, User, Organisation], None]) -> None:
    pending = db.session.get(PendingImport, pending_id)
    if pending is None:
        return  # replaced by another upload meanwhile
    try:
        work(pending, db.session.get(User, pending.user_id), db.session.get(Organisation, pending.partnership_id))
    except Exception:  # the person is told it stopped; the reason is for the log, which never holds the file
        db.session.rollback()
        current_app.logger.exception("The import of pending import %s stopped", pending_id)
        _record(pending_id, ImportStage.FAILED, None)


def _record(pending_id: int, stage: ImportStage, result: dict | None) -> None:
    pending = db.session.get(PendingImport, pending_id)
    if pending is not None:
        pending.stage, pending.result = stage, result
        cases.commit_once()


def forget(pending: PendingImport) -> None:
    """The person has seen that the file was imported: the pending import goes."""
    db.session.delete(pending)
    cases.commit_once()


def result_as_json(result: ImportResult) -> dict[str, Any]:
    """A preview as the pending import keeps it."""
    return {"saved": result.saved, "rows": [
        {"number": row.number, "partnership_reference": row.partnership_reference, "outcome": row.outcome.value,
         "reference": row.reference, "sheet": row.sheet,
         "problems": [{"column": p.column, "reason": p.reason, "sheet": p.sheet, "row": p.row} for p in row.problems]}
        for row in result.rows]}


def result_from_json(kept: dict[str, Any]) -> ImportResult:
    return ImportResult([RowResult(row["number"], row["partnership_reference"], Outcome(row["outcome"]),
                                   [Problem(**problem) for problem in row["problems"]], row["reference"], row["sheet"])
                         for row in kept["rows"]], kept["saved"])


class _Importer:
    def __init__(self, partnership: Organisation, actor: User, recorded_from: str, sheet: Sheet) -> None:
        self.partnership, self.actor, self.recorded_from = partnership, actor, recorded_from
        self.existing = {review.partnership_reference: review for review in db.session.scalars(
            sa.select(Review).where(Review.lead_partnership_id == partnership.id,
                                    Review.partnership_reference.is_not(None))
            .options(selectinload(Review.agencies), selectinload(Review.qa_rounds), selectinload(Review.holds),
                     selectinload(Review.delay_notices)))}
        self.agencies = _agencies_by_name()
        self.seen: dict[str, int] = {}
        self.numbers: dict[int, int] = {}  # the references' numbers given so far, by year
        self.review_type = current_app.config["REVIEW_TYPE_NAME"]
        self.review_ids = _ReviewIds()
        # The rows of the other sheets, by the reference they name, with the problems of those that could not be read.
        self.related: dict[str, dict[str, list[SheetRow]]] = {}
        self.unread: dict[str, list[Problem]] = {}
        for kind in RELATED:
            for row in (sheet.related[kind.name].rows if kind.name in sheet.related else ()):
                self._read_related(kind, row)

    def _read_related(self, kind: SheetKind, row: Row) -> None:
        values, problems = _parsed(row, kind, self.agencies)
        reference = str(row.values.get("partnership_reference") or "")
        self.related.setdefault(reference, {}).setdefault(kind.name, []).append(SheetRow(kind, row.number, values))
        self.unread.setdefault(reference, []).extend(
            Problem(p.column, p.reason, kind.name, row.number) for p in problems)

    def without_review(self) -> list[RowResult]:
        """The rows of the other sheets naming a review the Reviews sheet does not have: each refused."""
        refused = []
        for reference, sheets in self.related.items():
            if reference in self.seen:
                continue
            for kind in RELATED:
                for row in sheets.get(kind.name, ()):
                    reason = (f"The Reviews sheet has no review {reference}: {kind.one} is brought in with its review"
                              if reference else "Enter the partnership reference of the review")
                    refused.append(RowResult(row.number, reference or None, Outcome.REFUSED,
                                             [Problem("Partnership reference", reason)], sheet=kind.name))
        return refused

    def row(self, row: Row) -> RowResult:
        values, problems = _parsed(row, REVIEWS, self.agencies)
        reference = values.get("partnership_reference")
        result = RowResult(row.number, reference)
        duplicate = reference in self.seen
        if duplicate:
            problems.append(Problem(BY_KEY["partnership_reference"].heading,
                                    f"The reference {reference} is also on row {self.seen[reference]}"))
        elif reference:
            self.seen[reference] = row.number
            problems += self.unread.get(reference, [])
        related = {} if duplicate else self.related.get(reference or "", {})
        rounds = holds = notices = None
        if not problems:
            problems = _order_problems(values) + _stage_problems(values)
            rounds, round_problems = timeline.rounds_of(values, related.get(ROUNDS.name, []))
            holds, notices = related.get(HOLDS.name, []), related.get(DELAY_NOTICES.name, [])
            problems += round_problems + timeline.holds_of(holds) + timeline.delay_notices_of(notices)
        if not problems:
            try:
                # A row refused half-way may leave part of its review in the session: harmless, as a file
                # with any refused row is rolled back whole, and no other row touches that review.
                self._bring_in(values, result, timeline.steps(values, rounds, holds, notices))
            except _StepRefused as refused:
                problems = refused.problems
        if problems:
            result.outcome, result.problems = Outcome.REFUSED, problems
        return result

    def _bring_in(self, values: dict[str, Any], result: RowResult, steps: list[Step]) -> None:
        review = self.existing.get(values["partnership_reference"])
        # A blank cell leaves what is recorded: a spreadsheet's gaps never erase what the tracker holds.
        details = {key: values[key] for key in DETAILS if values.get(key) is not None}
        try:
            if review is None:
                review = cases.new_review(self.actor, lead_partnership_id=self.partnership.id,
                                          review_type=self.review_type, recorded_on=today_uk(),
                                          recorded_from=self.recorded_from,
                                          partnership_reference=values["partnership_reference"],
                                          numbers=self.numbers, review_id=self.review_ids.next(), **details)
                self.review_ids.given(review.id)
                result.outcome = Outcome.CREATED
                changed = True
            else:
                result.outcome = Outcome.UPDATED
                changed = bool(cases.change_details(review, self.actor, review.version, details,
                                                    recorded_from=self.recorded_from))
        except cases.WorkflowError as refusal:
            raise _StepRefused(_workflow_problems(refusal, Step(None, "", {}))) from None
        result.reference = review.reference
        changed = self._agencies(review, values.get("agencies")) or changed
        changed = self._advance(review, values, steps) or changed
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

    def _advance(self, review: Review, values: dict[str, Any], steps: list[Step]) -> bool:
        """Take the steps the tracker does not hold yet, in order; those it holds must say the same."""
        recorded = _recorded(review, values, steps)
        last_recorded = max((n for n, step in enumerate(steps) if step in recorded), default=-1)
        changed = False
        for n, step in enumerate(steps):
            try:
                if step in recorded:
                    changed = self._check_recorded(review, step) or changed
                    continue
                if n < last_recorded:
                    raise cases.NotAllowedNow(
                        f"The tracker already records what came after this ({_step_in_words(steps[last_recorded])}): "
                        "record it on the review's page")
                self._take(review, step)
                changed = True
            except cases.WorkflowError as refusal:
                raise _StepRefused(_workflow_problems(refusal, step)) from None
        return changed

    def _take(self, review: Review, step: Step) -> None:
        data = {name: value for name, value in step.data.items() if value is not None}
        if step.trigger != DELAY:
            cases.record_after_the_event(review, step.trigger, self.actor, self.recorded_from, **data)
            return
        owed = deadlines.delay_owed(review)
        if owed is None:
            raise cases.InvalidChange([("told_on", f"On {uk_date(step.on)} neither the decision nor the report "
                                                   "was owed: a delay is told while one of them is")])
        if owed.kind != step.origin.values["deadline"]:
            raise cases.InvalidChange([("deadline", f"On {uk_date(step.on)} {owed.kind.what} was owed: "
                                                    f"choose {owed.kind.what.removeprefix('the ')}")])
        cases.record_delay_notice_after_the_event(review, self.actor, self.recorded_from, **data)

    def _check_recorded(self, review: Review, step: Step) -> bool:
        """A step the tracker holds: the file may not give it different dates (those are corrected on the
        review's page), but for a delay notice, which the import corrects as the page would. Whether it changed."""
        if step.trigger == DELAY:
            return cases.correct_delay_notice_after_the_event(review, self.actor, self.recorded_from, step.recorded,
                                                              **step.data)
        if step.trigger == "pause":
            held = step.recorded
            _check_same(step, {"hold_reason": held.reason, "hold_details": held.details,
                               "hold_started_on": held.started_on, "hold_expected_end_on": held.expected_end_on,
                               "inquest_on": held.inquest_on})
        elif step.trigger == "resume":
            _check_same(step, {"hold_ended_on": step.recorded.ended_on})
        elif step.round is not None:
            held = review.qa_rounds[step.round]
            _check_same(step, {"submitted_on": held.submitted_on, "letter_on": held.letter_on,
                               "panel_meeting_on": held.panel_meeting_on, "changes_requested": held.changes_requested,
                               "qa_outcome": held.outcome})
            _check_same(step, {name: getattr(review, name) for name in step.data if hasattr(Review, name)})
        else:
            _check_same(step, {name: getattr(review, name) for name in step.data if hasattr(Review, name)})
        return False


class _ReviewIds:
    """Ids for the reviews an import adds, taken ahead, so that each need not be written at once to learn its id
    (its history's entries carry it) and the file's writes go in batches.

    PostgreSQL gives them from the table's own sequence, a block at a time. SQLite lets one connection write
    at a time: the first new review is written to learn its id, which holds the database for this
    transaction, and the next ones follow it. Elsewhere each review is written as it is added.
    """

    BLOCK = 500

    def __init__(self) -> None:
        self.database = db.session.get_bind().dialect.name
        self.reserved: list[int] = []
        self.last: int | None = None

    def next(self) -> int | None:
        """The id for the next new review, or None: the database gives it as the review is written."""
        if self.database == "postgresql":
            if not self.reserved:
                self.reserved = list(db.session.scalars(sa.text(
                    "SELECT nextval(pg_get_serial_sequence('reviews', 'id')) FROM generate_series(1, :n)"),
                    {"n": self.BLOCK}))[::-1]
            return self.reserved.pop()
        if self.database == "sqlite" and self.last is not None:
            self.last += 1
            return self.last
        return None

    def given(self, review_id: int) -> None:
        self.last = review_id


class _EntryIds:
    """On PostgreSQL, ids for the history entries, Home Office rounds, holds and delay notices an import adds,
    taken from their tables' sequences as each batch is written.

    Rows whose ids the database gives are sent as long INSERT … VALUES … RETURNING statements, each a different
    text the driver parses anew (a sixth of the import's time); rows whose ids are known go in as one short
    statement, prepared once and run for each row in a pipeline.
    """

    MODELS = (CaseEvent, QARound, ReviewHold, DelayNotice)

    def __init__(self, session: sa.orm.Session) -> None:
        self.session = session
        self.listening = session.get_bind().dialect.name == "postgresql"
        if self.listening:
            sa.event.listen(session, "before_flush", self._before_flush)

    def close(self) -> None:
        if self.listening:
            sa.event.remove(self.session, "before_flush", self._before_flush)
            self.listening = False

    def _before_flush(self, session: sa.orm.Session, _context: Any, _instances: Any) -> None:
        waiting: dict[type, list[Any]] = {}
        for instance in session.new:
            if type(instance) in self.MODELS and instance.id is None:
                waiting.setdefault(type(instance), []).append(instance)
        for model, instances in waiting.items():
            instances.sort(key=lambda instance: sa.inspect(instance).insert_order)  # ids in the order added
            ids = session.connection().scalars(sa.text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                {"table": model.__tablename__, "n": len(instances)}).all()
            for instance, given in zip(instances, sorted(ids), strict=True):
                instance.id = given


class _StepRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.reason for p in problems))


def _recorded(review: Review, values: dict[str, Any], steps: list[Step]) -> set[Step]:
    """The steps the tracker already holds for `review`: the start of the workflow's path it has taken (which
    must be the start of the row's), and the holds and delay notices recorded on the same days."""
    taken = _taken(review)
    main = [step for step in steps if step.trigger not in ("pause", "resume", DELAY)]
    if taken is None or taken != tuple(step.trigger for step in main[:len(taken)]):
        raise _StepRefused([Problem(BY_KEY["stage"].heading, (
            f"The tracker has the review {_in_words(review)}, which the stage {values['stage'].label} does not "
            "follow: change it on the review's page"))])
    found = set(main[:len(taken)])
    holds = {hold.started_on: hold for hold in review.holds}
    notices = {(notice.deadline, notice.told_on): notice for notice in review.delay_notices}
    for step in steps:
        if step.trigger == "pause" and step.data["hold_started_on"] in holds:
            step.recorded = holds[step.data["hold_started_on"]]
        elif step.trigger == "resume" and step.origin.values["hold_started_on"] in holds:
            step.recorded = holds[step.origin.values["hold_started_on"]]
            if step.recorded.ended_on is None:
                continue  # the hold the tracker holds has not ended: resuming it is a new step
        elif step.trigger == DELAY and (step.origin.values["deadline"], step.on) in notices:
            step.recorded = notices[(step.origin.values["deadline"], step.on)]
        else:
            continue
        found.add(step)
    return found


def _in_words(review: Review) -> str:
    return Stage(review.status).in_words


def _step_in_words(step: Step) -> str:
    what = "a delay notice" if step.trigger == DELAY else workflow.ACTIONS[step.trigger].label.lower()
    return f"{what} on {uk_date(step.on)}" if step.on else what


def _taken(review: Review) -> tuple[str, ...] | None:
    """The steps the review took to reach its stage (the one it left, if on hold), if it is one the import reads."""
    stage = Stage(review.status_before_hold if review.status == Stage.ON_HOLD else review.status)
    if stage not in timeline.PATHS and stage is not Stage.CLOSED:
        return None
    how = HowPublished.LEARNING_SUMMARY if review.summary_only_reason else HowPublished.FULL_REPORT
    return timeline.path(stage, how, len(review.qa_rounds))


def _check_same(step: Step, held: dict[str, Any]) -> None:
    """A step already recorded: the file may not give it different values (those are corrected on the page)."""
    for name, value in held.items():
        given = step.data.get(name)
        if given is not None and _stored(given) != _stored(value):
            raise cases.InvalidChange([(name, f"The tracker already records {_shown(value)} for this review: "
                                              "correct it on the review's page")])


def _stored(value: Any) -> Any:
    return ",".join(value) if isinstance(value, list) else value


def _shown(value: Any) -> str:
    return uk_date(value) if isinstance(value, date) else f"“{value}”" if value else "nothing"


def _workflow_problems(refusal: cases.WorkflowError, step: Step) -> list[Problem]:
    if isinstance(refusal, cases.InvalidChange):
        return [step.problem(name, sentence) for name, sentence in refusal.problems]
    if isinstance(refusal, cases.RequirementsNotMet):
        return [step.problem(workflow.requirement_field(refusal.trigger, reason),
                             f"To reach this stage: {reason[0].lower()}{reason[1:]}") for reason in refusal.reasons]
    if step.origin is not None:
        return [step.origin.problem("", f"On {uk_date(step.on)}: {refusal}" if step.on else str(refusal))]
    return [Problem(BY_KEY["stage"].heading, str(refusal))]


# --- Reading each cell as its column's kind ---------------------------------------------------------

def _agencies_by_name() -> dict[str, Organisation]:
    agencies = db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrganisationKind.AGENCY))
    found: dict[str, Organisation] = {}
    for agency in agencies:
        found[agency.name.lower()] = found[agency.short_name.lower()] = agency
    return found


def _parsed(row: Row, kind: SheetKind, agencies: dict[str, Organisation]) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, raw in row.values.items():
        column = kind.by_key[key]
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
        return _number(column, raw)
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


def _number(column: Column, raw: Any) -> int:
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, float) and raw.is_integer())
                                     or (isinstance(raw, str) and raw.strip().isdigit())):
        raise ValueError(f"“{raw}” is not a whole number")
    number = int(raw)
    if column.key == "victim_age" and not 0 <= number <= column.most:
        raise ValueError(f"Enter an age between 0 and {column.most}")
    if not 1 <= number <= column.most:
        raise ValueError(f"Enter a number from 1 to {column.most}")
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
    taken = set(timeline.path(values["stage"], values.get("how_published"), 1))
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
