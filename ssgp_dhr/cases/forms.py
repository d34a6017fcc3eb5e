"""Forms for reviews: the notification, the details, and one form per workflow action.

The forms check only the shape of what was typed (a real date, a whole number). Whether an action
may happen is for the workflow's requirements, through services.advance, so the rules live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import abort
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from ssgp_dhr.cases import death_kinds, workflow
from ssgp_dhr.cases.models import (
    ConsiderationAdvice,
    DeadlineKind,
    DecisionResponseOutcome,
    DelayCause,
    HoldReason,
    JointReviewKind,
    NotifierKind,
    PanelRole,
    QAOutcome,
)
from ssgp_dhr.clock import today_uk
from ssgp_dhr.forms import LONG_TEXT_MAX, MULTI_LINE_MAX, ServiceForm
from ssgp_dhr.inputs import parse_id

PUBLISHED_DOCUMENTS = (
    ("overview_report", "Overview report"),
    ("executive_summary", "Executive summary"),
    ("action_plan", "Action plan"),
    ("home_office_letter", "Home Office letter"),
)


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year boxes) that keeps what was typed when it is not a date."""

    widget = GovDateInput()

    def __init__(self, label: str | None = None, validators: Iterable | None = None, *, required: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.required_message = required

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist:
            self.raw_data = None  # the widget then shows the (empty) data rather than three boxes' text
            return
        parts = [v.strip() for v in valuelist[:3]] + [""] * (3 - len(valuelist[:3]))
        self.raw_data = parts
        if not any(parts):
            return
        name = self.label.text
        if not all(parts):
            missing = [p for p, v in zip(("day", "month", "year"), parts, strict=True) if not v]
            raise ValueError(f"{name} must include a {' and '.join(missing)}")
        try:
            # ASCII digits only: int() would also read other scripts' digits, and a day of
            # 99999999999999999999 past date()'s C integer (OverflowError, not ValueError).
            if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
                raise ValueError
            day, month, year = (int(p) for p in parts)
            if year < 1900:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{name} must be a real date") from None

    def pre_validate(self, form: ServiceForm) -> None:
        if self.required_message and self.data is None and not self.process_errors:
            raise ValidationError(self.required_message)

    def error_anchor(self) -> str:
        # The error summary links to the first box, as the GOV.UK date input pattern asks.
        return f"{self.name}-day"


def _text(label: str, hint: str | None = None, *, required: str | None = None, max_length: int = 200) -> StringField:
    validators = [DataRequired(required)] if required else [Optional()]
    too_long = Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")
    return StringField(label, description=hint, widget=GovTextInput(), validators=[*validators, too_long])


def _area(label: str, hint: str | None = None, *, required: str | None = None,
          max_length: int = MULTI_LINE_MAX) -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, description=hint, widget=GovTextArea(), validators=[*validators, Length(max=max_length)])


def _date(label: str, hint: str | None = "For example, 27 3 2026", *, required: str | None = None) -> GovDateField:
    return GovDateField(label, description=hint, required=required)


