"""A spreadsheet uploaded and previewed, kept until the coordinator confirms the import."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db


class ImportStage(enum.StrEnum):
    """Where a pending import has got to. Its check and its import run outside the request asking for them."""

    CHECKING = "checking"  # the preview is being worked out
    CHECKED = "checked"  # the preview is ready: every row's result, or why the file cannot be read
    IMPORTING = "importing"  # confirmed: being saved
    IMPORTED = "imported"  # saved; the file is no longer kept
    FAILED = "failed"  # the check or the import stopped with an error: nothing was saved


class PendingImport(db.Model):
    """The file between its preview and its confirmation: in the database, so any server can confirm it.

    It holds real names, so it is kept only as long as needed: deleted when its import is saved, and when
    the same person uploads another; any left a day after upload are deleted with the next upload.
    """

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    stage: Mapped[str] = mapped_column(sa.String(16), default=ImportStage.CHECKING, server_default="checking")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when its check or import began
    # The preview (services.result_as_json), or {"refused": why} for a file that cannot be read.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
