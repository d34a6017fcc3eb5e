"""Forms for keeping a case file longer and for disposing of one."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired

from ssgp_dhr.cases.forms import VersionedForm, _area, _date


class KeepLongerForm(VersionedForm):
    until = _date("Keep the case file until", "For example, 27 3 2036", required="Enter the date to keep the case file until")
    reason = _area("Why must it be kept longer?",
                   "For example, a claim against an agency, an inquiry, or a request from the family. "
                   "Do not include real names.", required="Enter why the case file must be kept longer")
    submit = SubmitField("Keep the case file longer", widget=GovSubmitInput())


class DisposalForm(VersionedForm):
    confirmed = BooleanField(
        "I have checked the partnership's retention schedule and nothing requires this case file to be kept",
        widget=GovCheckboxInput(),
        validators=[InputRequired("Confirm that nothing requires the case file to be kept")])
    submit = SubmitField("Dispose of the case file", widget=GovSubmitInput())
