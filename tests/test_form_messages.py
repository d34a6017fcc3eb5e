"""A value of the wrong shape, typed or tampered, is refused in the service's words naming the field,
never with WTForms' own "Not a valid integer value." or "Not a valid choice."."""

from __future__ import annotations

import pytest
from wtforms import DecimalField, IntegerField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice

from ssgp_dhr.forms import ServiceForm


class _Example(ServiceForm):
    class Meta:
        csrf = False

    age = IntegerField("Victim's age")
    amount = DecimalField("Amount")
    partnership = SelectField("Lead partnership", choices=[SelectChoice("1", "SSGP")])
    agencies = SelectMultipleField("Agencies involved", choices=[SelectChoice("1", "Police")])
    involved = SelectField("Was the family involved?", choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")])


@pytest.mark.parametrize(("field", "value", "message"), [
    ("age", "forty", "Victim's age must be a whole number, like 42"),
    ("amount", "twelve", "Amount must be a number, like 12.50"),
    ("partnership", "99", "Select one of the options given for “Lead partnership”"),
    ("agencies", "99", "Select one of the options given for “Agencies involved”"),
    ("involved", "maybe", "Select one of the options given for “Your answer”"),
])
def test_a_value_of_the_wrong_shape_is_refused_in_the_services_words(app, field, value, message) -> None:
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = _Example(formdata=MultiDict({"partnership": "1", "involved": "yes", field: value}))
        assert not form.validate()
    assert form[field].errors == [message]
    assert not [e for f in form for e in f.errors if "Not a valid" in e or "not a valid" in e]
