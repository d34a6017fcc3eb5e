"""Forms for the panel's work. They check the shape of what was typed; the services judge the rest."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ssgp_dhr.cases.forms import _area, _date, _text
from ssgp_dhr.cases.models import PanelMembership, PanelRole
from ssgp_dhr.forms import LONG_TEXT_MAX, ServiceForm
from ssgp_dhr.inputs import parse_id
from ssgp_dhr.panel.models import RETURN_REASON_MAX, FamilyEventKind, InputKind, PublicationConsent, RequestKind, RequestStatus


def _radios(label: str, choices: Iterable[tuple[str, str]], required: str) -> RadioField:
    return RadioField(label, widget=GovRadioInput(), choices=[SelectChoice(v, t) for v, t in choices],
                      validators=[InputRequired(required)])


def _select(label: str, hint: str | None = None, *, required: str | None = None) -> SelectField:
    return SelectField(label, description=hint, widget=GovSelect(), coerce=str,
                       validators=[InputRequired(required)] if required else [])


def _members(label: str, hint: str | None = None) -> SelectMultipleField:
    return SelectMultipleField(label, description=hint, widget=GovCheckboxesInput(), coerce=int, choices=[])


def member_choices(members: Iterable[PanelMembership], blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank else []
    return choices + [SelectChoice(str(m.id), f"{m.user.full_name} ({m.agency.name}, {m.panel_role.label.lower()})")
                      for m in members]


def optional_int(value: str | None) -> int | None:
    return parse_id(value)


class MemberForm(ServiceForm):
    user_id = _select("Person", "Panel members of this review's partnerships", required="Choose the person")
    agency_id = _select("Agency they represent", required="Choose the agency")
    panel_role = _radios("Role on the panel", [(r.value, r.label) for r in PanelRole], "Choose their role on the panel")
    started_on = _date("Member from", required="Enter the date they join the panel")
    ended_on = _date("Member until", "Leave blank if there is no end date yet")
    submit = SubmitField("Add to the panel", widget=GovSubmitInput())


class ConfirmForm(ServiceForm):
    submit = SubmitField("Remove from the panel", widget=GovSubmitInput())


class RequestForm(ServiceForm):
    agency_id = _select("Agency", required="Choose the agency")
    kind = _radios("What is requested", [(k.value, k.label) for k in RequestKind], "Choose what is requested")
    requested_on = _date("Date requested", required="Enter the date of the request")
    due_on = _date("Date due", required="Enter the date it is due")
    responsible_id = _select("Responsible panel member", "The panel member who will see it is sent")
    note = _area("Note", "Optional")
    submit = SubmitField("Record the request", widget=GovSubmitInput())


class RequestUpdateForm(ServiceForm):
    status = _radios("Status", [(s.value, s.label) for s in RequestStatus], "Choose the status")
    due_on = _date("Date due", required="Enter the date it is due")
    received_on = _date("Date received", "Until documents are stored here, the date the response arrived")
    responsible_id = _select("Responsible panel member")
    note = _area("Note", "For example, where the response is held, or what more work was asked for")
    submit = SubmitField("Save the request", widget=GovSubmitInput())


class DeliveryForm(ServiceForm):
    """The agency's response, as a file: whether it is accepted is judged by its content (documents.storage)."""

    file = FileField("Upload the file", widget=GovFileInput(), validators=[FileRequired("Select the file to upload")])
    submit = SubmitField("Deliver it", widget=GovSubmitInput())


class DeliveryDecisionForm(ServiceForm):
    decision = _radios("Is this what was asked for?", [
        ("accept", "Yes, accept it"), ("return", "No, return it to the agency with what is missing")],
        "Choose whether to accept it or return it")
    missing = _area("What is missing", "If you return it: the agency reads this in the tracker, never by e-mail. "
                    "No real names", max_length=RETURN_REASON_MAX)
    due_on = _date("New due date", "If you return it and give the agency more time. For example, 27 3 2026")
    submit = SubmitField("Save", widget=GovSubmitInput())


class MeetingForm(ServiceForm):
    held_on = _date("Date of the meeting", required="Enter the date of the meeting")
    agenda = _area("Agenda", required="Enter the agenda")
    attendee_ids = _members("Attended", "Select the panel members who attended")
    apology_ids = _members("Sent apologies", "Select the panel members who sent apologies")
    minutes = _area("Minutes", "A note of the minutes and when they were received, until the minutes document is stored here",
                    max_length=LONG_TEXT_MAX)
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())


class MeetingActionForm(ServiceForm):
    description = _area("Action", required="Describe the action")
    owner_id = _select("Owner", required="Choose the panel member who owns the action")
    due_on = _date("Date due", required="Enter the date the action is due")
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class InputForm(ServiceForm):
    kind = _radios("Kind of contribution", [(k.value, k.label) for k in InputKind], "Choose the kind of contribution")
    # Judged by the service (a version of this review's draft), so a choice left out is not "not valid".
    document_version_id = SelectField("The version of the draft you read", description="For a comment on a draft",
                                      widget=GovSelect(), coerce=str, validate_choice=False)
    text = _area("Your contribution", "Visible to this review's panel and its coordinators",
                 required="Enter your contribution", max_length=LONG_TEXT_MAX)
    submit = SubmitField("Post to the input log", widget=GovSubmitInput())


class EditInputForm(ServiceForm):
    text = _area("Your contribution", "The earlier wording is kept in the entry's history",
                 required="Enter your contribution", max_length=LONG_TEXT_MAX)
    submit = SubmitField("Save the change", widget=GovSubmitInput())


class RetractForm(ServiceForm):
    reason = _area("Why are you retracting this entry?", "The entry's text is hidden but kept; the reason is shown",
                   required="Give the reason for retracting the entry")
    submit = SubmitField("Retract the entry", widget=GovSubmitInput())


class FamilyForm(ServiceForm):
    advocate_name = _text("Advocate's name", "Leave blank if the family has no advocate")
    advocate_organisation = _text("Advocate's organisation", "For example, AAFDA")
    pseudonym_agreed_on = _date("Date the pseudonym was agreed with the family")
    draft_shared_on = _date("Date the draft report was shared with the family")
    draft_not_shared_reason = _area("Why the draft was not shared", "Only if it was not shared with the family")
    comments_received = _area("Comments received from the family", max_length=LONG_TEXT_MAX)
    publication_consent = _radios("Consent to publication", [(c.value, c.label) for c in PublicationConsent],
                                  "Choose the family's answer on publication")
    consent_recorded_on = _date("Date of the family's answer on publication")
    submit = SubmitField("Save", widget=GovSubmitInput())


class FamilyContactForm(ServiceForm):
    name = _text("Name", required="Enter the name")
    relationship_to_victim = _text("Relationship to the victim", "For example, mother", required="Enter the relationship",
                                   max_length=100)
    contact_details = _area("Contact details", "Telephone, e-mail or address")
    submit = SubmitField("Add the contact", widget=GovSubmitInput())


class FamilyEventForm(ServiceForm):
    kind = _radios("Contact or meeting", [(k.value, k.label) for k in FamilyEventKind], "Choose contact or meeting")
    occurred_on = _date("Date", required="Enter the date")
    summary = _area("Summary", "Without names")
    submit = SubmitField("Record it", widget=GovSubmitInput())
