"""GET /healthz: for load balancers and monitoring. "ok" only when the database answers and is at the code's
migration head; it reads no session, so any cookie the request carries changes nothing."""

from flask import Blueprint, current_app, jsonify

from ssgp_dhr import database, project_folder
from ssgp_dhr.access import public

health = Blueprint("health", __name__)


@health.get("/healthz")
@public
def healthz():  # noqa: ANN201
    try:
        database.check_schema(str(project_folder("migrations")))
    except database.DatabaseUnavailable as problem:  # answers, but is not the database the code expects
        current_app.logger.error("health check: %s", problem)
        return jsonify(status="error", database="not at the migration head"), 503
    # A database that does not answer raises here and errors.py answers 503 for it.
    return jsonify(status="ok", database="ok")