# The form field for each piece of data an action can take (workflow.ACTIONS[trigger].fields).
ACTION_FIELDS: dict[str, Callable[[], Field]] = {
    "decision_on": lambda: _date("Date of the decision"),
    "home_office_told_on": lambda: _date("Date the Home Office was told"),
    "decline_reasons": lambda: _area("Reasons for not holding a review"),
    "reopen_reason": lambda: _area("Why a review is now required",
                                   "Who asked for it: the Home Office, the QA Panel or the Home Secretary"),
    # Chosen from the independent chairs on the review's panel (fit_to_review), never typed.
    # (the panel's requirement refuses a name that is not theirs, from the CLI too)
    "chair_name": lambda: SelectField("Independent chair", description="The independent chair on the review's panel",
                                      widget=GovSelect(), coerce=str, choices=[], validate_choice=False),
    "chair_appointed_on": lambda: _date("Date the chair was appointed"),
    "terms_of_reference_agreed_on": lambda: _date("Date the terms of reference were agreed"),
    "hold_reason": lambda: RadioField("What is the review waiting for?", widget=GovRadioInput(),
                                      choices=[SelectChoice(r.value, r.label) for r in HoldReason], validate_choice=False),
    "hold_details": lambda: _area("Details of the parallel proceedings"),
    "hold_started_on": lambda: _date("Date the hold started"),
    "hold_expected_end_on": lambda: _date("Date the hold is expected to end"),
    "hold_ended_on": lambda: _date("Date the hold ended"),
    "inquest_on": lambda: _date("Date of the inquest", "Only for an inquest, once the coroner has listed it. "
                                "Leave blank if it is not known yet"),
    "overview_report_completed_on": lambda: _date("Date the overview report was completed"),
    "executive_summary_completed_on": lambda: _date("Date the executive summary was completed"),
    "action_plan_completed_on": lambda: _date("Date the action plan was completed"),
    "panel_signed_off_on": lambda: _date("Date the panel signed the report off"),
    "partnership_signed_off_on": lambda: _date("Date the partnership signed the report off"),
    "submitted_on": lambda: _date("Date the report went to the Home Office"),
    "panel_meeting_on": lambda: _date("Date of the Quality Assurance Panel meeting", "Leave blank if you do not know it"),
    "letter_on": lambda: _date("Date of the Home Office letter"),
    "changes_requested": lambda: _area("Changes the Quality Assurance Panel asked for", max_length=LONG_TEXT_MAX),
    "qa_outcome": lambda: RadioField("What does the Home Office letter say about publication?", widget=GovRadioInput(),
                                     choices=[SelectChoice(o.value, o.label) for o in QAOutcome if o is not QAOutcome.REVISE],
                                     validate_choice=False),
    "published_on": lambda: _date("Date of publication"),
    "publication_url": lambda: StringField("Web address of the published report", widget=GovTextInput(),
                                           validators=[Optional(), Length(max=500),
                                                       URL(message="Enter a web address, like https://example.org/dhr")]),
    "published_documents": lambda: SelectMultipleField("Documents published", widget=GovCheckboxesInput(),
                                                       description="Select all that apply",
                                                       choices=[SelectChoice(v, label) for v, label in PUBLISHED_DOCUMENTS],
                                                       validate_choice=False),
    "summary_only_reason": lambda: _area("Why only a learning summary is published"),
    "family_agreed_summary_on": lambda: _date("Date the family agreed to a learning summary"),
    "home_office_agreed_summary_on": lambda: _date("Date the Home Office agreed to a learning summary"),
    "closed_on": lambda: _date("Date monitoring of the action plan ended"),
}


# The question each piece of action data answers, for showing it back in the history.
ACTION_FIELD_LABELS: dict[str, str] = {name: make().args[0] for name, make in ACTION_FIELDS.items()}


class VersionedForm(ServiceForm):
    # The review version the user saw: a stale write is refused, not silently applied.
    version = HiddenField()

    def seen_version(self) -> int:
        """The review version the form was loaded at; a bad request (400) if it cannot be one, as a number no
        version has must not reach the database."""
        number = parse_id(self.version.data)
        if number is None:
            abort(400)
        return number


def action_form_class(trigger: str) -> type[VersionedForm]:
    """A form asking for exactly the data `trigger` takes, in the order the workflow lists it."""
    action = workflow.ACTIONS[trigger]
    attrs: dict[str, Any] = {name: ACTION_FIELDS[name]() for name in action.fields}
    attrs["submit"] = SubmitField(action.label, widget=GovSubmitInput())
    return type(f"{trigger.title().replace('_', '')}Form", (VersionedForm,), attrs)


