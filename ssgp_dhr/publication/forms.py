"""Forms for publishing a review: QA round dates, the decision, the publication details, the check."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput
from wtforms import RadioField, SelectMultipleField, SubmitField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ssgp_dhr.cases.forms import VersionedForm, _area, _date, _text
from ssgp_dhr.forms import LONG_TEXT_MAX, ServiceForm
from ssgp_dhr.publication.models import PublicationForm
from ssgp_dhr.publication.name_decisions import ALLOW_REASONS
from ssgp_dhr.publication.services import DOCUMENT_LABELS, FULL_REPORT_KINDS


class QADatesForm(VersionedForm):
    panel_meeting_on = _date("Date of the Quality Assurance Panel meeting", "Leave blank if not known yet")
    letter_on = _date("Date of the Home Office letter", "Leave blank if it has not arrived. Record what it says with "
                      "‘Record a request for revisions’ or ‘Record Home Office approval’")
    submit = SubmitField("Save the dates", widget=GovSubmitInput())


class DecisionForm(VersionedForm):
    form = RadioField("How will the review be published?", widget=GovRadioInput(), validate_choice=True,
                      choices=[SelectChoice(f.value, f.label) for f in PublicationForm],
                      validators=[], )
    decided_on = _date("Date of the decision", required="Enter the date of the decision")
    summary_only_reason = _area("Why only a learning summary is published", "Only for a learning summary")
    family_agreed_summary_on = _date("Date the family agreed to a learning summary", "Only for a learning summary")
    home_office_agreed_summary_on = _date("Date the Home Office agreed to a learning summary", "Only for a learning summary")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def validate_form(self, field: RadioField) -> None:
        if not field.data:
            raise ValidationError("Choose how the review will be published")


class DetailsForm(VersionedForm):
    public_summary = _area("Short public summary", "Shown on the public reviews page. No names, no dates of birth, "
                           "no addresses: the pseudonym, the age and what happened, in a few sentences")
    learning_summary = _area("Learning summary", "For a learning-summary publication: the lessons, shown on the public page",
                             max_length=LONG_TEXT_MAX)
    removal_review_on = _date("Removal review date", "Leave blank for the default, a set number of months after publication")
    submit = SubmitField("Save", widget=GovSubmitInput())


class CopySentForm(VersionedForm):
    """A copy of the publication sent to one of the partnership's recipients."""

    recipient_id = RadioField("Who was the copy sent to?", widget=GovRadioInput(), coerce=str,
                              validators=[InputRequired("Choose who the copy went to")])
    sent_on = _date("Date the copy was sent", "For example, 27 3 2027", required="Record the date the copy was sent")
    submit = SubmitField("Record the copy sent", widget=GovSubmitInput())


class RecipientForm(ServiceForm):
    """A new recipient on a partnership's list."""

    name = _text("Add someone copies are sent to",
                 "For example, the Office of the Police and Crime Commissioner for Gloucestershire",
                 required="Enter who copies are sent to", max_length=200)
    submit = SubmitField("Add to the list", widget=GovSubmitInput())


class ConfirmForm(ServiceForm):
    """A button that does one thing (start the list with the usual recipients, retire one): CSRF only."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class CheckForm(VersionedForm):
    """For a full report: which of its documents will be published (their stored current versions
    are checked). A learning summary has nothing to choose."""

    documents = SelectMultipleField("Which documents will be published?", widget=GovCheckboxesInput(),
                                    description="The current version of each is checked. Select all that apply",
                                    choices=[SelectChoice(k, DOCUMENT_LABELS[k]) for k in FULL_REPORT_KINDS],
                                    validate_choice=True)
    submit = SubmitField("Run the anonymisation check", widget=GovSubmitInput())


class SummaryCheckForm(VersionedForm):
    submit = SubmitField("Run the anonymisation check", widget=GovSubmitInput())


class AllowNameForm(VersionedForm):
    """A recorded real name that may be published: why, and who agreed when."""

    name_key = RadioField("Which name may be published?", widget=GovRadioInput(), validate_choice=True, choices=[])
    reason = RadioField("Why may it be published?", widget=GovRadioInput(), validate_choice=True,
                        choices=[SelectChoice(r.value, r.label) for r in ALLOW_REASONS])
    details = _area("Details", "What the family asked, the court proceedings that made the name public, or the other reason")
    family_agreed_on = _date("Date the family agreed", "Leave blank if the family was not asked")
    home_office_agreed_on = _date("Date the Home Office agreed", "Leave blank if it has not been asked")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def validate_name_key(self, field: RadioField) -> None:
        if not field.data:
            raise ValidationError("Choose which name may be published")

    def validate_reason(self, field: RadioField) -> None:
        if not field.data:
            raise ValidationError("Choose why the name may be published")


class AcceptFindingForm(VersionedForm):
    details = _area("Why is this not the person named?", "For example: the word is the month of June, not the "
                    "person's first name", required="Say why the finding is not the person named")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class ConfirmDecisionForm(ServiceForm):
    submit = SubmitField("Confirm the decision", widget=GovSubmitInput())
