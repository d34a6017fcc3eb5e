"""A form sent twice is saved once.

Each data-entry form carries a one-time submission key (`submission_key_field()` in its template). The first
transaction a request with a key commits that writes anything records the key with it (FormSubmission), so
the key is saved if and only if what the form wrote is. A form sent again with a key already recorded (the
person pressed the button twice, or sent it again after "could not confirm whether it was saved", when the
database took the COMMIT but its answer was lost) writes nothing: the person is told it was already saved.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.exceptions import RequestEntityTooLarge

from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db

FIELD = "submission_key"
_KEY = re.compile(r"[A-Za-z0-9_-]{22,43}")
# What a request's session notes about its key, in `g`.
_KEY_SEEN, _WROTE, _ADDED, _RECORDED = "submission_key", "submission_wrote", "submission_added", "submission_recorded"


class FormSubmission(db.Model):
    """A form's one-time key, saved in the same transaction as what the form wrote."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(sa.String(43), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(sa.String(100))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def _sent_key() -> str:
    """The key the request carries, if it is one. A body too large to read has none: its view answers it."""
    if request.method != "POST":
        return ""
    try:
        sent = request.form.get(FIELD, "")
    except RequestEntityTooLarge:
        return ""
    return sent if _KEY.fullmatch(sent) else ""


class AlreadySaved(Exception):
    """The form's key was saved by another copy of it: this one is not saved."""


def submission_key_field(*, fresh: bool = False) -> Markup:
    """The hidden field for a form's template: the key sent with it when the form comes back with a mistake to
    put right (nothing was saved), else a new one. `fresh`: always a new one, for a next form shown in answer to
    a saved one (an import's confirmation after its preview)."""
    key = ("" if fresh else _sent_key()) or secrets.token_urlsafe(24)
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, key)


def _already_saved() -> tuple[str, int] | None:
    key = _sent_key()
    if not key:
        return None
    if db.session.get(FormSubmission, key) is not None:
        db.session.rollback()
        return _already_saved_page()
    setattr(g, _KEY_SEEN, key)
    return None


def _already_saved_page() -> tuple[str, int]:
    back = request.referrer if _same_site(request.referrer) else None
    return render_template("already_saved.html", back=back), 200


def _same_site(address: str | None) -> bool:
    return bool(address) and address.startswith(request.host_url) and "\\" not in address


@sa.event.listens_for(Session, "after_flush")
def _note_writes(session: Session, _context: object) -> None:
    if not has_request_context() or not g.get(_KEY_SEEN) or g.get(_WROTE):
        return
    from ssgp_dhr.accounts.models import AccessLogEntry

    written = [o for o in (*session.new, *session.dirty, *session.deleted)
               if not isinstance(o, AccessLogEntry | FormSubmission)]
    if written:
        setattr(g, _WROTE, True)


@sa.event.listens_for(Session, "before_commit")
def _record_key(session: Session) -> None:
    if not has_request_context() or not g.get(_KEY_SEEN) or g.get(_RECORDED) or g.get(_ADDED):
        return
    session.flush()  # what is pending counts as written
    if not g.get(_WROTE):
        return
    user_id = current_user.id if current_user.is_authenticated else None
    values = {"key": g.get(_KEY_SEEN), "user_id": user_id, "endpoint": (request.endpoint or "")[:100], "saved_at": utcnow()}
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(FormSubmission)
    # A copy of the form sent at the same moment may have saved the key since the check before the view: its
    # row is waited for (the key is unique), and this transaction is then abandoned, writing nothing.
    saved = insert.values(**values).on_conflict_do_nothing().returning(FormSubmission.key)
    if session.execute(saved).scalar() is None:
        raise AlreadySaved
    setattr(g, _ADDED, True)


@sa.event.listens_for(Session, "after_commit")
def _key_recorded(_session: Session) -> None:
    if has_request_context() and g.get(_ADDED):
        setattr(g, _RECORDED, True)


@sa.event.listens_for(Session, "after_rollback")
def _key_not_recorded(_session: Session) -> None:
    # Whatever this transaction wrote, and the key with it, is gone: the next one that writes takes the key.
    if has_request_context():
        setattr(g, _ADDED, False)
        setattr(g, _WROTE, False)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["submission_key_field"] = submission_key_field
    app.before_request(_already_saved)

    @app.errorhandler(AlreadySaved)
    def saved_by_another_copy(_error: AlreadySaved) -> tuple[str, int]:
        db.session.rollback()
        return _already_saved_page()
