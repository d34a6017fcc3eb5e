"""Forms for a review's costs."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from ssgp_dhr.cases.forms import VersionedForm, _area, _date
from ssgp_dhr.costs.models import CostKind

_POUNDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")


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


class RemoveCostForm(VersionedForm):
    reason = _area("Why is it removed?", "For example, recorded twice, or the wrong amount",
                   required="Say why the cost is removed")
    submit = SubmitField("Remove the cost", widget=GovSubmitInput())
