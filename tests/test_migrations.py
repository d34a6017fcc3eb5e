"""The migrations are the only way the schema changes: check them on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from ssgp_dhr import PROJECT_DIR, create_app
from ssgp_dhr.extensions import db


def _postgres_scratch_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return None
    scratch = f"{sa.make_url(url).database}_migration_check"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {scratch}"))
    admin.dispose()
    return sa.make_url(url).set(database=scratch).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    url = _postgres_scratch_url()
    if url is None:
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check the migrations there")
    return url


def test_there_is_exactly_one_head():
    script = ScriptDirectory(str(PROJECT_DIR / "migrations"))
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_the_models_and_downgrades_to_base(empty_database_url):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"the models and the migrated schema differ: {differences}"

        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()  # and back up again, as a rollback-and-retry would
        db.engine.dispose()
