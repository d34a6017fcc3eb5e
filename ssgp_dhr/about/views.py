"""The accessibility statement, the privacy page, the cookies page, and security.txt.

What they say about the service comes from the code and the configuration (the session's limits, the
cookie's name, the contact), so it stays true when either changes; tests/test_about_pages.py checks
the cookies page against the cookies the service really sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, current_app, render_template

from ssgp_dhr.access import public
from ssgp_dhr.clock import utcnow

about = Blueprint("about", __name__, template_folder="templates")

# When the accessibility statement was last reviewed against the service: change it with the statement.
STATEMENT_REVIEWED_ON = date(2026, 11, 27)


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expires: str


def cookies_set() -> list[Cookie]:
    """Every cookie the service sets, as the cookies page lists them."""
    config = current_app.config
    return [Cookie(
        name=config["SESSION_COOKIE_NAME"],
        purpose="Keeps you signed in between pages and protects the service's forms from being sent by "
                "another website. It holds no case information.",
        expires=f"When you close your browser. It stops working {config['SESSION_IDLE_MINUTES']} minutes after "
                f"you last used the service, and {config['SESSION_ABSOLUTE_HOURS']} hours after you signed in.",
    )]


@about.get("/accessibility")
@public
def accessibility_statement():  # noqa: ANN201
    return render_template("about/accessibility.html", reviewed_on=STATEMENT_REVIEWED_ON)


@about.get("/privacy")
@public
def privacy():  # noqa: ANN201
    return render_template("about/privacy.html")


@about.get("/cookies")
@public
def cookies():  # noqa: ANN201
    return render_template("about/cookies.html", cookies=cookies_set())


# RFC 9116 asks that a security.txt expire within a year, so that a stale one is not trusted.
SECURITY_TXT_LIFETIME = timedelta(days=180)


@about.get("/.well-known/security.txt")
@public
def security_txt() -> Response:
    """Where to report a vulnerability (RFC 9116): SECURITY_CONTACT, else the service contact's address;
    no file at all without either, as a security.txt without a contact is not valid."""
    config = current_app.config
    contact = config["SECURITY_CONTACT"] or (f"mailto:{config['SERVICE_CONTACT_EMAIL']}"
                                             if config["SERVICE_CONTACT_EMAIL"] else "")
    if not contact:
        abort(404)
    expires = datetime.combine(utcnow().date() + SECURITY_TXT_LIFETIME, time())
    lines = [f"Contact: {contact}", f"Expires: {expires:%Y-%m-%dT%H:%M:%S}Z", "Preferred-Languages: en"]
    if config.get("BASE_URL"):
        lines.append(f"Canonical: {config['BASE_URL'].rstrip('/')}/.well-known/security.txt")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
