"""Sending e-mail: by SMTP (stdlib smtplib), or into the local outbox table when none is configured.

Which one is chosen by the configuration (SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_USERNAME,
SMTP_PASSWORD, MAIL_SENDER); production without SMTP refuses rather than keep mail locally.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from ssgp_dhr import hosts
from ssgp_dhr.extensions import db
from ssgp_dhr.reminders.models import OutboxMessage, Reminder

TLS_MODES = ("starttls", "ssl", "none")


class MailNotConfigured(Exception):
    """E-mail cannot be sent with this configuration; `str()` says what to set."""


class Refused(Exception):
    """The mail server answered and refused this message: it was not sent, and may be tried again."""


class CannotConnect(Refused):
    """No connection to the mail server (or it refused the log-in): nothing was sent; stop the run."""


class Interrupted(Exception):
    """The connection broke while the message was going: it may or may not have been delivered."""


class Mailer(Protocol):
    description: str

    def send(self, reminder: Reminder | None, message: EmailMessage) -> None:
        """Deliver `message` (a reminder's, or with None an e-mail about the person's own account) or raise
        Refused / Interrupted (or MailNotConfigured when connecting)."""

    def close(self) -> None: ...


def base_url(config: Mapping[str, Any]) -> str:
    """The service's address for links in e-mails: BASE_URL, else SERVER_NAME with the preferred scheme."""
    url = hosts.configured_base_url(config)
    if not url:
        raise MailNotConfigured("BASE_URL is not set: e-mails need the service's address for their links "
                                "(e.g. BASE_URL=https://dhr.example.org)")
    problem = hosts.base_url_problem(url)
    if problem:
        raise MailNotConfigured(problem)
    return url


class SmtpMailer:
    """One SMTP connection for a whole run, opened on the first message."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host = config["SMTP_HOST"]
        self.port = int(config["SMTP_PORT"])
        self.tls = config["SMTP_TLS"]
        self.username = config.get("SMTP_USERNAME") or ""
        self.password = config.get("SMTP_PASSWORD") or ""
        self.timeout = config.get("SMTP_TIMEOUT_SECONDS", 30)
        self.description = f"SMTP {self.host}:{self.port} ({self.tls})"
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        """Connect and log in; any failure here is before a message started, so nothing was sent."""
        try:
            if self.tls == "ssl":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                           context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.tls == "starttls":
                    connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as error:
            raise CannotConnect(f"could not connect to {self.host}:{self.port} ({type(error).__name__})") from error
        return connection

    def send(self, reminder: Reminder | None, message: EmailMessage) -> None:
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
            # The server answered with a refusal: the message was not accepted. A fresh connection
            # for the next one, as some servers close after refusing.
            self.close()
            code = getattr(error, "smtp_code", None) or _first_code(error)
            raise Refused(f"the mail server refused the message ({code})") from error
        except (OSError, smtplib.SMTPException) as error:
            self._connection = None
            raise Interrupted(f"the connection to the mail server broke while sending ({type(error).__name__})") from error

    def close(self) -> None:
        if self._connection is not None:
            # The server may have gone first: the connection is finished either way.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._connection.quit()
            self._connection = None


def _first_code(error: Exception) -> object:
    recipients = getattr(error, "recipients", None) or {}
    return next((code for code, _ in recipients.values()), "no code")


class OutboxMailer:
    """Keeps each message in outbox_messages, in the same transaction that marks the reminder sent."""

    description = "the local outbox (no SMTP_HOST configured)"

    def send(self, reminder: Reminder | None, message: EmailMessage) -> None:
        db.session.add(OutboxMessage(
            reminder_id=reminder.id if reminder else None, recipient_email=message["To"], sender=message["From"],
            subject=message["Subject"], body=message.get_content(),
        ))

    def close(self) -> None:
        pass


def mailer_for(config: Mapping[str, Any]) -> Mailer:
    """The mailer this configuration asks for; MailNotConfigured says why there is none."""
    if config.get("SMTP_HOST"):
        if config.get("SMTP_TLS") not in TLS_MODES:
            raise MailNotConfigured(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {config.get('SMTP_TLS')!r}")
        if not config.get("MAIL_SENDER"):
            raise MailNotConfigured("MAIL_SENDER is not set: the address e-mails come from (e.g. dhr@ssgp.example)")
        if bool(config.get("SMTP_USERNAME")) != bool(config.get("SMTP_PASSWORD")):
            raise MailNotConfigured("Set both SMTP_USERNAME and SMTP_PASSWORD, or neither")
        return SmtpMailer(config)
    if config.get("ENV_NAME") == "production":
        raise MailNotConfigured("SMTP_HOST is not set: production sends reminders only through a mail server, "
                                "never into the local outbox. Set SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_USERNAME, "
                                "SMTP_PASSWORD and MAIL_SENDER.")
    return OutboxMailer()


def sender(config: Mapping[str, Any]) -> str:
    return config.get("MAIL_SENDER") or "dhr-tracker@localhost"


def _plain_message(to: str, subject: str, content: str, config: Mapping[str, Any], idstring: str) -> EmailMessage:
    """Plain text, one recipient, marked automatic: no out-of-office replies, please (RFC 3834)."""
    message = EmailMessage()
    message["From"] = sender(config)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=idstring, domain=sender(config).rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(content)
    return message


def compose(reminder: Reminder, config: Mapping[str, Any]) -> EmailMessage:
    """The e-mail for `reminder`, from its stored subject and body."""
    service = config.get("SERVICE_NAME", "Domestic Homicide Review tracker")
    return _plain_message(
        reminder.recipient.email, reminder.subject,
        f"{reminder.body}\n\n"
        f"Open it in the {service}:\n{base_url(config)}{reminder.link_path}\n\n"
        "You are sent this because of your role on the review. This e-mail holds no case details: sign in to see them.\n",
        config, f"reminder-{reminder.id}")


def compose_account_email(to: str, subject: str, body: str, config: Mapping[str, Any]) -> EmailMessage:
    """An e-mail about the person's own account (`body` holds any link, whole)."""
    return _plain_message(to, subject, body, config, "account")
