"""Reminders: record what is owed from every source, e-mail each one at most once; notifications.

At most once, not at least once. Each e-mail is *claimed* (its reminder row set to `sending`, and
committed) just before it is handed to the mail server, and marked `sent` in its own transaction
right after the server accepts it. A refusal from the server (a 4xx/5xx reply, or no connection at
all) means it was not sent: the row goes to `failed` and the next run tries again (up to
MAX_ATTEMPTS). But if the connection breaks mid-message, or the run is killed between the claim and
the mark, nobody knows whether the message went: the row stays `unknown`/`sending` and is NOT sent
again. We chose this side because a duplicate is the worse failure here: every e-mail leaves the
secure system, and people who get the same chaser twice learn to ignore them; whereas an unsent
reminder is not lost: it is still on the recipient's My work page, and the outbox page and the
command's exit status show it for someone to follow up. (At-least-once would instead record after
sending, and resend whenever the record was not written.) With no SMTP server (development) the
outbox row and the `sent` mark are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload

from ssgp_dhr.accounts.models import Role, User
from ssgp_dhr.cases.models import RESTRICTED_FIELDS, Review
from ssgp_dhr.cases.names import mask, restricted_names
from ssgp_dhr.clock import today_uk, utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.reminders import mailer as mail
from ssgp_dhr.reminders.models import EmailState, OutboxMessage, Reminder
from ssgp_dhr.reminders.sources import DueItem, registered_sources

MAX_ATTEMPTS = 5  # a message refused this many times is left for a person to look at
NOTIFICATIONS_SHOWN = 20


@dataclass
class RunReport:
    """What one run of send-reminders did, for the command's output and its exit status."""

    transport: str = ""
    recorded: int = 0  # new reminders (each also a notification)
    sent: int = 0
    refused: int = 0  # not sent, tried again next run
    interrupted: int = 0  # outcome unknown: not sent again
    withheld: list[str] = field(default_factory=list)  # refused by the content check: kinds and references
    stopped: str | None = None  # why the run stopped before the end
    unconfirmed: int = 0  # reminders whose e-mail is in doubt after this run (all runs)

    @property
    def ok(self) -> bool:
        return not (self.refused or self.interrupted or self.withheld or self.stopped)


class RestrictedContent(Exception):
    """A reminder's text would carry a restricted field's value; `str()` names the field, never the value."""


def _restricted_forms(review: Review) -> Iterable[tuple[str, str]]:
    for name in sorted(RESTRICTED_FIELDS):
        value = getattr(review, name, None)
        if value in (None, ""):
            continue
        forms = {str(value)}
        if isinstance(value, date):
            forms |= {value.isoformat(), uk_date(value), value.strftime("%d/%m/%Y")}
        for form in forms:
            if len(form.strip()) >= 3:
                yield name, form.strip().lower()


def check_no_restricted_content(review: Review, *texts: str) -> None:
    """Refuse text that would take a real name, date of birth or address out of the service."""
    joined = "\n".join(texts).lower()
    for name, form in _restricted_forms(review):
        if form in joined:
            raise RestrictedContent(f"a reminder for {review.reference} would contain its {name.replace('_', ' ')}")


def _record(due: DueItem, existing: set[tuple], report: RunReport) -> None:
    body = "\n\n".join(due.lines)
    try:
        check_no_restricted_content(due.review, due.subject, body)
    except RestrictedContent as refused:
        current_app.logger.error("Reminder withheld: %s", refused)
        report.withheld.append(f"{due.kind} {due.review.reference}")
        return
    # An e-mail leaves the secure system: any other recorded name (a family contact's, a part of one)
    # in the text it quotes is masked, for every recipient.
    names = restricted_names(due.review)
    subject = mask(due.subject, due.review, names) or due.subject
    body = mask(body, due.review, names) or ""
    for person in due.recipients:
        key = (person.id, due.kind, due.item, due.due_on, due.occasion)
        if key in existing:
            continue
        try:
            # A savepoint each: a run at the same moment may insert the same reminder; the unique
            # constraint then refuses ours, and that one reminder is skipped, not the whole run.
            with db.session.begin_nested():
                db.session.add(Reminder(
                    recipient_id=person.id, review_id=due.review.id, kind=due.kind, item=due.item, due_on=due.due_on,
                    occasion=due.occasion, subject=subject, body=body, link_path=due.path(),
                ))
            report.recorded += 1
        except IntegrityError:
            pass
        existing.add(key)


def record_due_reminders(today: date, report: RunReport) -> None:
    """Ask every registered source what is due today; record a reminder per recipient not yet reminded."""
    for source in registered_sources().values():
        items = list(source(today))
        if not items:
            continue
        existing = {tuple(row) for row in db.session.execute(
            sa.select(Reminder.recipient_id, Reminder.kind, Reminder.item, Reminder.due_on, Reminder.occasion)
            .where(Reminder.item.in_({due.item for due in items}))
        )}
        for due in items:
            _record(due, existing, report)
    db.session.commit()


