"""Notifications on My work (marked read one at a time or all), and the outbox page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ssgp_dhr.access import roles_required, signed_in
from ssgp_dhr.accounts.models import Role
from ssgp_dhr.reminders import mailer, services

reminders = Blueprint("reminders", __name__, template_folder="templates")


@reminders.post("/notifications/<int:reminder_id>/read")
@signed_in
def mark_read(reminder_id: int):  # noqa: ANN201
    if not services.mark_read(current_user, reminder_id):
        abort(404)  # not one of yours, or already read
    flash("Notification marked as read")
    return redirect(url_for("my_work.dashboard") + "#notifications")


@reminders.post("/notifications/read")
@signed_in
def mark_all_read():  # noqa: ANN201
    count = services.mark_all_read(current_user)
    flash(f"{count} notification{'s' if count != 1 else ''} marked as read")
    return redirect(url_for("my_work.dashboard"))


@reminders.get("/outbox")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def outbox():  # noqa: ANN201
    try:
        transport = mailer.mailer_for(current_app.config).description
    except mailer.MailNotConfigured as problem:
        transport = f"none: {problem}"
    return render_template(
        "reminders/outbox.html", transport=transport, messages=services.outbox_for(current_user),
        undelivered=services.undelivered_for(current_user), max_attempts=services.MAX_ATTEMPTS,
    )
