"""Forms for the action plan: a recommendation, a progress update, accepting completion."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ssgp_dhr.action_plan.models import RecommendationLevel
from ssgp_dhr.cases.forms import VersionedForm, _area, _date, _text


class RecommendationForm(VersionedForm):
    reference = _text("Reference", "As numbered in the action plan, for example R1", required="Enter the reference",
                      max_length=20)
    text = _area("Recommendation", required="Enter the recommendation")
    level = RadioField("Level", widget=GovRadioInput(), choices=[SelectChoice(lv.value, lv.label) for lv in RecommendationLevel],
                       validators=[InputRequired("Choose the level")])
    owning_agency_id = SelectField("Owning agency", widget=GovSelect(), coerce=str,
                                   validators=[InputRequired("Choose the owning agency")])
    actions = _area("Actions", "What the agency will do")
    target_on = _date("Target date", required="Enter the target date")
    evidence = _area("Evidence", "Optional: where the evidence of completion is")
    submit = SubmitField("Add the recommendation", widget=GovSubmitInput())


class ProgressForm(VersionedForm):
    text = _area("Progress", required="Describe the progress")
    evidence = _area("Evidence", "Optional: the evidence of what was done, or where it is kept")
    propose_completion = BooleanField("The recommendation is complete: ask the coordinator to accept it",
                                      widget=GovCheckboxInput())
    submit = SubmitField("Post the progress update", widget=GovSubmitInput())


class CompletionForm(VersionedForm):
    completed_on = _date("Date completed", required="Enter the date the recommendation was completed")
    submit = SubmitField("Accept as complete", widget=GovSubmitInput())


class RevisionForm(VersionedForm):
    text = _area("Recommendation", required="Enter the recommendation")
    level = RadioField("Level", widget=GovRadioInput(), choices=[SelectChoice(lv.value, lv.label) for lv in RecommendationLevel],
                       validators=[InputRequired("Choose the level")])
    owning_agency_id = SelectField("Owning agency", widget=GovSelect(), coerce=str,
                                   validators=[InputRequired("Choose the owning agency")])
    actions = _area("Actions", "What the agency will do")
    target_on = _date("Target date", "For example, 27 3 2027. If it moves, the first target agreed is kept and shown "
                      "beside the new one",
                      required="Enter the target date")
    reason = _area("Why it is revised", "For example, agreed by the partnership board on 3 March after the "
                   "service was restructured", required="Say why the recommendation is revised")
    submit = SubmitField("Save the revision", widget=GovSubmitInput())


class ReturnForm(VersionedForm):
    reason = _area("What is still needed", "The owner reads this with the recommendation's progress",
                   required="Say what is still needed before it is complete")
    submit = SubmitField("Return it to the owner", widget=GovSubmitInput())