def _claim(reminder_id: int) -> bool:
    """Take the reminder for this run (committed), unless another run already has."""
    taken = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.email_state.in_((EmailState.PENDING, EmailState.FAILED)))
        .values(email_state=EmailState.SENDING, email_attempts=Reminder.email_attempts + 1, email_claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return taken.rowcount == 1


def _finish(reminder_id: int, state: EmailState, error: str | None = None) -> None:
    values: dict = {"email_state": state, "email_error": error[:300] if error else None}
    if state is EmailState.SENT:
        values["email_sent_at"] = utcnow()
    db.session.execute(sa.update(Reminder).where(Reminder.id == reminder_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def deliver(mailer: mail.Mailer, report: RunReport) -> None:
    """E-mail every reminder not yet sent (or refused before), each claimed, sent and marked in turn."""
    config = current_app.config
    waiting = db.session.scalars(
        sa.select(Reminder.id)
        .where(Reminder.email_state.in_((EmailState.PENDING, EmailState.FAILED)), Reminder.email_attempts < MAX_ATTEMPTS)
        .order_by(Reminder.id)
    ).all()
    try:
        for reminder_id in waiting:
            reminder = db.session.get(Reminder, reminder_id, populate_existing=True)
            message = mail.compose(reminder, config)
            if not _claim(reminder_id):
                continue
            reminder = db.session.get(Reminder, reminder_id)
            try:
                mailer.send(reminder, message)
            except mail.CannotConnect as error:
                db.session.rollback()
                _finish(reminder_id, EmailState.FAILED, str(error))
                report.refused += 1
                report.stopped = str(error)
                break
            except mail.Refused as error:
                db.session.rollback()
                _finish(reminder_id, EmailState.FAILED, str(error))
                report.refused += 1
                current_app.logger.warning("Reminder %s refused: %s", reminder_id, error)
                continue
            except mail.Interrupted as error:
                db.session.rollback()
                _finish(reminder_id, EmailState.UNKNOWN, str(error))
                report.interrupted += 1
                current_app.logger.error("Reminder %s: outcome unknown, not sent again: %s", reminder_id, error)
                continue
            # The server has it: record that at once, in its own transaction (with the outbox row,
            # for the local outbox), so a failure later in the run cannot make us send it again.
            _finish(reminder_id, EmailState.SENT)
            report.sent += 1
    finally:
        mailer.close()


def send_reminders(today: date | None = None, mailer: mail.Mailer | None = None) -> RunReport:
    """Record and e-mail every reminder due `today` (default: today in the UK). Safe to run again."""
    config = current_app.config
    mailer = mailer or mail.mailer_for(config)  # refuses first, before anything is recorded
    mail.base_url(config)
    report = RunReport(transport=mailer.description)
    record_due_reminders(today or today_uk(), report)
    deliver(mailer, report)
    report.unconfirmed = unconfirmed_count()
    return report


def unconfirmed_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
        Reminder.email_state.in_((EmailState.SENDING, EmailState.UNKNOWN))
        | ((Reminder.email_state == EmailState.FAILED) & (Reminder.email_attempts >= MAX_ATTEMPTS))
    )) or 0


# --- Notifications: the same reminders, on My work -----------------------------------------------

# Built once: My work reads it on every visit.
_UNREAD = (sa.select(Reminder).where(Reminder.recipient_id == sa.bindparam("user_id"), Reminder.read_at.is_(None))
           .options(raiseload(Reminder.recipient))  # the page needs none of it: no join
           .order_by(Reminder.created_at.desc(), Reminder.id.desc()).limit(sa.bindparam("limit")))


def unread_notifications(user: User, limit: int = NOTIFICATIONS_SHOWN) -> list[Reminder]:
    """The newest unread notifications of `user`, one more than `limit` to tell whether there are more."""
    return list(db.session.scalars(_UNREAD, {"user_id": user.id, "limit": limit + 1}))


def mark_read(user: User, reminder_id: int) -> bool:
    """Mark one of `user`'s own notifications read; False when there is no such unread one."""
    done = db.session.execute(
        sa.update(Reminder).where(Reminder.id == reminder_id, Reminder.recipient_id == user.id, Reminder.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount == 1


def mark_all_read(user: User) -> int:
    done = db.session.execute(
        sa.update(Reminder).where(Reminder.recipient_id == user.id, Reminder.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount


# --- The outbox page -------------------------------------------------------------------------------

def _outbox_scope(user: User) -> sa.ColumnElement[bool]:
    """Admins see every message (they hold nothing restricted); coordinators those of their partnerships."""
    if user.has_role(Role.ADMIN):
        return sa.true()
    coordinated = user.partnerships_for(Role.COORDINATOR)
    return Reminder.review_id.in_(sa.select(Review.id).where(
        sa.or_(Review.lead_partnership_id.in_(coordinated), Review.joint_partnership_id.in_(coordinated))))


def outbox_for(user: User, limit: int = 100) -> list[OutboxMessage]:
    """The messages kept in the development outbox that `user` may read: e-mails about a person's own
    account (a link to set a new password) only for admins, who can set a temporary password anyway."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).outerjoin(Reminder, Reminder.id == OutboxMessage.reminder_id).where(_outbox_scope(user))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ).unique())


def undelivered_for(user: User, limit: int = 100) -> list[Reminder]:
    """Reminders whose e-mail is not (or not known to be) sent, for someone to follow up."""
    return list(db.session.scalars(
        sa.select(Reminder).where(_outbox_scope(user), Reminder.email_state != EmailState.SENT)
        .order_by(Reminder.id.desc()).limit(limit)
    ).unique())
