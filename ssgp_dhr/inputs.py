"""One rule for what a request carries in its address: identifiers, numbers and text.

- An identifier in a path (`<int:...>`) is 1 to 10 ASCII digits up to the largest id the database holds;
  anything else is not found (404), rather than a number no column can hold reaching the database.
- A path segment or a query-string value holding a control character is not found either: PostgreSQL
  refuses NUL where SQLite would store it, so both are kept from the database alike.
- A number in a query string (a page, a filter, a position in a log) is read by `query_number`: one that
  is not a plain number in range is treated as absent, and each page says what absent means.

Forms follow the same rule for text through ssgp_dhr.forms.ServiceForm.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

# The largest value of PostgreSQL's `integer`, the type of every id: a larger one can name nothing.
LARGEST_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
_ANY_DIGITS = re.compile(r"[0-9]{1,100}")

# C0 and C1 controls, DEL and lone surrogates; tab, line feed and carriage return are told apart because
# text areas may hold them.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_CONTROL_IN_ONE_LINE = re.compile(f"[{_CONTROL}\t\n\r]")
_CONTROL_IN_MANY_LINES = re.compile(f"[{_CONTROL}]")


def has_control_characters(text: str, *, multi_line: bool = False) -> bool:
    """Whether `text` holds a control character; tabs and new lines count only in a single line."""
    return bool((_CONTROL_IN_MANY_LINES if multi_line else _CONTROL_IN_ONE_LINE).search(text))


def printable(text: str) -> str:
    """`text` with each control character percent-encoded, as a log may keep it (a path that was not found)."""
    return _CONTROL_IN_ONE_LINE.sub(lambda found: quote(found.group(), safe="", errors="replace"), text)


def parse_id(text: object) -> int | None:
    """`text` as an identifier (ASCII digits, 1 to LARGEST_ID), or None if it cannot be one."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= LARGEST_ID else None


def query_number(name: str, args: Mapping[str, str] | None = None, *, largest: int = LARGEST_ID) -> int | None:
    """The query-string value `name` as a whole number from 1 to `largest`, or None if absent or not one."""
    number = parse_id((request.args if args is None else args).get(name))
    return number if number is not None and number <= largest else None


def query_page(args: Mapping[str, str] | None = None) -> int:
    """The page number asked for in the query string: 1 unless it is a plain number; one past any page there
    could be is held at LARGEST_ID, for the page to treat as past its end."""
    text = (request.args if args is None else args).get("page", "")
    if not _ANY_DIGITS.fullmatch(text):
        return 1
    return max(1, min(int(text), LARGEST_ID))


class IdConverter(IntegerConverter):
    """`<int:...>`: ASCII digits only (`\\d` would take other scripts' digits), at most LARGEST_ID."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: ANN001
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, LARGEST_ID if max is None else max, signed)


class TextConverter(UnicodeConverter):
    """A path segment (the default converter) without control characters."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None) -> None:  # noqa: ANN001
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROL}]")


class TextPathConverter(PathConverter):
    """`<path:...>` without control characters."""

    regex = f"[^/{_CONTROL}][^{_CONTROL}]*?"


def init_app(app: Flask) -> None:
    """Before any route is added: the converters above replace Werkzeug's."""
    app.url_map.converters.update(default=TextConverter, string=TextConverter, int=IdConverter,
                                  path=TextPathConverter)

    @app.before_request
    def no_control_characters_in_the_query() -> None:
        if any(has_control_characters(key) or has_control_characters(value)
               for key, value in request.args.items(multi=True)):
            abort(404)