def fit_to_review(form: VersionedForm, review: Any) -> None:
    """Offer what fits the review: its panel's independent chair to choose; what fits the kind of death first
    (after a suicide, a hold is most often for the inquest)."""
    if "chair_name" in form:
        today = today_uk()
        chairs = sorted({m.user.full_name for m in review.panel
                         if m.panel_role is PanelRole.INDEPENDENT_CHAIR and m.is_active_on(today)})
        form.chair_name.choices = [SelectChoice("", "Choose the chair" if chairs else "Add the chair to the panel first"),
                                   *(SelectChoice(name, name) for name in chairs)]
        if len(chairs) == 1 and not form.is_submitted():
            form.chair_name.data = chairs[0]
    if "hold_reason" in form:
        first = review.wording.hold_reasons_first
        form.hold_reason.choices = sorted(form.hold_reason.choices, key=lambda c: first.index(c.value)
                                          if c.value in first else len(first))


def action_data(form: VersionedForm, trigger: str) -> dict[str, Any]:
    """What the user gave for the action; blanks are left out so the requirements name them."""
    data: dict[str, Any] = {}
    for name in workflow.ACTIONS[trigger].fields:
        value = getattr(form, name).data
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            continue
        data[name] = value
    return data


def _not_in_future(form: ServiceForm, field: Field) -> None:
    if field.data and field.data > today_uk():
        raise ValidationError(f"{field.label.text} must be today or in the past")


class HoldEndForm(VersionedForm):
    """A new expected end for the current hold, and why it changed."""

    expected_end_on = _date("New expected end", "For example, 27 3 2027",
                            required="Give the date the hold is now expected to end")
    reason = _area("Why has the expected end changed?",
                   "For example, the coroner extended the inquest's suspension by 28 days, or the trial was relisted",
                   required="Say why the expected end has changed")
    submit = SubmitField("Save the new expected end", widget=GovSubmitInput())


class InquestDateForm(VersionedForm):
    """The date of the inquest the current hold waits for."""

    inquest_on = _date("Date of the inquest", "As the coroner listed it. For example, 27 3 2027",
                       required="Give the date of the inquest")
    submit = SubmitField("Save the inquest's date", widget=GovSubmitInput())


class CoronerRequestForm(VersionedForm):
    """The coroner's request for the review's report, and when the report was sent."""

    received_on = _date("Date of the coroner's request", "The date on the coroner's letter or e-mail",
                        required="Record the date of the coroner's request")
    details = _area("What the coroner asked for", "For example, the overview report before the inquest resumes. "
                    "Without real names: the pseudonym and roles only")
    sent_on = _date("Date the report was sent to the coroner", "Leave blank until it has been sent")
    submit = SubmitField("Save the coroner's request", widget=GovSubmitInput())


class DelayNoticeForm(VersionedForm):
    """The Home Office told that the decision or the report will be late."""

    told_on = _date("Date the Home Office was told", required="Record the date the Home Office was told")
    cause = RadioField("Main cause of the delay", widget=GovRadioInput(),
                       validators=[InputRequired("Choose the main cause of the delay")])
    explanation = _area("What the Home Office was told", "Without real names: the pseudonym and roles only",
                        required="Explain the delay as the Home Office was told it")
    expected_on = _date("Date the report is now expected to go to the Home Office", "For example, 27 3 2027")
    submit = SubmitField("Record the delay", widget=GovSubmitInput())

    def about(self, deadline: DeadlineKind) -> None:
        """Ask about the decision or the report: its expected date, and the causes that can delay it."""
        self.cause.choices = [SelectChoice(c.value, c.label) for c in DelayCause.delaying(deadline)]
        expected = deadline.now_expected
        self.expected_on.label.text = f"Date {expected}"
        self.expected_on.required_message = f"Give the date {expected}"


