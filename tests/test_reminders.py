"""Reminders: sent through a real SMTP server (aiosmtpd on 127.0.0.1), on the schedule frozen time
drives, each at most once; resumed after failures; no restricted detail in any e-mail; notifications
on My work; the outbox page."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller

from config import ProductionConfig
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.cases import deadlines
from ssgp_dhr.cases.models import Review
from ssgp_dhr.extensions import db
from ssgp_dhr.presentation import uk_date
from ssgp_dhr.reminders import mailer, services, sources
from ssgp_dhr.reminders.models import EmailState, OutboxMessage, Reminder
from tests import factories
from tests.test_case_pages import act_as  # noqa: F401 - the fixture

RESTRICTED = {"victim_name": "Victoria Realname", "perpetrator_name": "Peter Realname",
              "victim_date_of_birth": date(1981, 2, 3), "victim_address": "14 Hidden Lane, Gloucester"}
SENSITIVE_TEXT = ("Victoria", "Realname", "Hidden Lane", "1981", "Stabbed in the kitchen")


class RecordingServer:
    """An aiosmtpd handler keeping what it accepts; it can refuse a recipient or the Nth message."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse_recipients: set[str] = set()
        self.refuse_message_numbers: set[int] = set()
        self.data_count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if self.data_count in self.refuse_message_numbers:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        return [m["To"] for m in self.received]

    def take(self) -> list[EmailMessage]:
        taken, self.received = self.received, []
        return taken


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app) -> Iterator[RecordingServer]:
    """A real SMTP server on 127.0.0.1 and the app configured to send through it."""
    handler = RecordingServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none")
    try:
        yield handler
    finally:
        app.config.update(saved)
        controller.stop()


