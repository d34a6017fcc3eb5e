"""Template filters and globals: UK dates and times, service wording."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask import Flask, Response
from markupsafe import Markup, escape

from ssgp_dhr.clock import to_uk


def uk_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_uk(value).date()
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_uk(value)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_IN_TEXT = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def recorded_value(value: object) -> str:
    """A value as recorded in the history (JSON: ISO dates, enum values, lists), in words for a page."""
    if isinstance(value, list | tuple):
        return ", ".join(recorded_value(item) for item in value)
    text = "" if value is None else str(value)
    if _ISO_DATE.match(text):
        return uk_date(date.fromisoformat(text))
    if text.islower() and " " not in text and "_" in text:
        return text.replace("_", " ").capitalize()
    return _ISO_DATE_IN_TEXT.sub(lambda m: uk_date(date(*map(int, m.groups()))), text)


def pagination(page: int, pages: int, href: Callable[[int], str], *, label: str,
               more_beyond: bool = False) -> dict[str, Any] | None:
    """The govukPagination parameters for page `page` of `pages`, or None when there is only one.

    Lists the first page, the last (unless `more_beyond`: the pages were counted only so far) and two
    either side of the current one, with an ellipsis for each gap: at national scale a list runs to
    hundreds of pages, and a link to every one would bury the page.
    """
    if pages <= 1 and not more_beyond:
        return None
    items: list[dict[str, Any]] = []
    for n in range(1, pages + 1):
        if n == 1 or (n == pages and not more_beyond) or abs(n - page) <= 2:
            items.append({"number": n, "href": href(n), "current": n == page})
        elif abs(n - page) == 3:
            items.append({"ellipsis": True})
    if more_beyond and not items[-1].get("ellipsis"):
        items.append({"ellipsis": True})
    return {"items": items, "landmarkLabel": label,
            "previous": {"href": href(page - 1)} if page > 1 else None,
            "next": {"href": href(page + 1)} if page < pages or more_beyond else None}


def pounds(pence: int) -> str:
    """Whole pence as money: 125050 -> '£1,250.50'."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


# A cell starting with one of these would run as a formula in a spreadsheet (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A column heading: words, in sentence case (a capital first, proper names such as "Home Office" keep theirs),
# never a field's name such as `within_limit`.
_HEADING = re.compile(r"[A-Z][^_]*")


def csv_response(headings: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """A CSV download: `headings` then `rows`, text that a spreadsheet would run as a formula quoted as text.

    UTF-8 with a byte-order mark, which is how Excel on Windows knows it is UTF-8 (without one it reads
    "2024–25" as "2024â€“25"); lines end in CRLF, as RFC 4180 has them.
    """
    wrong = [h for h in headings if not _HEADING.fullmatch(h)]
    if wrong:
        raise ValueError(f"CSV headings are words in sentence case: {wrong}")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([f"'{c}" if isinstance(c, str) and c.startswith(_FORMULA_STARTS) else c for c in row])
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def option_tags(options: Iterable[tuple[Any, Any]], selected: Any) -> Markup:
    """A select's <option> elements for (value, text) pairs, `selected` marked: written in Python, since a
    list's filter offers up to 300 partnerships and a template loop over them was a tenth of the page."""
    chosen = None if selected is None else str(selected)
    # Every value and text is escaped here; Markup.format escapes too, but took four times as long.
    return Markup("".join(  # noqa: S704
        f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>{escape(text)}</option>'
        for value, text in options))


def init_app(app: Flask) -> None:
    app.add_template_filter(option_tags, "option_tags")
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_filter(recorded_value, "recorded_value")
    app.add_template_filter(uk_datetime, "uk_datetime")
    app.add_template_filter(pounds, "pounds")

    @app.context_processor
    def service_wording() -> dict:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "review_type_name": app.config["REVIEW_TYPE_NAME"],
            "partnership_name": app.config["PARTNERSHIP_NAME"],
        }
