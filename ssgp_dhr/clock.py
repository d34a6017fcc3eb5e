"""Time: stored in UTC, shown in UK time.

All code asks this module for "now" so tests can freeze time in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_uk() -> date:
    """The calendar date in the UK, which is what statutory deadlines count in."""
    return utcnow().astimezone(UK).date()


def to_uk(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones, so values are stored as naive UTC there and made aware again on load;
    PostgreSQL stores `timestamp with time zone`.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
