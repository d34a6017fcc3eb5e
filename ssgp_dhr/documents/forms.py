"""Forms for documents: a new document (type, title, file) and a new version (file only).

They check only that something was chosen and typed; whether the file is accepted is judged by
its content in storage.py, through the services.
"""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ssgp_dhr.documents.file_kinds import ACCEPTED
from ssgp_dhr.documents.models import DocumentType
from ssgp_dhr.documents.services import TITLE_MAX
from ssgp_dhr.forms import ServiceForm


def _file_field() -> FileField:
    return FileField("Upload a file", widget=GovFileInput(), validators=[FileRequired("Select a file to upload")])


def file_hint(max_mb: int) -> str:
    return f"The file must be {ACCEPTED}, smaller than {max_mb}MB."


class VersionForm(ServiceForm):
    file = _file_field()
    submit = SubmitField("Upload the new version", widget=GovSubmitInput())


class UploadForm(ServiceForm):
    document_type = SelectField(
        "Type of document", widget=GovSelect(), coerce=str,
        choices=[SelectChoice("", "Choose a type"), *(SelectChoice(t.value, t.label) for t in DocumentType)],
        validators=[DataRequired("Choose the type of document")],
    )
    title = StringField(
        "Title", widget=GovTextInput(),
        description="For example, “Chronology – Constabulary”. Use the review's pseudonym, never a real name.",
        validators=[DataRequired("Enter a title for the document"),
                    Length(max=TITLE_MAX, message=f"The title must be {TITLE_MAX} characters or fewer")],
    )
    file = _file_field()
    submit = SubmitField("Upload the document", widget=GovSubmitInput())
