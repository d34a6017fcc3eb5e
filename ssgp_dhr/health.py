"""GET /healthz: for load balancers and monitoring."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ssgp_dhr.access import public
from ssgp_dhr.extensions import db

health = Blueprint("health", __name__)


@health.get("/healthz")
@public
def healthz():  # noqa: ANN201
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"; the detail goes to the log only
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
