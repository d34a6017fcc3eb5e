"""Deny by default: every view declares who may use it; and the session's limits in time.

A view without a declaration is refused at run time, and tests/test_route_access.py fails for it.
A route about one review declares its rule on that review as well (ssgp_dhr.cases.routes.review_rule);
finer checks (which record, which fields) are made in the views through each area's policy.

A session is signed in only after both the password and the second factor; between the two, the
`second_factor_pending` views alone are open. A signed-in session ends after SESSION_IDLE_MINUTES
without a request and SESSION_ABSOLUTE_HOURS after signing in, whatever the activity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from ssgp_dhr.accounts.models import AccessEvent, Role
from ssgp_dhr.clock import utcnow

View = TypeVar("View", bound=Callable)

REAUTHENTICATION_MINUTES = 5
# Session keys, in Flask's signed session cookie.
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
REAUTHENTICATED_AT = "reauthenticated_at"
PENDING = "pending_sign_in"  # {"user": get_id(), "at": time, "next": path} between password and code
PENDING_SECONDS = 10 * 60
# What someone who must change a temporary password may still use.
OPEN_BEFORE_PASSWORD_CHANGE = {"accounts.change_password", "accounts.sign_out", "accounts.confirm_password",
                               "accounts.session_status", "accounts.keep_session_alive"}
# Public requests that never read who is signed in: the health check answers the same whatever cookies come
# with it (and needs no database to read a session by).
SESSIONLESS = {"health.healthz"}
# Requests that are not the person using the service: the page's own check of how long the session has
# left must not keep it alive, or a computer left on a page would never be signed out.
NOT_ACTIVITY = {"accounts.session_status"}
# How long before the session ends the page warns, and offers to keep it going (WCAG 2.2.1 asks for at
# least 20 seconds to respond).
SESSION_WARNING_SECONDS = 120


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[Role] = frozenset()  # empty with public=False: any signed-in user
    second_factor_pending: bool = False  # after the password, before the second factor
    # For a route about one review (/cases/<reference>/...): who may use it on that review, a function
    # (user, review) -> bool. Declared with ssgp_dhr.cases.routes.review_rule, which applies it.
    review_rule: Callable[..., bool] | None = None

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.second_factor_pending:
            return "password given, second factor pending"
        if self.review_rule is not None:
            return f"signed in, and {self.review_rule.__name__} on the review"
        return "signed in" + (f" as {', '.join(sorted(r.value for r in self.roles))}" if self.roles else "")


def declare(rule: AccessRule) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view
    return decorate


public = declare(AccessRule(public=True))
signed_in = declare(AccessRule())
second_factor_pending = declare(AccessRule(second_factor_pending=True))


def roles_required(*roles: Role) -> Callable[[View], View]:
    return declare(AccessRule(roles=frozenset(roles)))


def rule_for(app: Flask, endpoint: str | None) -> AccessRule | None:
    view = app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def now_seconds() -> int:
    return int(utcnow().timestamp())


def start_session() -> None:
    """Mark the session as signed in now (after login_user): the clocks start here."""
    now = now_seconds()
    session.pop(PENDING, None)
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[REAUTHENTICATED_AT] = now


def recently_reauthenticated() -> bool:
    return now_seconds() - session.get(REAUTHENTICATED_AT, 0) <= REAUTHENTICATION_MINUTES * 60


def reauthentication_required(view: View) -> View:
    """The password again, within the last few minutes, before an admin action or an account change."""
    @functools.wraps(view)
    def wrapper(*args: object, **kwargs: object) -> object:
        if not recently_reauthenticated():
            back = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or request.path)
            return redirect(url_for("accounts.confirm_password", next=back))
        return view(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def pending_sign_in() -> dict | None:
    """The half-finished sign-in (password given), if it is recent enough."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or now_seconds() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


@dataclass(frozen=True)
class SessionTimeLeft:
    """How long the signed-in session has before it ends, and whether using the service would extend it
    (it would not when the limit after signing in comes first)."""

    seconds: int
    extendable: bool


def session_time_left() -> SessionTimeLeft:
    now = now_seconds()
    signed_in_at, last_seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if not isinstance(signed_in_at, int) or not isinstance(last_seen, int):
        return SessionTimeLeft(-1, extendable=False)  # a session without its clocks was not made by signing in
    idle_left = current_app.config["SESSION_IDLE_MINUTES"] * 60 - (now - last_seen)
    absolute_left = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600 - (now - signed_in_at)
    return SessionTimeLeft(min(idle_left, absolute_left), extendable=idle_left < absolute_left)


def _session_expired() -> bool:
    return session_time_left().seconds < 0


def _end_expired_session() -> Response:
    from ssgp_dhr.accounts.access_log import record

    record(AccessEvent.SESSION_EXPIRED)
    logout_user()
    session.clear()
    flash("You were signed out because your session ended. Sign in again to continue.")
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?") if request.method == "GET" else None))


def _check_signed_in_session() -> Response | None:
    if not current_user.is_authenticated or request.endpoint == "static":
        return None
    if _session_expired():
        return _end_expired_session()
    if request.endpoint not in NOT_ACTIVITY:
        session[LAST_SEEN] = now_seconds()
    return None


def init_app(app: Flask) -> None:
    # The static files are public: the sign-in page needs its styles.
    app.view_functions["static"].access_rule = AccessRule(public=True)  # type: ignore[attr-defined]

    # The layout's warning before the session ends reads these.
    app.jinja_env.globals.update(session_time_left=session_time_left, session_warning_seconds=SESSION_WARNING_SECONDS)

    @app.before_request
    def enforce_access_rule():  # noqa: ANN202
        if request.endpoint is None:  # no route matched: the 404 handler answers
            return None
        rule = rule_for(app, request.endpoint)
        if rule is None:
            abort(403)
        if request.endpoint in SESSIONLESS:
            return None
        expired = _check_signed_in_session()
        if expired is not None:
            return expired
        if rule.public:
            return None
        if rule.second_factor_pending:
            return None if pending_sign_in() else redirect(url_for("accounts.sign_in"))
        if not current_user.is_authenticated:
            if request.method == "GET":
                return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
            abort(401)
        if current_user.must_change_password and request.endpoint not in OPEN_BEFORE_PASSWORD_CHANGE:
            return redirect(url_for("accounts.change_password"))
        if rule.roles and not rule.roles & current_user.held_roles:
            abort(403)
        return None

    @app.after_request
    def log_case_access(response: Response) -> Response:
        _log_case_access(response)
        return response


def _log_case_access(response: Response) -> None:
    """Case page views, document downloads, and refusals on case pages go to the access log."""
    from ssgp_dhr.accounts.access_log import record

    endpoint = request.endpoint or ""
    reference = (request.view_args or {}).get("reference")
    rule = rule_for(current_app, endpoint)
    # Case work only: public pages (the published reviews) are not case access.
    if (rule is not None and rule.public) or not (reference or request.path.startswith("/cases")):
        return
    event = None
    if response.status_code in (403, 404):
        event = AccessEvent.REFUSED
    elif response.status_code == 200 and request.method == "GET" and "download" in endpoint:
        event = AccessEvent.DOCUMENT_DOWNLOADED
    elif response.status_code == 200 and request.method == "GET" and endpoint == "cases.case_page":
        event = AccessEvent.CASE_VIEWED
    if event is None:
        return
    try:
        record(event, reference=str(reference)[:20] if reference else None, status=response.status_code)
    except Exception:  # the log failing must not turn a page into an error; it is reported instead
        current_app.logger.exception("could not write the access log for %s", request.path)