def at(day: date, hour: int = 7) -> time_machine.travel:
    """Frozen time: `day` at 07:00 UTC (the scheduler's hour), the clock not moving."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def run() -> services.RunReport:
    report = services.send_reminders()
    db.session.expire_all()
    return report


def notified(on: date, lead=None, **fields) -> tuple[Review, object]:
    coordinator = factories.coordinator(lead)
    with at(on):
        review = factories.notified_review(coordinator, lead=lead, notified_on=on, **fields)
    return review, coordinator


# --- The schedule ----------------------------------------------------------------------------------

def test_the_decision_reminder_goes_7_days_before_on_the_day_and_weekly_while_overdue(smtp):
    review, coordinator = notified(date(2026, 3, 10))
    due = deadlines.decision_deadline(review).due_on
    assert due == date(2026, 4, 10)
    sent_on: dict[date, list[str]] = {}
    day = date(2026, 3, 10)
    while day <= date(2026, 5, 12):
        with at(day):
            run()
        for message in smtp.take():
            sent_on.setdefault(day, []).append(message["Subject"])
        day += timedelta(days=1)
    assert sorted(sent_on) == [date(2026, 4, 3), date(2026, 4, 10), date(2026, 4, 17), date(2026, 4, 24),
                               date(2026, 5, 1), date(2026, 5, 8)]
    assert all(len(subjects) == 1 for subjects in sent_on.values())  # one coordinator, one message each time
    assert sent_on[date(2026, 4, 3)] == [f"{review.reference}: Decision whether to hold a review due in 7 days"]
    assert sent_on[date(2026, 4, 10)] == [f"{review.reference}: Decision whether to hold a review due today"]
    assert sent_on[date(2026, 4, 17)] == [f"{review.reference}: Decision whether to hold a review 7 days overdue"]

    # Once decided, the reminders stop.
    with at(date(2026, 5, 13)):
        from ssgp_dhr.cases import services as case_services
        case_services.advance(review, "commission", coordinator, review.version,
                              decision_on=date(2026, 5, 13), home_office_told_on=date(2026, 5, 13))
    with at(date(2026, 5, 15)):
        run()
    assert smtp.take() == []


def test_a_missed_day_is_caught_up_once_by_the_next_run(smtp):
    review, _ = notified(date(2026, 3, 10))
    with at(date(2026, 4, 5)):  # the scheduler did not run on the 3rd or 4th
        run()
    assert [m["Subject"] for m in smtp.take()] == [f"{review.reference}: Decision whether to hold a review due in 5 days"]
    with at(date(2026, 4, 6)):
        run()
    assert smtp.take() == []


def test_the_home_office_report_reminder_follows_the_report_deadline_while_the_review_is_open(smtp):
    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        review = factories.review_at("panel", by=coordinator)
    due = deadlines.report_deadline(review).due_on
    for day, expected in [(due - timedelta(days=8), []),
                          (due - timedelta(days=7), ["Report to the Home Office due in 7 days"]),
                          (due - timedelta(days=3), []),
                          (due, ["Report to the Home Office due today"]),
                          (due + timedelta(days=7), ["Report to the Home Office 7 days overdue"]),
                          (due + timedelta(days=8), [])]:
        with at(day):
            run()
        assert [m["Subject"].split(": ", 1)[1] for m in smtp.take()] == expected, day


def test_coordinators_of_both_partnerships_and_no_one_else_are_reminded(smtp):
    lead_coordinator, joint_coordinator = factories.coordinator(), factories.coordinator(factories.safer_glos())
    factories.manager()
    factories.coordinator(factories.organisation("OTHER", "Other Partnership", factories.OrganisationKind.PARTNERSHIP))
    disabled = factories.coordinator()
    disabled.is_enabled = False
    db.session.commit()
    with at(date(2026, 3, 10)):
        factories.notified_review(lead_coordinator, joint=factories.safer_glos(), notified_on=date(2026, 3, 10))
    with at(date(2026, 4, 3)):
        run()
    assert sorted(smtp.recipients()) == sorted([lead_coordinator.email, joint_coordinator.email])


# --- At most once --------------------------------------------------------------------------------

def test_running_twice_sends_nothing_new(smtp):
    notified(date(2026, 3, 10))
    with at(date(2026, 4, 10)):
        first = run()
        second = run()
    assert (first.recorded, first.sent) == (1, 1)
    assert (second.recorded, second.sent) == (0, 0)
    assert len(smtp.take()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 1


def _review_with_coordinators(count: int) -> tuple[Review, list]:
    coordinators = [factories.coordinator() for _ in range(count)]
    with at(date(2026, 3, 10)):
        review = factories.notified_review(coordinators[0], notified_on=date(2026, 3, 10))
    return review, coordinators


def test_a_run_refused_on_the_third_message_delivers_the_rest_and_the_next_run_only_that_one(smtp):
    _, coordinators = _review_with_coordinators(5)
    smtp.refuse_message_numbers = {3}
    with at(date(2026, 4, 10)):
        first = run()
    assert (first.sent, first.refused, first.ok) == (4, 1, False)
    refused = db.session.scalar(sa.select(Reminder).where(Reminder.email_state == EmailState.FAILED))
    assert refused.email_attempts == 1 and "451" in refused.email_error
    assert len(smtp.recipients()) == 4

    with at(date(2026, 4, 11)):
        second = run()
    assert (second.recorded, second.sent, second.ok) == (0, 1, True)
    assert sorted(smtp.recipients()) == sorted(c.email for c in coordinators)  # each exactly once


def test_a_refused_recipient_does_not_stop_the_others_and_is_delivered_once_accepted(smtp):
    _, coordinators = _review_with_coordinators(3)
    smtp.refuse_recipients = {coordinators[1].email}
    with at(date(2026, 4, 10)):
        assert run().refused == 1
    assert sorted(smtp.recipients()) == sorted([coordinators[0].email, coordinators[2].email])
    smtp.refuse_recipients = set()
    with at(date(2026, 4, 10)):
        assert run().sent == 1
    assert sorted(smtp.recipients()) == sorted(c.email for c in coordinators)


def test_a_message_refused_every_time_is_given_up_after_the_limit(smtp):
    _, coordinators = _review_with_coordinators(1)
    smtp.refuse_recipients = {coordinators[0].email}
    for _ in range(services.MAX_ATTEMPTS + 2):
        with at(date(2026, 4, 10)):
            run()
    reminder = db.session.scalar(sa.select(Reminder))
    assert reminder.email_attempts == services.MAX_ATTEMPTS
    assert services.unconfirmed_count() == 1


class BreaksOnSecond(mailer.SmtpMailer):
    """The connection breaks while the 2nd message is going: it may or may not have arrived."""

    def __init__(self, config, error: type[BaseException] = mailer.Interrupted) -> None:
        super().__init__(config)
        self.count = 0
        self.error = error

    def send(self, reminder, message) -> None:
        self.count += 1
        if self.count == 2:
            raise self.error("connection reset while sending")
        super().send(reminder, message)


def test_a_message_whose_outcome_is_unknown_is_not_sent_again(app, smtp):
    _review_with_coordinators(3)
    with at(date(2026, 4, 10)):
        report = services.send_reminders(mailer=BreaksOnSecond(app.config))
    assert (report.sent, report.interrupted, report.ok) == (2, 1, False)
    with at(date(2026, 4, 11)):
        again = run()
    assert (again.sent, again.unconfirmed) == (0, 1)
    assert len(smtp.recipients()) == 2
    unknown = db.session.scalar(sa.select(Reminder).where(Reminder.email_state == EmailState.UNKNOWN))
    assert unknown.recipient.email not in smtp.recipients()


def test_a_run_killed_mid_message_leaves_it_claimed_and_it_is_not_sent_again(app, smtp):
    _review_with_coordinators(3)
    with at(date(2026, 4, 10)), pytest.raises(KeyboardInterrupt):
        services.send_reminders(mailer=BreaksOnSecond(app.config, KeyboardInterrupt))
    db.session.rollback()
    states = sorted(db.session.scalars(sa.select(Reminder.email_state)))
    assert states == sorted([EmailState.SENT, EmailState.SENDING, EmailState.PENDING])
    with at(date(2026, 4, 10)):
        report = run()
    assert (report.sent, report.unconfirmed) == (1, 1)
    assert len(smtp.recipients()) == 2  # the first, and the one never tried; not the interrupted one


def test_no_mail_server_stops_the_run_and_nothing_is_lost(app, smtp):
    _review_with_coordinators(2)
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    with at(date(2026, 4, 10)):
        report = run()
    assert report.stopped and "could not connect" in report.stopped and report.sent == 0
    states = sorted(db.session.scalars(sa.select(Reminder.email_state)))
    assert states == sorted([EmailState.FAILED, EmailState.PENDING])  # the second was never claimed


# --- Welcome for new panel members ----------------------------------------------------------------

def test_a_new_panel_member_is_welcomed_once_with_what_is_asked_of_them(smtp):
    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        review = factories.review_at("panel", by=coordinator)
    member, chair, old_hand = factories.panel_member(), factories.panel_member(), factories.panel_member()
    factories.seat_on_panel(review, member, started_on=date(2026, 6, 1))
    factories.seat_on_panel(review, chair, factories.PanelRole.INDEPENDENT_CHAIR, started_on=date(2026, 6, 2))
    factories.seat_on_panel(review, old_hand, started_on=date(2026, 4, 1))  # on the panel long before
    with at(date(2026, 6, 2)):
        run()
        run()
    welcomes = {m["To"]: m for m in smtp.take() if "welcome" in m["Subject"]}
    assert set(welcomes) == {member.email, chair.email}
    body = welcomes[member.email].get_content()
    assert f"You are on the panel of review {review.reference} (Scott) from 1 June 2026" in body
    assert "Individual Management Review (IMR) and chronology" in body
    assert "As independent chair you lead the panel" in welcomes[chair.email].get_content()
    assert f"https://dhr.example.org/cases/{review.reference}" in body


# --- Nothing restricted leaves the service ---------------------------------------------------------

def test_no_restricted_field_value_appears_in_any_email(smtp):
    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        decided = factories.review_at("panel", by=coordinator, **RESTRICTED, circumstances="Stabbed in the kitchen")
        undecided = factories.notified_review(coordinator, notified_on=date(2026, 1, 5), **RESTRICTED,
                                              circumstances="Stabbed in the kitchen")
    factories.seat_on_panel(decided, factories.panel_member(), started_on=date(2026, 1, 29))
    report_due = deadlines.report_deadline(decided).due_on
    days = [date(2026, 1, 29), date(2026, 2, 5), date(2026, 2, 12), report_due - timedelta(days=7), report_due]
    for day in days:
        with at(day):
            run()
    messages = smtp.take()
    assert {m["Subject"].split(":")[0] for m in messages} == {decided.reference, undecided.reference}
    assert len(messages) >= 5
    forms = [str(v) for v in RESTRICTED.values()] + [RESTRICTED["victim_date_of_birth"].isoformat(), "3 February 1981",
                                                       *SENSITIVE_TEXT]
    for message in messages:
        del message["Message-ID"]  # random digits, which may happen to contain a year of birth
        whole = message.as_string()
        for form in forms:
            assert form.lower() not in whole.lower(), f"{form!r} in {message['Subject']!r}"
        assert "Scott" in message.get_content()  # the pseudonym, which is what it should say


def test_a_source_that_would_leak_a_real_name_is_withheld(smtp, monkeypatch):
    with at(date(2026, 3, 10)):
        review = factories.notified_review(factories.coordinator(), notified_on=date(2026, 3, 10))

    def careless(today: date) -> Iterator[sources.DueItem]:
        yield sources.DueItem(kind="careless", review=review, recipients=[factories.coordinator()], item="x",
                              due_on=today, occasion="due_today", subject=f"About {review.victim_name}")

    monkeypatch.setitem(sources.SOURCES, "careless", careless)
    with at(date(2026, 3, 12)):
        report = run()
    assert report.withheld == [f"careless {review.reference}"] and not report.ok
    assert smtp.take() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 0


def test_registering_a_source_twice_for_a_kind_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        sources.reminder_source("decision_due")(lambda today: [])


def test_the_occasions_of_a_deadline():
    due = date(2026, 4, 10)
    occasion = {(due + timedelta(days=d)): sources.deadline_occasion(due, due + timedelta(days=d)) for d in range(-9, 16)}
    assert occasion[due - timedelta(days=8)] is None
    assert {occasion[due - timedelta(days=d)] for d in range(1, 8)} == {"due_soon"}
    assert {occasion[due + timedelta(days=d)] for d in range(7)} == {"due_today"}
    assert occasion[due + timedelta(days=7)] == "overdue_week_1" == occasion[due + timedelta(days=13)]
    assert occasion[due + timedelta(days=14)] == "overdue_week_2"
    # Agency requests: 7 days before, then weekly from the day after.
    assert sources.deadline_occasion(due, due, on_the_day=False) is None
    assert sources.deadline_occasion(due, due + timedelta(days=1), on_the_day=False) == "overdue_week_1"
    assert sources.deadline_occasion(due, due + timedelta(days=8), on_the_day=False) == "overdue_week_2"


# --- Configuration and the command ----------------------------------------------------------------

def test_without_smtp_development_keeps_messages_in_the_outbox(app):
    assert not app.config["SMTP_HOST"]
    review, coordinator = notified(date(2026, 3, 10))
    with at(date(2026, 4, 3)):
        report = run()
        assert run().sent == 0
    assert report.transport.startswith("the local outbox") and report.sent == 1
    kept = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [(m.recipient_email, m.subject) for m in kept] == [
        (coordinator.email, f"{review.reference}: Decision whether to hold a review due in 7 days")]
    assert f"https://dhr.example.org/cases/{review.reference}" in kept[0].body


def test_production_without_smtp_refuses_to_send_and_says_why(app):
    notified(date(2026, 3, 10))
    app.config["ENV_NAME"] = "production"
    try:
        with at(date(2026, 4, 3)):
            result = app.test_cli_runner().invoke(args=["dhr", "send-reminders"])
    finally:
        app.config["ENV_NAME"] = "test"
    assert result.exit_code == 1
    assert "SMTP_HOST is not set" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 0
    assert any("SMTP_HOST" in w for w in ProductionConfig.warnings({"BASE_URL": "https://x.example"}))
    assert not [w for w in ProductionConfig.warnings({"SMTP_HOST": "mail", "MAIL_SENDER": "a@b.example",
                                                      "BASE_URL": "https://x"}) if "e-mail" in w]


@pytest.mark.parametrize(("settings", "complaint"), [
    ({"SMTP_HOST": "mail", "SMTP_TLS": "maybe", "MAIL_SENDER": "a@b.example"}, "SMTP_TLS must be one of"),
    ({"SMTP_HOST": "mail", "SMTP_TLS": "ssl"}, "MAIL_SENDER is not set"),
    ({"SMTP_HOST": "mail", "SMTP_TLS": "ssl", "MAIL_SENDER": "a@b.example", "SMTP_USERNAME": "u"}, "both SMTP_USERNAME"),
])
def test_incomplete_smtp_settings_are_refused_with_the_reason(settings, complaint):
    with pytest.raises(mailer.MailNotConfigured, match=complaint):
        mailer.mailer_for(settings)


def test_links_need_the_services_address():
    with pytest.raises(mailer.MailNotConfigured, match="BASE_URL is not set"):
        mailer.base_url({})
    assert mailer.base_url({"SERVER_NAME": "dhr.example", "PREFERRED_URL_SCHEME": "https"}) == "https://dhr.example"
    assert mailer.base_url({"BASE_URL": "https://dhr.example/tracker/"}) == "https://dhr.example/tracker"


def test_the_command_reports_and_exits_1_when_a_message_was_refused(app, smtp):
    _, coordinators = _review_with_coordinators(2)
    smtp.refuse_recipients = {coordinators[0].email}
    with at(date(2026, 4, 10)):
        result = app.test_cli_runner().invoke(args=["dhr", "send-reminders"])
    assert result.exit_code == 1
    assert "2 new, 1 e-mailed" in result.output and "1 refused by the mail server" in result.output
    smtp.refuse_recipients = set()
    with at(date(2026, 4, 10)):
        result = app.test_cli_runner().invoke(args=["dhr", "send-reminders"])
    assert result.exit_code == 0 and "0 new, 1 e-mailed" in result.output


# --- Notifications on My work ----------------------------------------------------------------------

def test_reminders_appear_as_notifications_and_can_be_marked_read_one_at_a_time_or_all(act_as):  # noqa: F811
    coordinator = factories.coordinator()
    other = factories.coordinator(factories.safer_glos())
    with at(date(2026, 3, 10)):
        first = factories.notified_review(coordinator, notified_on=date(2026, 3, 10), pseudonym="Alder")
        factories.notified_review(coordinator, notified_on=date(2026, 3, 12), pseudonym="Birch")
        factories.notified_review(other, lead=factories.safer_glos(), notified_on=date(2026, 3, 10))
    with at(date(2026, 4, 10)):
        run()
    client = act_as(coordinator)
    page = client.get("/")
    notes = page.select("#notifications li")
    assert len(notes) == 2
    assert "2 unread" in page.find(id="notifications-heading").get_text()
    text = page.find(id="notifications").get_text(" ", strip=True)
    assert f"{first.reference}: Decision whether to hold a review due today" in text and "Birch" in text
    assert "Realname" not in page.get_text()

    mine = db.session.scalar(sa.select(Reminder).where(Reminder.review_id == first.id))
    theirs = db.session.scalar(sa.select(Reminder).where(Reminder.recipient_id == other.id))
    client.post(f"/notifications/{theirs.id}/read", token_from="/", expected_status=404)
    client.post(f"/notifications/{mine.id}/read", token_from="/")
    page = client.get("/")
    assert len(page.select("#notifications li")) == 1 and first.reference not in page.find(id="notifications").get_text()
    assert client.client.post(f"/notifications/{mine.id}/read").status_code == 400  # no CSRF token

    client.post("/notifications/read", token_from="/")
    page = client.get("/")
    assert page.select("#notifications li") == []
    assert "You have no unread notifications." in page.get_text()
    assert db.session.scalar(sa.select(Reminder.read_at).where(Reminder.id == theirs.id)) is None


# --- The outbox page -------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("coordinator", 200), ("manager", 403), ("panel_member", 403)])
def test_the_outbox_is_for_admins_and_coordinators(act_as, who, status):  # noqa: F811
    person = {"admin": lambda: factories.user(Role.ADMIN), "coordinator": factories.coordinator,
              "manager": factories.manager, "panel_member": factories.panel_member}[who]()
    act_as(person).get("/outbox", expected_status=status)


def test_the_outbox_shows_kept_messages_of_the_coordinators_partnerships_and_those_not_sent(act_as, app):  # noqa: F811
    ours, _ = notified(date(2026, 3, 10))
    theirs, _ = notified(date(2026, 3, 10), lead=factories.safer_glos())
    coordinator = factories.coordinator()
    with at(date(2026, 4, 3)):
        run()
    db.session.execute(sa.update(Reminder).where(Reminder.recipient_id == coordinator.id)
                       .values(email_state=EmailState.UNKNOWN, email_error="the connection broke"))
    db.session.commit()
    page = act_as(coordinator).get("/outbox")
    assert page.title.get_text().startswith("Outbox – ")
    messages = page.find(id="outbox-messages").get_text(" ", strip=True)
    assert ours.reference in messages and theirs.reference not in messages
    undelivered = page.find(id="undelivered").get_text(" ", strip=True)
    assert "Outcome unknown" in undelivered and coordinator.email in undelivered

    admin_page = act_as(factories.user(Role.ADMIN)).get("/outbox")
    assert theirs.reference in admin_page.find(id="outbox-messages").get_text()


# --- Agency requests, recommendations and removal reviews ------------------------------------------

def _sent_days(smtp: RecordingServer, first: date, last: date, kind_word: str) -> dict[date, list[str]]:
    sent: dict[date, list[str]] = {}
    day = first
    while day <= last:
        with at(day):
            run()
        for message in smtp.take():
            if kind_word in message["Subject"]:
                sent.setdefault(day, []).append(message["To"])
        day += timedelta(days=1)
    return sent


def test_an_agency_request_reminds_the_responsible_member_7_days_before_then_weekly_once_overdue(smtp):
    from ssgp_dhr.panel.models import AgencyRequest, RequestKind, RequestStatus

    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        review = factories.review_at("panel", by=coordinator)
    police, health = factories.organisation("Police service"), factories.organisation("NHS trust")
    responsible, colleague, other_agency = factories.panel_member(), factories.panel_member(), factories.panel_member()
    seat = factories.seat_on_panel(review, responsible, agency=police, started_on=date(2026, 1, 5))
    factories.seat_on_panel(review, colleague, agency=police, started_on=date(2026, 1, 5))
    factories.seat_on_panel(review, other_agency, agency=health, started_on=date(2026, 1, 5))
    imr = AgencyRequest(review_id=review.id, agency_id=police.id, kind=RequestKind.IMR, requested_on=date(2026, 2, 1),
                        due_on=date(2026, 3, 2), responsible_id=seat.id)
    unassigned = AgencyRequest(review_id=review.id, agency_id=police.id, kind=RequestKind.CHRONOLOGY,
                               requested_on=date(2026, 2, 1), due_on=date(2026, 3, 2))
    db.session.add_all([imr, unassigned])
    db.session.commit()

    sent = _sent_days(smtp, date(2026, 2, 20), date(2026, 3, 20), "Individual Management Review")
    assert sorted(sent) == [date(2026, 2, 23), date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 17)]
    assert all(people == [responsible.email] for people in sent.values())
    # With nobody named, everyone on the panel for that agency is reminded, and nobody from another agency.
    with at(date(2026, 3, 24)):
        run()
    chronology = [m["To"] for m in smtp.take() if "Chronology" in m["Subject"]]
    assert sorted(chronology) == sorted([responsible.email, colleague.email])

    # Received: the reminders stop.
    imr.status, imr.received_on = RequestStatus.RECEIVED, date(2026, 3, 25)
    db.session.commit()
    with at(date(2026, 3, 31)):
        run()
    assert not [m for m in smtp.take() if "Individual Management Review" in m["Subject"]]


def test_a_recommendation_reminds_its_agencys_panel_members_until_it_is_complete(smtp):
    from ssgp_dhr.action_plan.models import Recommendation, RecommendationLevel

    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        review = factories.review_at("panel", by=coordinator)
    probation, housing = factories.organisation("Probation"), factories.organisation("Housing")
    owner, bystander = factories.panel_member(), factories.panel_member()
    factories.seat_on_panel(review, owner, agency=probation, started_on=date(2026, 1, 5))
    factories.seat_on_panel(review, bystander, agency=housing, started_on=date(2026, 1, 5))
    recommendation = Recommendation(review_id=review.id, reference="R1", text="Train staff on risk assessment.",
                                    level=RecommendationLevel.SINGLE_AGENCY, owning_agency_id=probation.id,
                                    target_on=date(2026, 6, 30))
    db.session.add(recommendation)
    db.session.commit()

    sent = _sent_days(smtp, date(2026, 6, 20), date(2026, 7, 8), "recommendation R1")
    assert sorted(sent) == [date(2026, 6, 23), date(2026, 7, 1), date(2026, 7, 8)]
    assert all(people == [owner.email] for people in sent.values())

    recommendation.completed_on = date(2026, 7, 9)
    db.session.commit()
    with at(date(2026, 7, 15)):
        run()
    assert not [m for m in smtp.take() if "recommendation" in m["Subject"]]


def test_the_removal_review_reminds_coordinators_12_months_after_publication(smtp):
    coordinator = factories.coordinator()
    with at(date(2025, 1, 6)):
        review = factories.review_at("published", by=coordinator)
    published = review.published_on
    due = published.replace(year=published.year + 1)
    sent = _sent_days(smtp, due - timedelta(days=8), due + timedelta(days=1), "Removal review")
    assert sorted(sent) == [due - timedelta(days=7), due]
    assert all(people == [coordinator.email] for people in sent.values())


def test_a_hold_reminds_its_coordinators_of_its_expected_end_until_the_review_resumes(smtp):
    from ssgp_dhr.cases import services as case_services

    coordinator = factories.coordinator()
    factories.coordinator(factories.safer_glos())  # of another partnership: never reminded
    with at(date(2026, 3, 2)):
        review = factories.review_at("panel", by=coordinator)
        case_services.advance(review, "pause", coordinator, review.version, hold_reason="inquest",
                              hold_details="Inquest suspended pending the trial of Peter.",
                              hold_started_on=date(2026, 3, 2), hold_expected_end_on=date(2026, 3, 30))
    sent = _sent_days(smtp, date(2026, 3, 2), date(2026, 4, 14), "expected")
    assert sorted(sent) == [date(2026, 3, 23), date(2026, 3, 30), date(2026, 4, 6), date(2026, 4, 13)]
    assert all(people == [coordinator.email] for people in sent.values())

    # A new expected end brings its own reminders; the subject and body say what to do, without details.
    with at(date(2026, 4, 14)):
        review = db.session.get(Review, review.id)
        case_services.change_hold_end(review, coordinator, review.version, expected_end_on=date(2026, 5, 11),
                                      reason="The coroner extended the suspension.")
    messages: dict[date, EmailMessage] = {}
    day = date(2026, 4, 15)
    while day <= date(2026, 5, 11):
        with at(day):
            run()
        for message in smtp.take():
            if "expected" in message["Subject"]:
                assert day not in messages  # one coordinator: one message a day at most
                messages[day] = message
        day += timedelta(days=1)
    assert sorted(messages) == [date(2026, 5, 4), date(2026, 5, 11)]
    assert messages[date(2026, 5, 4)]["Subject"] == f"{review.reference}: hold expected to end in 7 days"
    assert messages[date(2026, 5, 11)]["Subject"] == f"{review.reference}: hold expected to end today"
    body = messages[date(2026, 5, 4)].get_content()
    assert f"Review {review.reference} ({review.pseudonym}) is on hold. The hold is expected to end on " \
           "11 May 2026, in 7 days." in " ".join(body.split())
    assert "Inquest" not in body and "Peter" not in body and "coroner" not in body

    # Weekly while it overruns, then nothing once the review has resumed.
    with at(date(2026, 5, 18)):
        run()
    assert [m["Subject"] for m in smtp.take() if "expected" in m["Subject"]] == [
        f"{review.reference}: hold 7 days past its expected end"]
    with at(date(2026, 5, 19)):
        review = db.session.get(Review, review.id)
        case_services.advance(review, "resume", coordinator, review.version, hold_ended_on=date(2026, 5, 19))
    assert _sent_days(smtp, date(2026, 5, 20), date(2026, 6, 2), "expected") == {}


def _one_body_on(smtp: RecordingServer, day: date, subject_words: str) -> str:
    """Run the reminders on `day`: the body of the one e-mail whose subject has `subject_words`."""
    with at(day):
        run()
    messages = [m for m in smtp.take() if subject_words in m["Subject"]]
    assert len(messages) == 1, day
    return " ".join(messages[0].get_content().split())


@pytest.mark.parametrize(("owed", "subject", "cause"), [
    ("report", "Report to the Home Office", "agency_information"),
    ("decision", "Decision whether to hold a review", "parallel_proceedings"),
])
def test_an_overdue_reminder_says_whether_the_home_office_knows_when_to_expect_it(smtp, owed, subject, cause):
    from ssgp_dhr.cases import services as case_services

    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        if owed == "report":
            review = factories.review_at("panel", by=coordinator)
        else:
            review = factories.notified_review(coordinator, notified_on=date(2026, 1, 5))
    due = deadlines.delay_deadline(review).due_on

    def body_on(day: date) -> str:
        return _one_body_on(smtp, day, subject)

    before = body_on(due - timedelta(days=7))
    assert "expects to be told" not in before and "was told on" not in before  # not late yet
    assert f"The Home Office expects to be told of the delay: tell it why and when to expect the {owed}, then " \
           "record that on the case page." in body_on(due + timedelta(days=7))
    with at(due + timedelta(days=10)):
        review = db.session.get(Review, review.id)
        case_services.record_delay_notice(review, coordinator, review.version, told_on=due + timedelta(days=9),
                                          cause=cause, explanation="Information awaited.",
                                          expected_on=due + timedelta(days=60))
    assert f"The Home Office was told on {uk_date(due + timedelta(days=9))} to expect the {owed} by " \
           f"{uk_date(due + timedelta(days=60))}." in body_on(due + timedelta(days=14))
    assert "expects to be told" in body_on(due + timedelta(days=63))  # that date passed: tell it again


def test_an_unanswered_decline_is_chased_after_the_weeks_configured_then_every_four_weeks(smtp, app):
    from ssgp_dhr.cases import services as case_services

    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        review = factories.review_at("not_commissioned", by=coordinator)
    told = review.home_office_told_on
    first = told + timedelta(weeks=app.config["DECLINE_RESPONSE_CHASE_WEEKS"])

    sent = _sent_days(smtp, first - timedelta(days=3), first + timedelta(days=60), "no answer yet")
    assert sorted(sent) == [first, first + timedelta(days=28), first + timedelta(days=56)]
    assert sent[first] == [coordinator.email]
    with at(first):
        (item,) = sources.declines_unanswered(first)
    assert item.lines[0] == (f"The Home Office was told on {uk_date(told)} that the partnership decided on "
                             f"{uk_date(review.decision_on)} not to hold a review for {review.reference} (Scott). "
                             f"No answer is recorded {(first - told).days} days later.")
    assert "Criteria not met" not in " ".join(item.lines)  # the reasons stay in the tracker

    # Once the answer is recorded, nothing more.
    with at(first + timedelta(days=61)):
        review = db.session.get(Review, review.id)
        case_services.record_decision_response(review, coordinator, review.version, received_on=first,
                                               outcome="agreed", notes="")
    assert _sent_days(smtp, first + timedelta(days=62), first + timedelta(days=120), "no answer yet") == {}


def test_a_proposed_completion_reminds_the_coordinators_until_they_accept_or_return_it(smtp):
    from ssgp_dhr.action_plan import services as action_plan

    coordinator = factories.coordinator()
    with at(date(2026, 1, 5)):
        review = factories.review_at("published", by=coordinator)
        owner = factories.panel_member()
        factories.seat_on_panel(review, owner, agency=factories.organisation("Probation"), started_on=date(2026, 1, 5))
        recommendation = factories.recommendation(review, coordinator, "R1", target_on=date(2026, 12, 31),
                                                  agency=factories.organisation("Probation"))
    with at(date(2026, 3, 2)):
        action_plan.post_progress(recommendation, owner, text="Done.", propose_completion=True)

    sent = _sent_days(smtp, date(2026, 3, 1), date(2026, 3, 17), "proposed as complete")
    assert sorted(sent) == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert all(people == [coordinator.email] for people in sent.values())

    with at(date(2026, 3, 18)):
        action_plan.return_to_owner(recommendation, coordinator, reason="The evidence is missing.")
    assert _sent_days(smtp, date(2026, 3, 18), date(2026, 3, 31), "proposed as complete") == {}


def test_a_returned_proposal_tells_the_owning_agencys_panel_members_once(smtp):
    from ssgp_dhr.action_plan import services as action_plan

    coordinator = factories.coordinator()
    probation = factories.organisation("Probation")
    with at(date(2026, 1, 5)):
        review = factories.review_at("published", by=coordinator)
        owner, colleague, other = factories.panel_member(), factories.panel_member(), factories.panel_member()
        for person in (owner, colleague):
            factories.seat_on_panel(review, person, agency=probation, started_on=date(2026, 1, 5))
        factories.seat_on_panel(review, other, agency=factories.organisation("Housing"), started_on=date(2026, 1, 5))
        recommendation = factories.recommendation(review, coordinator, "R1", target_on=date(2026, 12, 31),
                                                  agency=probation)
    with at(date(2026, 6, 1)):
        action_plan.post_progress(recommendation, owner, text="Done.", propose_completion=True)
    with at(date(2026, 6, 1), hour=23):  # 23:00 UTC is 00:00 on 2 June in the UK (summer time)
        action_plan.return_to_owner(recommendation, coordinator, reason="The audit report is missing.")

    with at(date(2026, 6, 2)):
        run()
    told = [m for m in smtp.take() if "returned as not yet complete" in m["Subject"]]
    assert sorted(m["To"] for m in told) == sorted([owner.email, colleague.email])
    body = told[0].get_body(("plain",)).get_content()
    assert "on 2 June 2026" in body and "missing" not in body  # the UK date; what is missing stays in the tracker
    assert _sent_days(smtp, date(2026, 6, 3), date(2026, 6, 20), "returned as not yet complete") == {}

    with at(date(2026, 6, 21)):  # proposed and returned again: told again
        action_plan.post_progress(recommendation, owner, text="Audit attached.", propose_completion=True)
        action_plan.return_to_owner(recommendation, coordinator, reason="Signed copy needed.")
    assert list(_sent_days(smtp, date(2026, 6, 21), date(2026, 6, 23), "returned as not yet complete")) == [
        date(2026, 6, 21)]


def test_a_return_missed_by_the_daily_run_is_still_told_within_a_week(smtp):
    from ssgp_dhr.action_plan import services as action_plan

    coordinator = factories.coordinator()
    probation = factories.organisation("Probation")
    with at(date(2026, 1, 5)):
        review = factories.review_at("published", by=coordinator)
        owner = factories.panel_member()
        factories.seat_on_panel(review, owner, agency=probation, started_on=date(2026, 1, 5))
        recommendation = factories.recommendation(review, coordinator, "R1", target_on=date(2026, 12, 31),
                                                  agency=probation)
        action_plan.post_progress(recommendation, owner, text="Done.", propose_completion=True)
        action_plan.return_to_owner(recommendation, coordinator, reason="Not yet.")
    assert _sent_days(smtp, date(2026, 1, 13), date(2026, 1, 14), "returned as not yet complete") == {}
    assert sorted(_sent_days(smtp, date(2026, 1, 12), date(2026, 1, 12), "returned as not yet complete")) == [
        date(2026, 1, 12)]