class ConsiderationPanelForm(VersionedForm):
    """A consideration panel's meeting and its advice to the chair."""

    met_on = _date("Date the consideration panel met", required="Record the date the consideration panel met")
    attended_by = _area("Agencies represented", "For example, police, adult social care and the domestic abuse "
                        "service", required="Say which agencies were represented")
    advice = RadioField("What did the consideration panel advise?", widget=GovRadioInput(),
                        choices=[SelectChoice(a.value, a.label) for a in ConsiderationAdvice],
                        validators=[InputRequired("Choose what the consideration panel advised")])
    rationale = _area("The consideration panel's reasons", "Without real names: the pseudonym and roles only",
                      required="Give the consideration panel's reasons")
    submit = SubmitField("Record the consideration panel", widget=GovSubmitInput())


class DecisionResponseForm(VersionedForm):
    """The Home Office's answer to the decision whether to hold a review."""

    received_on = _date("Date of the Home Office's response", "The date on its letter or e-mail",
                        required="Record the date of the Home Office's response")
    outcome = RadioField("What did the Home Office say?", widget=GovRadioInput(),
                         validators=[InputRequired("Choose the Home Office's response")])
    notes = _area("What the Home Office said", "Without real names: the pseudonym and roles only")
    submit = SubmitField("Record the response", widget=GovSubmitInput())

    def answering(self, review_held: bool) -> None:
        """Offer the responses this decision can have; a decision to hold a review is only acknowledged."""
        if review_held:
            del self.outcome
            self.notes.description = ("Anything the Home Office asked or commented on. Leave blank if it only "
                                      "acknowledged the decision")
        else:
            self.outcome.choices = [SelectChoice(o.value, o.label) for o in DecisionResponseOutcome.answering(False)]
            self.notes.description = "Required if it asked for a review: what it asked and why. Without real names"


class DetailsForm(VersionedForm):
    """The facts recorded at notification; also the edit-details form."""

    death_kind = RadioField("What kind of death is it?", widget=GovRadioInput(),
                            choices=[SelectChoice(value, label) for value, label in death_kinds.choices()],
                            description="It decides the words the tracker uses of the death and of the other person",
                            validators=[InputRequired("Choose the kind of death")])
    pseudonym = _text("Pseudonym", "The name the review is known by in its reports", required="Enter the pseudonym",
                      max_length=80)
    victim_name = _text("Victim's full name", required="Enter the victim's full name")
    victim_date_of_birth = _date("Victim's date of birth", "For example, 27 3 1980")
    victim_address = _area("Victim's address", max_length=500)
    victim_age = IntegerField("Victim's age", widget=GovTextInput(), validators=[
        Optional(), NumberRange(min=0, max=120, message="Victim's age must be a whole number between 0 and 120")])
    perpetrator_name = _text(death_kinds.OTHER_PERSON_NAME_UNKNOWN_KIND, "Leave blank if not known")
    date_of_death = _date("Date of death", required="Enter the date of death")
    notified_on = _date("Date notified", "The date the partnership was told of the death", required="Enter the date notified")
    notifier_kind = RadioField("Who notified the partnership?", widget=GovRadioInput(),
                               choices=[SelectChoice(k.value, k.label) for k in NotifierKind],
                               validators=[InputRequired("Choose who notified the partnership")])
    notified_by = _text("Service or officer who notified the partnership",
                        "For example, Gloucestershire Constabulary, Major Crime Investigation Team, or HM Coroner for "
                        "Gloucestershire", required="Enter the service or officer who notified the partnership")
    circumstances = _area("Circumstances", "What is known of the death, without names", max_length=LONG_TEXT_MAX)
    press_contact = _text("Press contact", "Leave blank if there has been none")
    joint_partnership_id = SelectField("Joint partnership", widget=GovSelect(), coerce=str,
                                       description="Only if another partnership shares the review")
    joint_review_kind = SelectField(
        "Held jointly with", widget=GovSelect(), coerce=str, default="",
        choices=[SelectChoice("", "No other review")] + [SelectChoice(k.value, k.label) for k in JointReviewKind],
        description="A review can also meet the duty to hold a Safeguarding Adults Review or a Child Safeguarding "
                    "Practice Review")
    joint_review_with = _text("Board or partnership sharing the review",
                              "For example, Gloucestershire Safeguarding Adults Board")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_date_of_death(self, field: GovDateField) -> None:
        _not_in_future(self, field)

    def validate_victim_date_of_birth(self, field: GovDateField) -> None:
        _not_in_future(self, field)

    def validate_notified_on(self, field: GovDateField) -> None:
        _not_in_future(self, field)
        if field.data and self.date_of_death.data and field.data < self.date_of_death.data:
            raise ValidationError("Date notified cannot be before the date of death")

    def speak_of(self, kind: str | None) -> None:
        """Label the other person's name as `kind` of death calls them (both ways while it is not chosen)."""
        if "perpetrator_name" in self and kind in set(death_kinds.DeathKind):
            self.perpetrator_name.label.text = death_kinds.wording(kind).other_person_name

    def set_partnership_choices(self, partnerships: Iterable[Any]) -> None:
        self.joint_partnership_id.choices = [SelectChoice("", "None")] + [SelectChoice(str(p.id), p.name) for p in partnerships]

    def details(self, real_names: bool) -> dict[str, Any]:
        """The typed values, by Review column; the real-name fields only for those who may see them."""
        from ssgp_dhr.cases.models import RESTRICTED_FIELDS

        out: dict[str, Any] = {}
        for name in DETAIL_FIELDS:
            if name in RESTRICTED_FIELDS and not real_names:
                continue
            value = getattr(self, name).data
            if isinstance(value, str):
                value = value.strip() or None
            out[name] = value
        out["joint_partnership_id"] = int(out["joint_partnership_id"]) if out.get("joint_partnership_id") else None
        out["circumstances"] = out.get("circumstances") or ""
        return out


