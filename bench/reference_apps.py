"""The two references the tracker's pages are measured against, served by gunicorn like the app.

- the ceiling: a bare Flask route returning a small constant page; nothing served by Flask under
  these gunicorn settings can be faster;
- what a team would otherwise build: a Flask-Admin `ModelView` list of the same reviews table, 25 a page.

Bench-only: Flask-Admin is in the `bench` optional dependencies, not in the application's.
"""

from __future__ import annotations

import os

from flask import Flask

CEILING_PAGE = "<!DOCTYPE html><html lang=en><title>Ceiling</title><p>A small constant page.</p></html>"


def ceiling_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def constant() -> str:
        return CEILING_PAGE

    return app


def admin_app() -> Flask:
    """Flask-Admin's list of reviews, on the database in BENCH_DATABASE_URL."""
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView

    from ssgp_dhr.cases.models import Review
    from ssgp_dhr.extensions import db

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DATABASE_URL"], SECRET_KEY=os.urandom(32).hex())

    class ReviewList(ModelView):
        # The columns the tracker's case list shows, so both pages do comparable work.
        column_list = ("reference", "pseudonym", "lead_partnership.name", "status", "notified_on")
        page_size = 25
        can_create = can_edit = can_delete = False

    db.init_app(app)
    admin = Admin(app, name="Reviews")
    admin.add_view(ReviewList(Review, db.session, endpoint="reviews"))
    return app
