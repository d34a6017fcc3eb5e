"""Friendly error pages in the house style; no stack trace outside development."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from ssgp_dhr.extensions import db

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
