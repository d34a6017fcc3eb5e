"""Friendly error pages in the house style; no stack trace outside development."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from ssgp_dhr import database, submissions
from ssgp_dhr.extensions import db, login_manager

# What a database that is down, hung, locked past its timeout or not at the code's migration head raises.
DATABASE_FAILURES = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError, database.DatabaseUnavailable)
# Fields never written back into a page, even to the person who typed them.
NOT_KEPT = ("password", "code", "secret")
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: ("There is a problem with your request", "The request could not be understood. Go back and try again."),
    401: ("You need to sign in", "Sign in to continue."),
    403: ("You do not have access to this page", "If you think you should, ask your partnership's DHR coordinator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied all of it."),
    405: ("There is a problem with your request", "That action is not available on this page."),
    409: ("This case changed while you were working on it", "Go back to the case to see what changed."),
    410: ("This case file has been disposed of", "Its personal content was destroyed at the end of its retention "
          "period, so nothing more can be recorded on it. The case page shows what was kept."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. What you were doing has not been saved."),
}


def render_error(status: int, detail: str | None = None, *, onward: tuple[str, str] | None = None):  # noqa: ANN201
    """The house error page for `status`, with `detail` in place of the usual sentence and `onward`, a
    (link, words) pair, to offer before My work."""
    title, body = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.html", status=status, title=title, body=detail or body, onward=onward), status


_render = render_error


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # noqa: ANN202
        return _render(400, "The form you submitted had expired or was not sent from this service. "
                            "Go back, refresh the page and try again. Nothing was saved.")

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> Response:
        # A request for a host the service is not (TRUSTED_HOSTS): no page can be built for it, as its
        # links would name that host; plain words, naming nothing the sender chose.
        return Response("This service does not answer to that host name.\n", 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # noqa: ANN202
        if request.path.startswith("/healthz"):
            return error
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # noqa: ANN202
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("SHOW_ERROR_DETAILS") and app.debug:
            raise error
        return _render(500)

    app.register_error_handler(InternalServerError, lambda e: _render(500))

    def database_unavailable(error: Exception) -> tuple[Response, int] | Response:
        in_doubt = _forget_the_database()
        app.logger.error("database not available on %s %s: %s", request.method, request.path,
                         database.describe_failure(error, app.config["SQLALCHEMY_DATABASE_URI"]))
        if request.blueprint == "health" or request.path.startswith("/healthz"):
            return jsonify(status="error", database="error"), 503
        response = unavailable_page(in_doubt)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"  # it may hold what the person typed
        return response

    for failure in DATABASE_FAILURES:
        app.register_error_handler(failure, database_unavailable)
    database.track_commits(app)


def _forget_the_database() -> bool:
    """Make the rest of the request need no database: the failed transaction is dropped, and who is signed in,
    which cannot be read now, is taken as nobody. Whether a COMMIT was sent without its answer is returned."""
    with contextlib.suppress(Exception):  # the connection is already lost; the pool replaces it
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()
    return database.commit_in_doubt()


def unavailable_page(in_doubt: bool) -> Response:
    """The house page for a database that is not available, made without it. For a form: whether anything was
    saved, and what was typed, sent again by one button once the service is back (when all of it can be kept,
    and a repeat cannot be saved twice)."""
    kept, dropped = [], False
    # After a COMMIT whose answer was lost, sending again is safe only with the form's one-time key: a repeat of
    # what was saved is then refused (submissions.py).
    if request.method == "POST" and (not in_doubt or request.form.get(submissions.FIELD)):
        for name, value in request.form.items(multi=True):
            if any(word in name.lower() for word in NOT_KEPT):
                dropped = True
            else:
                kept.append((name, value))
        dropped = dropped or bool(request.files)
    body = render_template("unavailable.html", posted=request.method == "POST", in_doubt=in_doubt,
                           kept=[] if dropped else kept, action=request.full_path.rstrip("?"))
    return Response(body, 503)
