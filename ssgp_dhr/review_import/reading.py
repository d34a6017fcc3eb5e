"""Reading a partnership's spreadsheet (XLSX or CSV) into rows, refusing a file that is not safe to read.

A workbook's reviews are on its sheet named Reviews (or its first sheet); its sheets of Home Office rounds,
holds and delay notices are read by their names, and any other sheet (the export's history, the template's
allowed values) is left unread.

Formulas are read as the text typed (openpyxl with data_only=False; nothing evaluates them). A workbook
with macros, a password or a hidden sheet is refused with that reason, as is one over the limits.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl

from ssgp_dhr.review_import.columns import RELATED, REVIEWS, Column, SheetKind, heading_key

MOST_ROWS = 10_000
MOST_RELATED_ROWS = 50_000  # on each sheet of rounds, holds or delay notices: five for each review
LARGEST_FILE = 20 * 1024 * 1024  # 20 MB
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted (password-protected) workbook, or an old .xls


class SpreadsheetRefused(Exception):
    """The file cannot be read as reviews; `str()` says why in plain words."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it (the headings are row 1)
    values: dict[str, Any]  # column key -> the cell's value as read (text, number, date or datetime)


@dataclass(frozen=True)
class Sheet:
    columns: list[Column]
    rows: list[Row]
    kind: SheetKind = REVIEWS
    related: dict[str, Sheet] = field(default_factory=dict)  # the workbook's other sheets read, by their kind's name


def read_spreadsheet(content: bytes, filename: str) -> Sheet:
    """The rows of an XLSX or CSV file of reviews, or SpreadsheetRefused."""
    if len(content) > LARGEST_FILE:
        raise SpreadsheetRefused(f"The file is larger than the {LARGEST_FILE // (1024 * 1024)} MB limit: "
                                 "split it into smaller files")
    name = filename.lower()
    if name.endswith((".xlsm", ".xltm", ".xlsb")):
        raise SpreadsheetRefused("The file is a workbook with macros: save it as an .xlsx workbook or a CSV file")
    if name.endswith(".csv"):
        return _rows(_csv_lines(content), REVIEWS)
    if content.startswith(_OLE_SIGNATURE):
        raise SpreadsheetRefused("The workbook is protected by a password (or is an old .xls workbook): "
                                 "remove the password and save it as an .xlsx workbook")
    if not name.endswith(".xlsx") or not zipfile.is_zipfile(io.BytesIO(content)):
        raise SpreadsheetRefused("The file must be an .xlsx workbook or a CSV file")
    return _workbook_sheets(content)


def _csv_lines(content: bytes) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetRefused("The CSV file is not saved as UTF-8: save it again as “CSV UTF-8”") from None
    yield from csv.reader(io.StringIO(text, newline=""))


def _workbook_sheets(content: bytes) -> Sheet:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if any(part.lower().endswith("vbaproject.bin") for part in archive.namelist()):
            raise SpreadsheetRefused("The workbook contains macros: save it as an .xlsx workbook without them")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged file; the person needs one sentence
        raise SpreadsheetRefused("The workbook could not be read: open it and save it again as .xlsx") from None
    try:
        hidden = [sheet.title for sheet in workbook.worksheets if sheet.sheet_state != "visible"]
        if hidden:
            raise SpreadsheetRefused(f"The workbook has hidden sheets ({', '.join(hidden)}): "
                                     "show them or remove them, so nothing is brought in unseen")
        named = {heading_key(sheet.title): sheet for sheet in workbook.worksheets}
        reviews = named.get(heading_key(REVIEWS.name), workbook.worksheets[0])
        related = {kind.name: _rows(_lines(named[heading_key(kind.name)]), kind)
                   for kind in RELATED if heading_key(kind.name) in named}
        sheet = _rows(_lines(reviews), REVIEWS)
    finally:
        workbook.close()
    return Sheet(sheet.columns, sheet.rows, REVIEWS, related)


def _lines(worksheet) -> Iterator[list[Any]]:  # noqa: ANN001 - an openpyxl read-only worksheet
    for values in worksheet.iter_rows(values_only=True):
        yield list(values)


def _rows(lines: Iterator[list[Any]], kind: SheetKind) -> Sheet:
    headings = next(lines, None)
    if not headings:
        if kind is not REVIEWS:
            return Sheet([], [], kind)  # an empty sheet of rounds, holds or delay notices: there are none
        raise SpreadsheetRefused("The file is empty: its first row must be the column headings")
    columns = _columns(headings, kind)
    most = MOST_ROWS if kind is REVIEWS else MOST_RELATED_ROWS
    rows: list[Row] = []
    for number, values in enumerate(lines, start=2):
        cells = {column.key: _cell(values, position) for position, column in columns.items()}
        if all(value is None for value in cells.values()) or _is_hints(cells, kind):
            continue
        if len(rows) == most:
            if kind is REVIEWS:
                raise SpreadsheetRefused(f"The file has more than {most:,} reviews, the most one import takes: "
                                         "split it into smaller files")
            raise SpreadsheetRefused(f"The {kind.name} sheet has more than {most:,} rows, the most one import "
                                     "takes: split the file into smaller files")
        rows.append(Row(number, cells))
    return Sheet(list(columns.values()), rows, kind)


def _columns(headings: list[Any], kind: SheetKind) -> dict[int, Column]:
    found: dict[int, Column] = {}
    on_sheet = "" if kind is REVIEWS else f" on the {kind.name} sheet"
    unknown = [str(h) for h in headings if h not in (None, "") and heading_key(h) not in kind.matched]
    if unknown:
        raise SpreadsheetRefused(f"Unknown column{'s' if len(unknown) > 1 else ''}{on_sheet}: {', '.join(unknown)}. "
                                 "Use the headings of the template")
    for position, heading in enumerate(headings):
        if heading in (None, ""):
            continue
        column = kind.matched[heading_key(heading)]
        if column in found.values():
            raise SpreadsheetRefused(f"The column “{column.heading}” is there twice{on_sheet}")
        found[position] = column
    missing = [c.heading for c in kind.columns if c.required and c not in found.values()]
    if missing:
        raise SpreadsheetRefused(f"Missing column{'s' if len(missing) > 1 else ''}{on_sheet}: {', '.join(missing)}")
    return found


def _cell(values: list[Any], position: int) -> Any:
    value = values[position] if position < len(values) else None
    if isinstance(value, str):
        value = value.strip()
    return None if value == "" else value


def _is_hints(cells: dict[str, Any], kind: SheetKind) -> bool:
    """The template's row of hints under the headings."""
    return all(value is None or value == kind.by_key[key].hint for key, value in cells.items())
