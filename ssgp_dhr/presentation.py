"""Template filters and globals: UK dates and times, service wording."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask

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


def init_app(app: Flask) -> None:
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_filter(recorded_value, "recorded_value")
    app.add_template_filter(uk_datetime, "uk_datetime")

    @app.context_processor
    def service_wording() -> dict:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "review_type_name": app.config["REVIEW_TYPE_NAME"],
            "partnership_name": app.config["PARTNERSHIP_NAME"],
        }
