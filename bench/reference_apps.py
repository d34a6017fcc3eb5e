"""The two references the tracker's pages are measured against, served by gunicorn like the app.

- the ceiling: a bare Flask route returning a small constant page; nothing served by Flask under
  these gunicorn settings can be faster;
- what a team would otherwise build: a Flask-Admin `ModelView` list of the same reviews table, 25 a page;
- the same list as it would have to be deployed: inside the tracker, behind its sign-in and session
  checks, showing only the reviews the person may see (`signed_in_admin_app`).

Bench-only: Flask-Admin is in the `bench` optional dependencies, not in the application's.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from flask import Flask

CEILING_PAGE = "<!DOCTYPE html><html lang=en><title>Ceiling</title><p>A small constant page.</p></html>"


def ceiling_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def constant() -> str:
        return CEILING_PAGE

    return app


def _review_list() -> Any:
    from flask_admin.contrib.sqla import ModelView

    class ReviewList(ModelView):
        # The columns the tracker's case list shows, so both pages do comparable work.
        column_list = ("reference", "pseudonym", "lead_partnership.name", "status", "notified_on")
        page_size = 25
        can_create = can_edit = can_delete = False

    return ReviewList


def admin_app() -> Flask:
    """Flask-Admin's list of reviews, on the database in BENCH_DATABASE_URL."""
    from flask_admin import Admin

    from ssgp_dhr.cases.models import Review
    from ssgp_dhr.extensions import db

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DATABASE_URL"], SECRET_KEY=os.urandom(32).hex())
    db.init_app(app)
    admin = Admin(app, name="Reviews")
    admin.add_view(_review_list()(Review, db.session, endpoint="reviews"))
    return app


SIGNED_IN_ADMIN_PATH = "/bench-admin/reviews/"


def signed_in_admin_app() -> Flask:
    """The Flask-Admin list mounted in the tracker (as `wsgi:app` configures it from the environment).

    Every request passes the tracker's session check (the user and their grants), and the list
    shows only the reviews the person may see, through the same clause as the case list.
    """
    from ssgp_dhr import create_app

    return mount_signed_in_admin(create_app())


def mount_signed_in_admin(app: Flask) -> Flask:
    """Mount the Flask-Admin list of the reviews the person may see at SIGNED_IN_ADMIN_PATH in the tracker
    `app` (also used in-process by `bench.profile --reference`)."""
    from flask_admin import Admin
    from flask_login import current_user

    from ssgp_dhr.access import public, roles_required
    from ssgp_dhr.accounts.models import Role
    from ssgp_dhr.cases.models import Review
    from ssgp_dhr.cases.policy import visible_reviews_clause
    from ssgp_dhr.extensions import db

    class VisibleReviewList(_review_list()):
        def get_query(self) -> Any:
            return super().get_query().filter(visible_reviews_clause(current_user))

        def get_count_query(self) -> Any:
            return super().get_count_query().filter(visible_reviews_clause(current_user))

    admin = Admin(app, name="Reviews", url="/bench-admin", endpoint="bench_admin")
    admin.add_view(VisibleReviewList(Review, db.session, endpoint="bench_reviews", url="reviews"))
    # Deny by default applies here too: declare who may use Flask-Admin's views, as every route must.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith(("bench_admin.", "bench_reviews.")):
            declare = public if endpoint.endswith(".static") else roles_required(Role.COORDINATOR, Role.MANAGER)
            app.view_functions[endpoint] = declare(functools.wraps(view)(functools.partial(view)))
    return app
