"""Values recorded in the history read as the rest of the page: UK dates, words rather than codes."""

from __future__ import annotations

from datetime import UTC, datetime

from ssgp_dhr.presentation import pagination, recorded_value, uk_date, uk_datetime


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


def test_pagination_links_the_ends_and_two_pages_either_side():
    def href(n: int) -> str:
        return f"?page={n}"

    def shown(page: int, pages: int, **kwargs: bool) -> list[int | str]:
        links = pagination(page, pages, href, label="Pages", **kwargs)
        return [item.get("number", "…") for item in links["items"]]

    assert pagination(1, 1, href, label="Pages") is None
    assert shown(1, 3) == [1, 2, 3]
    assert shown(1, 280) == [1, 2, 3, "…", 280]
    assert shown(140, 280) == [1, "…", 138, 139, 140, 141, 142, "…", 280]
    assert shown(280, 280) == [1, "…", 278, 279, 280]
    assert shown(2, 40, more_beyond=True) == [1, 2, 3, 4, "…"]  # one ellipsis, not two in a row
    assert shown(40, 40, more_beyond=True) == [1, "…", 38, 39, 40, "…"]
    links = pagination(3, 5, href, label="Pages")
    assert links["previous"] == {"href": "?page=2"} and links["next"] == {"href": "?page=4"}
    assert pagination(5, 5, href, label="Pages")["next"] is None
    assert pagination(5, 5, href, label="Pages", more_beyond=True)["next"] == {"href": "?page=6"}


def test_a_filter_s_options_are_escaped_and_the_chosen_one_selected():
    from ssgp_dhr.presentation import option_tags

    html = str(option_tags([(1, "Bath & <North> East"), (12, "Bristol"), ("x\"y", "Odd")], "12"))
    assert html == ('<option value="1">Bath &amp; &lt;North&gt; East</option>'
                    '<option value="12" selected>Bristol</option>'
                    '<option value="x&#34;y">Odd</option>')
    assert " selected" not in str(option_tags([(1, "One")], None))
