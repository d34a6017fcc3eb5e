"""The template spreadsheet a partnership fills in: one column per field, a row of hints under the headings,
and a sheet of the values each column with choices allows."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ssgp_dhr.review_import.columns import COLUMNS, Kind

REVIEWS_SHEET = "Reviews"
ALLOWED_SHEET = "Allowed values"


def template_workbook() -> bytes:
    """The template as .xlsx bytes. The reading of a file skips its row of hints."""
    workbook = openpyxl.Workbook()
    reviews = workbook.active
    reviews.title = REVIEWS_SHEET
    reviews.append([column.heading for column in COLUMNS])
    reviews.append([column.hint for column in COLUMNS])
    for cell in reviews[1]:
        cell.font = Font(bold=True)
    for cell in reviews[2]:
        cell.font = Font(italic=True)
    reviews.freeze_panes = "A3"
    allowed = workbook.create_sheet(ALLOWED_SHEET)
    allowed.append(["Column", "Allowed values"])
    for position, column in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(position)
        reviews.column_dimensions[letter].width = max(14, min(40, len(column.heading) + 2))
        if column.kind is Kind.DATE:
            allowed.append([column.heading, "A date, written 21/03/2024 or 2024-03-21, or a date cell"])
        elif column.choices:
            labels = [label for _, label in column.choices]
            allowed.append([column.heading, "; ".join(labels)])
            if column.kind is Kind.CHOICE:
                _offer(reviews, letter, labels)
        elif column.key == "agencies":
            allowed.append([column.heading, "The agencies' names or short names, as the tracker lists them"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _offer(sheet, letter: str, labels: list[str]) -> None:  # noqa: ANN001 - an openpyxl worksheet
    """A drop-down of the allowed values in the column (the values are also accepted typed)."""
    listed = ",".join(labels)
    if any("," in label or '"' in label for label in labels) or len(listed) > 250:
        return  # a label the rule cannot hold, or past Excel's limit for a list written in the rule itself
    rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=False)
    rule.add(f"{letter}3:{letter}10002")
    sheet.add_data_validation(rule)
