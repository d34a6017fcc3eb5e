"""Forms for a review's costs."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from ssgp_dhr.cases.forms import VersionedForm, _area, _date, _text
from ssgp_dhr.costs.models import CostKind
from ssgp_dhr.costs.services import MOST_FUNDERS

_POUNDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")
_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


def parse_pounds(text: str | None) -> int | None:
    """An amount typed in pounds ("1,250.50", "£80") as whole pence; None if it is not one."""
    text = (text or "").strip().removeprefix("£").strip()
    if not _POUNDS.match(text):
        return None
    try:
        return int(Decimal(text.replace(",", "")) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


class PoundsField(StringField):
    """An amount typed in pounds ("1,250.50", "£80"), kept as whole pence in `pence`; the text as typed
    stays in `data`, so a mistake comes back as it was entered."""

    widget = GovTextInput()
    shape_in_hint = True  # "In pounds, for example 1,250.50"
    pence: int | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.pence = parse_pounds(self.data)

    def pre_validate(self, form: Any) -> None:
        if (self.data or "").strip() and self.pence is None:
            raise ValidationError("Enter the amount in pounds, like 1250 or 1,250.50")


class CostForm(VersionedForm):
    incurred_on = _date("Date of the cost", "The invoice date. For example, 27 3 2026",
                        required="Enter the date of the cost")
    kind = RadioField("What was it for?", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in CostKind],
                      validators=[InputRequired("Choose what the cost was for")])
    amount = PoundsField("Amount", description="In pounds, for example 1,250.50",
                         validators=[InputRequired("Enter the amount in pounds, like 1250 or 1,250.50")])
    funder_id = SelectField("Paid by", widget=GovSelect(), coerce=str, validators=[InputRequired("Choose who pays it")])
    description = _area("Details", "Optional: the invoice number, or what the cost covered, without real names")
    submit = SubmitField("Record the cost", widget=GovSubmitInput())


class CorrectCostForm(CostForm):
    reason = _area("Why is it corrected?", "For example, the amount was mistyped, or another organisation paid it",
                   required="Say why the cost is corrected")
    submit = SubmitField("Correct the cost", widget=GovSubmitInput())


class RechargeForm(VersionedForm):
    paid_on = _date("Date of the payment", "For example, 27 3 2026", required="Enter the date of the payment")
    payer_id = SelectField("Paid by", widget=GovSelect(), coerce=str, validators=[InputRequired("Choose who paid")])
    payee_id = SelectField("Paid to", widget=GovSelect(), coerce=str,
                           validators=[InputRequired("Choose who was paid")])
    amount = PoundsField("Amount", description="In pounds, for example 1,250.50",
                         validators=[InputRequired("Enter the amount in pounds, like 1250 or 1,250.50")])
    reference = _text("Reference", "Optional: the invoice or payment reference")
    submit = SubmitField("Record the recharge", widget=GovSubmitInput())


class CorrectRechargeForm(RechargeForm):
    reason = _area("Why is it corrected?", "For example, the amount was mistyped, or it was paid on another date",
                   required="Say why the recharge is corrected")
    submit = SubmitField("Correct the recharge", widget=GovSubmitInput())


class RemoveCostForm(VersionedForm):
    reason = _area("Why is it removed?", "For example, recorded twice, or the wrong amount",
                   required="Say why the cost is removed")
    submit = SubmitField("Remove the cost", widget=GovSubmitInput())


def parse_percent(text: str | None) -> int | None:
    """A share typed as a percentage ("40", "33.33", "25%") in basis points; None if it is not one."""
    text = (text or "").strip().removesuffix("%").strip()
    return int(Decimal(text) * 100) if _PERCENT.match(text) else None


class PercentField(StringField):
    """A share typed as a percentage, kept in basis points in `points`; the text as typed stays in `data`."""

    widget = GovTextInput()
    shape_in_hint = True
    points: int | None = None

    def __init__(self, label: str, *, not_a_percentage: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.not_a_percentage = not_a_percentage

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.points = parse_percent(self.data)

    def pre_validate(self, form: Any) -> None:
        if (self.data or "").strip() and self.points is None:
            raise ValidationError(self.not_a_percentage)


class CostSharingForm(VersionedForm):
    """The agreed shares: a row (organisation, percentage) per funder, up to MOST_FUNDERS; empty rows
    are left out."""

    agreed_on = _date("Date the shares were agreed", "For example, 27 3 2026",
                      required="Enter the date the shares were agreed")
    note = _area("Where or how was it agreed?",
                 "Optional: for example, at the partnership board of 3 March, or by e-mail between the funders")
    submit = SubmitField("Save the agreed shares", widget=GovSubmitInput())

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"organisation_{row}"], self[f"share_{row}"]) for row in range(1, MOST_FUNDERS + 1)]

    def shares(self) -> list[tuple[int | None, int | None]]:
        """(organisation id, basis points) per row, None where a row leaves it blank."""
        return [(int(org.data) if org.data else None, share.points if (share.data or "").strip() else None)
                for org, share in self.rows()]


for _row in range(1, MOST_FUNDERS + 1):
    setattr(CostSharingForm, f"organisation_{_row}",
            SelectField("Organisation", widget=GovSelect(), coerce=str, validators=[Optional()]))
    setattr(CostSharingForm, f"share_{_row}", PercentField(
        "Share of the costs", validators=[Optional()],
        not_a_percentage=f"Enter share {_row} as a percentage between 0.01 and 100, like 40 or 33.33"))


class RemoveRechargeForm(VersionedForm):
    reason = _area("Why is it removed?", "For example, recorded twice, or the wrong amount",
                   required="Say why the recharge is removed")
    submit = SubmitField("Remove the recharge", widget=GovSubmitInput())
