"""Reading a partnership's spreadsheet (XLSX or CSV) into rows, refusing a file that is not safe to read.

Formulas are read as the text typed (openpyxl with data_only=False; nothing evaluates them). A workbook
with macros, a password or a hidden sheet is refused with that reason, as is one over the limits.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl

from ssgp_dhr.review_import.columns import BY_KEY, COLUMNS, MATCHED, Column, heading_key

MOST_ROWS = 10_000
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


def read_spreadsheet(content: bytes, filename: str) -> Sheet:
    """The rows of an XLSX or CSV file of reviews, or SpreadsheetRefused."""
    if len(content) > LARGEST_FILE:
        raise SpreadsheetRefused(f"The file is larger than the {LARGEST_FILE // (1024 * 1024)} MB limit: "
                                 "split it into smaller files")
    name = filename.lower()
    if name.endswith((".xlsm", ".xltm", ".xlsb")):
        raise SpreadsheetRefused("The file is a workbook with macros: save it as an .xlsx workbook or a CSV file")
    if name.endswith(".csv"):
        return _rows(_csv_lines(content))
    if content.startswith(_OLE_SIGNATURE):
        raise SpreadsheetRefused("The workbook is protected by a password (or is an old .xls workbook): "
                                 "remove the password and save it as an .xlsx workbook")
    if not name.endswith(".xlsx") or not zipfile.is_zipfile(io.BytesIO(content)):
        raise SpreadsheetRefused("The file must be an .xlsx workbook or a CSV file")
    return _rows(_workbook_lines(content))


def _csv_lines(content: bytes) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetRefused("The CSV file is not saved as UTF-8: save it again as “CSV UTF-8”") from None
    yield from csv.reader(io.StringIO(text, newline=""))


def _workbook_lines(content: bytes) -> Iterator[list[Any]]:
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
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _rows(lines: Iterator[list[Any]]) -> Sheet:
    headings = next(lines, None)
    if not headings:
        raise SpreadsheetRefused("The file is empty: its first row must be the column headings")
    columns = _columns(headings)
    rows: list[Row] = []
    for number, values in enumerate(lines, start=2):
        cells = {column.key: _cell(values, position) for position, column in columns.items()}
        if all(value is None for value in cells.values()) or _is_hints(cells):
            continue
        if len(rows) == MOST_ROWS:
            raise SpreadsheetRefused(f"The file has more than {MOST_ROWS:,} reviews, the most one import takes: "
                                     "split it into smaller files")
        rows.append(Row(number, cells))
    return Sheet(list(columns.values()), rows)


def _columns(headings: list[Any]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    unknown = [str(h) for h in headings if h not in (None, "") and heading_key(h) not in MATCHED]
    if unknown:
        raise SpreadsheetRefused(f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                                 "Use the headings of the template")
    for position, heading in enumerate(headings):
        if heading in (None, ""):
            continue
        column = MATCHED[heading_key(heading)]
        if column in found.values():
            raise SpreadsheetRefused(f"The column “{column.heading}” is there twice")
        found[position] = column
    missing = [c.heading for c in COLUMNS if c.required and c not in found.values()]
    if missing:
        raise SpreadsheetRefused(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    return found


def _cell(values: list[Any], position: int) -> Any:
    value = values[position] if position < len(values) else None
    if isinstance(value, str):
        value = value.strip()
    return None if value == "" else value


def _is_hints(cells: dict[str, Any]) -> bool:
    """The template's row of hints under the headings."""
    return all(value is None or value == BY_KEY[key].hint for key, value in cells.items())
