"""The template spreadsheet a partnership fills in: one column per field, a row of hints under the headings,
sheets for the reviews' Home Office rounds, holds and delay notices in the same way, and a sheet of the values
each column with choices allows."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ssgp_dhr.review_import.columns import COLUMNS, RELATED, Column, Kind

REVIEWS_SHEET = "Reviews"
ALLOWED_SHEET = "Allowed values"


def template_workbook() -> bytes:
    """The template as .xlsx bytes. The reading of a file skips each sheet's row of hints."""
    workbook = openpyxl.Workbook()
    reviews = workbook.active
    reviews.title = REVIEWS_SHEET
    sheets = [(reviews, COLUMNS)]
    for kind in RELATED:
        sheets.append((workbook.create_sheet(kind.name), kind.columns))
    allowed = workbook.create_sheet(ALLOWED_SHEET)
    allowed.append(["Column", "Allowed values"])
    for sheet, columns in sheets:
        _headings(sheet, columns, allowed, on_sheet="" if sheet is reviews else f" ({sheet.title})")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _headings(sheet, columns: tuple[Column, ...], allowed, on_sheet: str) -> None:  # noqa: ANN001 - openpyxl sheets
    """The sheet's headings and hints, and its columns' allowed values on the allowed values sheet."""
    sheet.append([column.heading for column in columns])
    sheet.append([column.hint for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True)
    sheet.freeze_panes = "A3"
    for position, column in enumerate(columns, start=1):
        letter = openpyxl.utils.get_column_letter(position)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.heading) + 2))
        if column.key == "partnership_reference" and on_sheet:
            continue
        if column.kind is Kind.DATE:
            allowed.append([column.heading + on_sheet, "A date, written 21/03/2024 or 2024-03-21, or a date cell"])
        elif column.choices:
            labels = [label for _, label in column.choices]
            allowed.append([column.heading + on_sheet, "; ".join(labels)])
            if column.kind is Kind.CHOICE:
                _offer(sheet, letter, labels)
        elif column.key == "agencies":
            allowed.append([column.heading + on_sheet, "The agencies' names or short names, as the tracker lists them"])


def _offer(sheet, letter: str, labels: list[str]) -> None:  # noqa: ANN001 - an openpyxl worksheet
    """A drop-down of the allowed values in the column (the values are also accepted typed)."""
    listed = ",".join(labels)
    if any("," in label or '"' in label for label in labels) or len(listed) > 250:
        return  # a label the rule cannot hold, or past Excel's limit for a list written in the rule itself
    rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=False)
    rule.add(f"{letter}3:{letter}10002")
    sheet.add_data_validation(rule)
