"""Values recorded in the history read as the rest of the page: UK dates, words rather than codes."""

from __future__ import annotations

from datetime import UTC, datetime

from ssgp_dhr.presentation import recorded_value, uk_date, uk_datetime


def test_recorded_dates_read_as_uk_dates_alone_and_within_text() -> None:
    assert recorded_value("2026-12-10") == "10 December 2026"
    assert recorded_value("Action for Taylor Brooks (demo), due 2026-12-10") == \
        "Action for Taylor Brooks (demo), due 10 December 2026"
    assert recorded_value(["overview_report", "executive_summary"]) == "Overview report, Executive summary"
    assert recorded_value(None) == ""
    assert recorded_value("SSGP-DHR-2026-001") == "SSGP-DHR-2026-001"  # a reference is not a date


def test_times_are_shown_in_uk_time_either_side_of_the_clock_change() -> None:
    assert uk_datetime(datetime(2026, 7, 1, 12, 5, tzinfo=UTC)) == "1 July 2026 at 1:05pm"
    assert uk_datetime(datetime(2026, 12, 1, 12, 5, tzinfo=UTC)) == "1 December 2026 at 12:05pm"
    assert uk_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
