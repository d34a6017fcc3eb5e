"""A reminder owed to one person (also their in-app notification), and the local outbox of e-mails."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db, db_enum


class EmailState(enum.StrEnum):
    """Where a reminder's e-mail is; see services.py for why a claimed message is never sent twice."""

    PENDING = "pending"  # recorded, not tried yet
    SENDING = "sending"  # claimed by a run that has not said how it went (running now, or it stopped)
    SENT = "sent"  # the mail server accepted it (or it went into the local outbox)
    FAILED = "failed"  # the server refused it, so it was not sent: the next run tries again
    UNKNOWN = "unknown"  # the connection broke mid-message: it may have gone, so it is not sent again

    @property
    def label(self) -> str:
        return {
            "pending": "Not sent yet",
            "sending": "Sending (or the run stopped)",
            "sent": "Sent",
            "failed": "Refused: will be tried again",
            "unknown": "Outcome unknown",
        }[self.value]


class Reminder(db.Model):
    """One reminder for one person: at most one per recipient, kind, item, due date and occasion.

    The unique constraint is what makes `send-reminders` idempotent: a second run finds the row and
    owes nothing new. The same row is the person's notification on My work until they mark it read.
    Subject and body are written when the reminder is first due and hold no restricted facts.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("recipient_id", "kind", "item", "due_on", "occasion", name="uq_reminders_once"),
        sa.Index("ix_reminders_recipient_unread", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # the source's kind, e.g. "decision_due"
    item: Mapped[str] = mapped_column(sa.String(80))  # what is due, e.g. "review:12:decision"
    due_on: Mapped[date]
    occasion: Mapped[str] = mapped_column(sa.String(40))  # e.g. "due_soon", "due_today", "overdue_week_2"
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link_path: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    email_state: Mapped[EmailState] = mapped_column(db_enum(EmailState, 16), default=EmailState.PENDING)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_error: Mapped[str | None] = mapped_column(sa.String(300))

    recipient: Mapped[User] = relationship(lazy="joined")
    review: Mapped[Review] = relationship()


class OutboxMessage(db.Model):
    """An e-mail kept in the database instead of sent: development without SMTP_HOST, and tests."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for an e-mail about the person's own account (a link to set a new password), not a reminder.
    reminder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    sender: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    reminder: Mapped[Reminder | None] = relationship(lazy="joined")
