"""The Domestic Homicide Review tracker: a Flask application built by create_app()."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import CONFIGS, INSTANCE_DIR, ProductionConfig

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def project_folder(name: str) -> Path:
    """`templates` or `migrations`: inside the package when it is installed (pyproject.toml puts them
    there), else at the top of the source tree."""
    installed = PACKAGE_DIR / "bundled" / name
    return installed if installed.is_dir() else PROJECT_DIR / name


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the message names what is missing."""


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application for `config_name` (default: the DHR_ENV variable, else development)."""
    config_name = config_name or os.environ.get("DHR_ENV", "development")
    if config_name not in CONFIGS:
        raise ConfigurationError(f"DHR_ENV must be one of {', '.join(CONFIGS)}, not {config_name!r}")
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(project_folder("templates")),
        static_folder="static",
    )
    from ssgp_dhr.layout import HouseEnvironment

    app.jinja_environment = HouseEnvironment  # before the environment is first made, in _configure_templates
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides or {})
    _check_production(app)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024 + 64 * 1024

    _configure_templates(app)
    _init_extensions(app)
    from ssgp_dhr import inputs

    inputs.init_app(app)  # its converters before any route is added
    _register_blueprints(app)

    from ssgp_dhr import access, errors, hosts, security, submissions

    hosts.init_app(app)
    security.init_app(app)
    access.init_app(app)
    submissions.init_app(app)  # after the access check: a form someone may not send is refused first
    errors.init_app(app)
    return app


def _serving() -> bool:
    """Whether this process serves requests: gunicorn (no command line of Flask's) or `flask run`, not a
    `flask dhr ...` command run by an administrator or a scheduler."""
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def _check_production(app: Flask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    missing = ProductionConfig.problems(app.config, serving=_serving())
    if missing:
        raise ConfigurationError("Production needs these settings: " + "; ".join(missing))
    for warning in ProductionConfig.warnings(app.config):
        app.logger.warning("Configuration: %s", warning)


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([
        app.jinja_loader,
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from ssgp_dhr import layout, presentation

    presentation.init_app(app)
    layout.init_app(app)


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from ssgp_dhr import database
    from ssgp_dhr.extensions import csrf, db, limiter, login_manager, migrate

    try:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app)
    except ValueError as problem:
        raise ConfigurationError(str(problem)) from None
    db.init_app(app)
    with app.app_context():
        database.guard_engine(app, db.engine)
    migrate.init_app(app, db, directory=str(project_folder("migrations")), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    WTFormsHelpers(app)
    app.logger.setLevel(logging.INFO)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ANN001
    """SQLite: enforce foreign keys, and use WAL so readers do not block the writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from ssgp_dhr import cli
    from ssgp_dhr.about.views import about
    from ssgp_dhr.accounts.admin import admin
    from ssgp_dhr.accounts.views import accounts
    from ssgp_dhr.action_plan import views as action_plan_views
    from ssgp_dhr.cases import views as case_views
    from ssgp_dhr.costs import views as costs_views
    from ssgp_dhr.documents import views as document_views
    from ssgp_dhr.health import health
    from ssgp_dhr.my_work.views import my_work
    from ssgp_dhr.organisations.views import organisations
    from ssgp_dhr.panel import views as panel_views
    from ssgp_dhr.publication import views as publication_views
    from ssgp_dhr.reminders.views import reminders
    from ssgp_dhr.retention import views as retention_views
    from ssgp_dhr.review_import.views import review_import

    for blueprint in (health, about, accounts, admin, organisations, my_work, case_views.cases, reminders,
                      document_views.documents, panel_views.panel, publication_views.publication, action_plan_views.action_plan,
                      costs_views.costs, retention_views.retention, review_import):
        app.register_blueprint(blueprint)
    # The review first, then each area adding its part to it (cases imports none of them).
    for area in (case_views, document_views, panel_views, publication_views, action_plan_views, costs_views,
                 retention_views):
        area.init_app(app)
    app.cli.add_command(cli.dhr)
