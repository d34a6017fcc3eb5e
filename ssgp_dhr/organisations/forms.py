"""The form for a partnership or an agency: the services judge what is typed (uniqueness, the kind required)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ssgp_dhr.forms import ServiceForm
from ssgp_dhr.organisations.models import AgencyKind
from ssgp_dhr.organisations.services import NAME_MAX, SHORT_NAME_MAX


class OrganisationForm(ServiceForm):
    name = StringField("Name", widget=GovTextInput(), description="The full name, as letters and reports give it",
                       validators=[Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer")])
    short_name = StringField("Short name", widget=GovTextInput(), description="As lists and the command line name it, like SSGP",
                             validators=[Length(max=SHORT_NAME_MAX,
                                                message=f"The short name must be {SHORT_NAME_MAX} characters or fewer")])
    agency_kind = RadioField("What kind of agency is it?", widget=GovRadioInput(), validate_choice=False,
                             choices=[SelectChoice(k.value, k.label) for k in AgencyKind])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def chosen_kind(self) -> AgencyKind | None:
        return AgencyKind(self.agency_kind.data) if self.agency_kind.data in set(AgencyKind) else None
