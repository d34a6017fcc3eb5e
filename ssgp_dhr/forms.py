"""The base of every form in the service: one rule for the text a person types.

Every text field (single-line inputs, text areas, hidden fields, passwords) refuses control characters:
NUL and the rest of C0 and C1, and DEL. A text area also takes tabs and new lines, which arrive as CR LF
from a browser and are kept as LF, so a character count agrees with the page's. The same text is then
stored alike on SQLite and PostgreSQL, which refuses NUL outright.

Every text field has a maximum length: its own `Length(max=...)`, or else the service's default for its
kind. A text input's hint says it; a text area shows the GOV.UK character count, whose hint says it.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextArea
from wtforms import EmailField, Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import Length, StopValidation

from ssgp_dhr.inputs import has_control_characters

# The longest a field may be when it does not say: a name or a line of text, and a few paragraphs.
SINGLE_LINE_MAX = 200
MULTI_LINE_MAX = 5_000
# For the few that hold an account of events: circumstances, minutes, a panel member's contribution.
LONG_TEXT_MAX = 20_000


class ShapeInHint(Length):
    """A maximum length not repeated in the hint, which already gives the field's shape ("the 6-digit
    code", "in pounds")."""


class ServiceCharacterCount(GovCharacterCount):
    """A GOV.UK text area with a character count at the field's maximum length."""

    def map_gov_params(self, field: Field, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        limit = maximum_length(field)
        params.setdefault("maxlength", limit)
        params.setdefault("textareaDescriptionText", f"You can enter up to {limit:,} characters")
        return params


def is_text(field: Field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, CSRFTokenField)


def is_multi_line(field: Field) -> bool:
    return isinstance(field, TextAreaField)


def maximum_length(field: Field) -> int:
    """The field's own maximum (its Length validator), else the default for its kind."""
    declared = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None and v.max >= 0]
    if declared:
        return min(declared)
    return MULTI_LINE_MAX if is_multi_line(field) else SINGLE_LINE_MAX


def _subject(field: Field) -> str:
    """How an error message names the field: its label, unless the label is a question."""
    label = field.label.text
    return "Your answer" if label.rstrip().endswith("?") else label


def _limit_shown_in_hint(field: Field) -> bool:
    if isinstance(field, PasswordField | HiddenField | EmailField) or is_multi_line(field):
        return False  # a text area's character count says it; the others have no hint of their own to add to
    return not any(isinstance(v, ShapeInHint) for v in field.validators) and not getattr(field, "shape_in_hint", False)


def _with_limit(hint: str | None, limit: int) -> str:
    sentence = f"Up to {limit:,} characters"
    return f"{hint.rstrip().rstrip('.')}. {sentence}" if hint else sentence


class _PlainText:
    """Refuses control characters, then text longer than the field's maximum; first in the field's chain,
    so nothing else judges text that cannot be stored."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form: FlaskForm, field: Field) -> None:
        text = field.data if isinstance(field.data, str) else ""
        if has_control_characters(text, multi_line=is_multi_line(field)):
            if is_multi_line(field):
                raise StopValidation(f"{_subject(field)} must not include hidden control characters. "
                                     "Remove them, or retype the text rather than pasting it")
            raise StopValidation(f"{_subject(field)} must be one line of text, without tabs or hidden "
                                 "control characters")
        if len(text) > self.limit:
            raise StopValidation(f"{_subject(field)} must be {self.limit:,} characters or fewer")


def _one_kind_of_new_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# WTForms' own messages for a value of the wrong shape (a typed-in or tampered value), in the service's
# words and naming the field, as GOV.UK error messages do.
_WRONG_SHAPE = {
    "Not a valid integer value.": "{subject} must be a whole number, like 42",
    "Not a valid decimal value.": "{subject} must be a number, like 12.50",
    "Not a valid float value.": "{subject} must be a number, like 12.5",
    "Not a valid date value.": "{subject} must be a real date",
    "Not a valid datetime value.": "{subject} must be a real date and time",
    "Not a valid time value.": "{subject} must be a real time, like 14:30",
    "Not a valid choice.": "Select one of the options given for “{subject}”",
    "Invalid Choice: could not coerce.": "Select one of the options given for “{subject}”",
}
_NOT_A_CHOICE = re.compile(r"^'.*' (is not a valid choice|are not valid choices) for this field\.$", re.DOTALL)


def in_plain_words(field: Field, message: str) -> str:
    """`message` as the service words it: WTForms' own wording replaced, anything else as it is."""
    if _NOT_A_CHOICE.match(message):
        message = "Not a valid choice."
    template = _WRONG_SHAPE.get(message)
    return template.format(subject=_subject(field)) if template else message


class ServiceForm(FlaskForm):
    """Every form in the service derives from this: the text rule and the maximum lengths above, and
    WTForms' own messages in the service's words."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.errors, list):  # a FormField's errors are a mapping of its own fields'
                field.errors = [in_plain_words(field, e) if isinstance(e, str) else e for e in field.errors]
        return valid

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if is_text(field):
                self._hold_to_the_text_rule(field)

    @staticmethod
    def _hold_to_the_text_rule(field: Field) -> None:
        limit = maximum_length(field)
        # A bound field's own list: the class's validators are shared by every instance of the form.
        field.validators = [_PlainText(limit), *field.validators]
        if is_multi_line(field):
            if isinstance(field.data, str):
                field.data = _one_kind_of_new_line(field.data)
            if type(field.widget) is GovTextArea:
                field.widget = ServiceCharacterCount()
        elif _limit_shown_in_hint(field):
            field.description = _with_limit(field.description, limit)
