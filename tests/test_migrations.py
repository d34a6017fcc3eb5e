"""The migrations are the only way the schema changes: check them on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from ssgp_dhr import PROJECT_DIR, create_app
from ssgp_dhr.extensions import db
from tests.conftest import on_postgres, postgres_scratch_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    if not on_postgres():
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check the migrations there")
    return postgres_scratch_url("migration_check")


def test_there_is_exactly_one_head():
    script = ScriptDirectory(str(PROJECT_DIR / "migrations"))
    assert len(script.get_heads()) == 1


def test_every_revision_id_fits_the_version_table():
    """alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id, SQLite would not notice."""
    script = ScriptDirectory(str(PROJECT_DIR / "migrations"))
    assert [r.revision for r in script.walk_revisions() if len(r.revision) > 32] == []


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


def test_delays_recorded_before_decisions_had_them_are_about_the_report(empty_database_url):
    """0016 makes delay notices name their deadline: every notice recorded before it was about the report."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0015_joint_reviews")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO organisations (id, name, short_name, kind) VALUES (1, 'SSGP', 'SSGP', 'partnership')",
                "INSERT INTO users (id, email, full_name, organisation_id, password_hash, session_token, is_enabled, "
                "must_change_password, created_at, failed_sign_ins) VALUES (1, 'c@example.org', 'C', 1, 'x', 't', "
                "TRUE, FALSE, '2026-01-01 00:00:00', 0)",
                "INSERT INTO reviews (id, reference, ref_year, ref_number, review_type, lead_partnership_id, status, "
                "version, pseudonym, victim_name, date_of_death, notified_on, notified_by, circumstances, event_count, "
                "created_at, updated_at) VALUES (1, 'SSGP-DHR-2026-001', 2026, 1, 'DHR', 1, 'panel', 1, 'Scott', "
                "'V', '2026-01-01', '2026-01-02', 'Police', '', 0, '2026-01-02 00:00:00', '2026-01-02 00:00:00')",
                "INSERT INTO delay_notices (review_id, told_on, cause, explanation, expected_submission_on, "
                "recorded_by_id, recorded_at) VALUES (1, '2026-09-01', 'other', 'Late.', '2026-12-01', 1, "
                "'2026-09-01 00:00:00')",
            ):
                connection.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT deadline, expected_on FROM delay_notices")).all()
        assert [(deadline, str(expected)) for deadline, expected in rows] == [("report", "2026-12-01")]
        db.engine.dispose()
