"""One rule for typed text on every form: no control characters (tabs and new lines only in text areas), a
maximum length on every text field shown in its hint or character count, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import ssgp_dhr
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.forms import LONG_TEXT_MAX, ServiceForm, is_multi_line, is_text, maximum_length
from tests import factories


def notification(**changes: Any) -> dict[str, Any]:
    today = today_uk()
    died, told = today - timedelta(days=5), today - timedelta(days=2)
    data = {
        "lead_partnership_id": str(factories.ssgp().id), "joint_partnership_id": "",
        "pseudonym": "Jordan", "victim_name": "Jo Realname", "perpetrator_name": "", "victim_age": "34",
        "date_of_death": [str(died.day), str(died.month), str(died.year)],
        "notified_on": [str(told.day), str(told.month), str(told.year)],
        "notified_by": "Gloucestershire Constabulary", "circumstances": "Found at home.", "press_contact": "",
        "death_kind": "domestic_homicide", "notifier_kind": "police",
    }
    data.update(changes)
    return data


def reviews() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Review))


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("pseudonym", "Jor\x00dan", "Pseudonym must be one line of text, without tabs or hidden control characters"),
    ("pseudonym", "Jor\tdan", "Pseudonym must be one line of text, without tabs or hidden control characters"),
    ("circumstances", "Found\x00 at home.", "Circumstances must not include hidden control characters. "
                                              "Remove them, or retype the text rather than pasting it"),
    ("circumstances", "Found\x1b[31m at home.", "Circumstances must not include hidden control characters. "
                                                  "Remove them, or retype the text rather than pasting it"),
    ("notified_by", "Police\x85", "Service or officer who notified the partnership must be one line of text, "
                                   "without tabs or hidden control characters"),
])
def test_a_control_character_in_a_notification_is_refused_with_an_error_on_its_field(signed_in_as, field, typed, message):
    client = signed_in_as(factories.coordinator())
    page = client.post("/cases/new", notification(**{field: typed}), expected_status=400)
    links = {a.get_text(strip=True): a["href"] for a in page.select(".govuk-error-summary a")}
    assert links == {message: f"#{field}"}
    assert reviews() == 0
    # Nothing else typed is lost.
    assert page.find(id="victim_name")["value"] == "Jo Realname"


def test_a_text_area_keeps_tabs_and_new_lines_as_one_kind_of_new_line(signed_in_as):
    client = signed_in_as(factories.coordinator())
    client.post("/cases/new", notification(circumstances="Found at home.\r\n\tThe door was open.\rNo one else."))
    assert db.session.scalar(sa.select(Review.circumstances)) == "Found at home.\n\tThe door was open.\nNo one else."


def test_text_longer_than_its_field_allows_is_refused_and_kept_on_the_page(signed_in_as):
    client = signed_in_as(factories.coordinator())
    long = "x" * (LONG_TEXT_MAX + 1)
    page = client.post("/cases/new", notification(circumstances=long, pseudonym="P" * 81), expected_status=400)
    links = {a.get_text(strip=True) for a in page.select(".govuk-error-summary a")}
    assert links == {"Circumstances must be 20,000 characters or fewer", "Pseudonym must be 80 characters or fewer"}
    assert page.find(id="circumstances").get_text() == long
    assert reviews() == 0


def test_the_limit_is_in_the_hint_of_a_text_input_and_counted_in_a_text_area(signed_in_as):
    page = signed_in_as(factories.coordinator()).get("/cases/new")
    assert page.find(id="pseudonym-hint").get_text(strip=True) == ("The name the review is known by in its reports. "
                                                                   "Up to 80 characters")
    assert page.find(id="victim_name-hint").get_text(strip=True) == "Up to 200 characters"
    count = page.find(attrs={"data-module": "govuk-character-count"})
    assert count["data-maxlength"] == "20000"
    assert count.find(id="circumstances") is not None
    assert "You can enter up to 20,000 characters" in count.get_text()


def test_a_date_of_a_number_too_large_for_a_date_is_not_a_real_date(signed_in_as):
    client = signed_in_as(factories.coordinator())
    page = client.post("/cases/new", notification(date_of_death=["99999999999999999999", "1", "2020"]),
                       expected_status=400)
    assert "Date of death must be a real date" in page.select_one(".govuk-error-summary").get_text()
    assert page.find(id="date_of_death-day")["value"] == "99999999999999999999"
    page = client.post("/cases/new", notification(date_of_death=["٣", "1", "2020"]), expected_status=400)
    assert "Date of death must be a real date" in page.select_one(".govuk-error-summary").get_text()


# --- Every form --------------------------------------------------------------------------------------------

def _every_form_class() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(ssgp_dhr.__path__, "ssgp_dhr."):
        importlib.import_module(module.name)
    found, waiting = [], [FlaskForm]
    while waiting:
        for sub in waiting.pop().__subclasses__():
            waiting.append(sub)
            if sub.__module__.startswith("ssgp_dhr."):
                found.append(sub)
    return found


def test_every_form_in_the_service_is_a_service_form():
    forms = _every_form_class()
    assert len(forms) > 40
    assert [f.__qualname__ for f in forms if not issubclass(f, ServiceForm)] == []


def test_every_text_field_of_every_form_has_a_maximum_it_shows(app):
    with app.test_request_context(method="POST"):
        for form_class in _every_form_class():
            form = _instance(form_class)
            for field in form:
                if not is_text(field) or field.type in ("HiddenField", "PasswordField", "NewPasswordField"):
                    continue
                limit = maximum_length(field)
                assert 0 < limit <= LONG_TEXT_MAX, (form_class, field.name)
                if is_multi_line(field):
                    assert "character-count" in str(field()), (form_class.__qualname__, field.name)
                elif field.type not in ("EmailField", "PoundsField", "PercentField") and field.name != "code":
                    assert f"Up to {limit:,} characters" in field.description, (form_class.__qualname__, field.name)


def test_every_text_field_refuses_nul_with_its_own_message(app):
    with app.test_request_context(method="POST"):
        for form_class in _every_form_class():
            names = [f.name for f in _instance(form_class) if is_text(f)]
            form = _instance(form_class, MultiDict(dict.fromkeys(names, "a\x00b")))
            for name in names:
                form[name].validate(form)
                assert any("control characters" in e for e in form[name].errors), (form_class.__qualname__, name)


def _instance(form_class: type[FlaskForm], formdata: MultiDict | None = None) -> FlaskForm:
    try:
        return form_class(formdata=formdata, meta={"csrf": False})
    except TypeError:  # a form told about the account it is for
        return form_class("someone@example.org", formdata=formdata, meta={"csrf": False})