DETAIL_FIELDS = (
    "death_kind", "notifier_kind", "pseudonym", "victim_name",
    "victim_date_of_birth", "victim_address", "victim_age", "perpetrator_name",
    "date_of_death", "notified_on", "notified_by", "circumstances", "press_contact", "joint_partnership_id",
    "joint_review_kind", "joint_review_with",
)


class NotificationForm(DetailsForm):
    lead_partnership_id = SelectField("Lead partnership", widget=GovSelect(), coerce=str,
                                      validators=[InputRequired("Choose the lead partnership")])
    submit = SubmitField("Record the notification", widget=GovSubmitInput())

    def validate_joint_partnership_id(self, field: SelectField) -> None:
        if field.data and field.data == self.lead_partnership_id.data:
            raise ValidationError("The joint partnership must differ from the lead partnership")


def place_problems(form: ServiceForm, problems: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Put a service's (field, sentence) problems on the form's fields; return the error summary."""
    for name, sentence in problems:
        getattr(form, name).errors = [*getattr(form, name).errors, sentence]
    return error_list(form)


def error_list(form: ServiceForm, extra: Iterable[tuple[str, str]] = ()) -> list[dict[str, str]]:
    """The GOV.UK error summary items, each linked to its field (date inputs: to the day box)."""
    items = []
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        if field is None or not errors:
            continue
        anchor = field.error_anchor() if hasattr(field, "error_anchor") else _first_input_id(field)
        items.append({"text": errors[0], "href": f"#{anchor}"})
    items.extend({"text": text, "href": f"#{anchor}"} for text, anchor in extra)
    return items


def _first_input_id(field: Field) -> str:
    # Radios and checkboxes: the first option's id is the field's own id (GOV.UK macros).
    return field.id


class RedactionForm(VersionedForm):
    reason = _area("Why is the name redacted?", "For example: the family contact's name was typed into the reason "
                   "for a hold", required="Give the reason for the redaction")
    submit = SubmitField("Redact the names", widget=GovSubmitInput())
