"""E-mails about a person's own account, sent at once rather than by the daily reminders run: the link
to choose a new password, and notices of changes to the account's security.

A notice tells someone of a change they may not have made (a new password or authenticator, a
temporary password, a lockout), so that they can tell their administrator before harm is done. None
holds a case detail, and none is sent again if it fails: the change itself stands, and the failure is
logged by the account's id, never its address.
"""

from __future__ import annotations

import enum

from flask import Response, after_this_request, current_app, has_request_context

from ssgp_dhr.accounts.models import User
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_datetime
from ssgp_dhr.reminders import mailer

IF_NOT_YOU = ("If this was not you, tell your account administrator straight away: someone else may know your "
              "password or hold your authenticator app.")


class Notice(enum.Enum):
    """(subject, what happened): what happened is completed with the time, in UK time."""

    PASSWORD_CHANGED = ("Your password was changed", "The password for your account was changed")
    PASSWORD_SET_FROM_LINK = ("Your password was changed",
                              "The password for your account was changed, using a link emailed to you,")
    TEMPORARY_PASSWORD = ("An administrator set you a temporary password",
                          "An account administrator set a temporary password for your account, and signed it "
                          "out everywhere,")
    AUTHENTICATOR_CHANGED = ("Your authenticator app was changed",
                             "Your account was moved to a different authenticator app, and given new recovery codes,")
    AUTHENTICATOR_RESET = ("Your authenticator app was reset",
                           "An account administrator reset the authenticator app for your account: you will set "
                           "one up again the next time you sign in. This was done")
    LOCKED_OUT = ("Your account was locked for 15 minutes",
                  "Your account was locked after 10 attempts to sign in with a wrong password or security code. "
                  "It unlocks itself after 15 minutes. This happened")


def send(user: User, subject: str, body: str) -> bool:
    """E-mail `user` now; False (and a warning in the log) if it could not be sent."""
    return _deliver(user.id, user.email, subject, body)


def send_after_response(response: Response, user: User, subject: str, body: str) -> None:
    """E-mail `user` once `response` has gone to the browser: how long the mail server takes then says
    nothing about whether the address has an account (the forgotten password page)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    user_id, address = user.id, user.email

    def deliver() -> None:
        with app.app_context():
            _deliver(user_id, address, subject, body)

    response.call_on_close(deliver)


def _deliver(user_id: int, address: str, subject: str, body: str) -> bool:
    config = current_app.config
    try:
        outgoing = mailer.mailer_for(config)
    except mailer.MailNotConfigured:
        current_app.logger.warning("No e-mail to user %s about their account: e-mail is not set up", user_id)
        return False
    message = mailer.compose_account_email(address, subject, body, config)
    try:
        outgoing.send(None, message)
        db.session.commit()
    except (mailer.Refused, mailer.Interrupted, mailer.MailNotConfigured):
        db.session.rollback()
        current_app.logger.warning("The e-mail to user %s about their account could not be sent", user_id)
        return False
    finally:
        outgoing.close()
    return True


def notify(user: User, notice: Notice) -> None:
    """Tell `user` of a change to their account's security: once the page has gone, in a request, so that
    neither the mail server's time nor a failure reaches the page (the tenth wrong password, which locks an
    account, must take as long as the ninth: a slower answer would say the address has an account)."""
    subject, what = notice.value
    service = current_app.config["SERVICE_NAME"]
    body = (f"{what} on {uk_datetime(utcnow())} (UK time).\n\n"
            f"This is about your account on the {service} ({user.email}).\n\n{IF_NOT_YOU}\n")
    send_when_done(user, f"{subject}: {service}", body)


def send_when_done(user: User, subject: str, body: str) -> None:
    """E-mail `user` once the page has gone, in a request (now, from the command line): neither the mail
    server's time nor its failure reaches the page."""
    if not has_request_context():
        send(user, subject, body)
        return

    @after_this_request
    def after_the_page(response: Response) -> Response:
        send_after_response(response, user, subject, body)
        return response
