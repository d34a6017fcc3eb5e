"""The import page's forms: the file and its partnership, then the confirmation."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired

from ssgp_dhr.forms import ServiceForm


class UploadForm(ServiceForm):
    partnership = SelectField("Partnership", widget=GovSelect(), coerce=str,
                              validators=[DataRequired("Choose the partnership whose reviews they are")])
    file = FileField("Spreadsheet of reviews", widget=GovFileInput(),
                     description="An .xlsx workbook or a CSV file, with the template's headings, up to 10,000 "
                                 "reviews and 20MB.",
                     validators=[FileRequired("Select the spreadsheet to import")])
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


class ConfirmForm(ServiceForm):
    submit = SubmitField("Import the reviews", widget=GovSubmitInput())


class SubjectAccessForm(ServiceForm):
    name = StringField("Their name, as recorded on the reviews", widget=GovTextInput(),
                       description="The person who died or the other person. Case and spacing do not matter.",
                       validators=[DataRequired("Enter the person's name")])
    submit = SubmitField("Download what is recorded", widget=GovSubmitInput())
