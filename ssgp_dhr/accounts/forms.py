"""Forms for signing in, the second factor, one's own account and the administration of accounts."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField, ValidationError
from wtforms.validators import Email, EqualTo, InputRequired, Length

from ssgp_dhr.accounts.passwords import MAX_LENGTH, password_problem
from ssgp_dhr.forms import ServiceForm, ShapeInHint


class SignInForm(ServiceForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter your email address"),
                    Email("Enter an email address in the correct format, like name@example.org")],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=MAX_LENGTH, message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SecurityCodeForm(ServiceForm):
    code = StringField(
        "Security code",
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows for this service",
        validators=[InputRequired("Enter the security code"), ShapeInHint(max=20, message="Enter the 6-digit security code")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(ServiceForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description="One of the recovery codes you saved when you set up your authenticator app, like abcde-fghjk",
        validators=[InputRequired("Enter a recovery code"), ShapeInHint(max=40, message="Enter a recovery code")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmPasswordForm(ServiceForm):
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=MAX_LENGTH, message="Enter your password")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NewPasswordField(PasswordField):
    """A password being set: 12 to 128 characters and not a common one; no other rules."""

    def pre_validate(self, form: ServiceForm) -> None:
        email = getattr(form, "account_email", None) or getattr(getattr(form, "email", None), "data", None)
        problem = password_problem(self.data or "", email)
        if self.data and problem:
            raise ValidationError(problem)


def new_password_fields() -> tuple[NewPasswordField, PasswordField]:
    """A new password and the same again. Made in the form's class body, so they keep their place among
    its fields (the error summary lists problems in field order)."""
    return (
        NewPasswordField("New password", widget=GovPasswordInput(),
                         description="At least 12 characters. A few unrelated words together make a good password.",
                         validators=[InputRequired("Enter a new password")]),
        PasswordField("Confirm new password", widget=GovPasswordInput(),
                      validators=[InputRequired("Confirm your new password"),
                                  EqualTo("new_password", "Enter the same new password twice")]),
    )


class ChangePasswordForm(ServiceForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=MAX_LENGTH, message="Enter your current password")],
    )
    new_password, confirm_password = new_password_fields()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ForgottenPasswordForm(ServiceForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="The address you sign in with",
        validators=[InputRequired("Enter your email address"), Length(max=254, message="Enter a shorter email address"),
                    Email("Enter an email address in the correct format, like name@example.org")],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class NewPasswordForm(ServiceForm):
    """A new password chosen through a link from a 'forgotten password' e-mail."""

    new_password, confirm_password = new_password_fields()
    submit = SubmitField("Set the new password", widget=GovSubmitInput())

    def __init__(self, account_email: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.account_email = account_email  # a password must not contain the address it signs in with


class NewAccountForm(ServiceForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter their email address"), Length(max=254, message="Enter a shorter email address"),
                    Email("Enter an email address in the correct format, like name@example.org")],
    )
    full_name = StringField(
        "Full name", widget=GovTextInput(),
        validators=[InputRequired("Enter their full name"), Length(max=200, message="Full name must be 200 characters or fewer")],
    )
    organisation_id = SelectField("Organisation", widget=GovSelect(),
                                  validators=[InputRequired("Choose their organisation")])
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), description="Select all that apply",
                                validators=[InputRequired("Choose at least one role")])
    submit = SubmitField("Create account", widget=GovSubmitInput())


class RolesForm(ServiceForm):
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), description="Select all that apply")
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class ActionForm(ServiceForm):
    """A button that does one thing to an account: the form carries only the CSRF token."""
