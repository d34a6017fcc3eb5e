"""A spreadsheet uploaded and previewed, kept until the coordinator confirms the import."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ssgp_dhr.clock import UTCDateTime, utcnow
from ssgp_dhr.extensions import db


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
