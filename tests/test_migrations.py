"""The migrations are the only way the schema changes: check them on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from ssgp_dhr import PROJECT_DIR, create_app
from ssgp_dhr.extensions import db
from tests.commands import flask_command
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


def _alembic(app, *, force: bool = False):
    """The Alembic configuration Flask-Migrate would use, so that a refusal reaches the test as raised."""
    return app.extensions["migrate"].migrate.get_config(x_arg=["force_data_loss=yes"] if force else None)


def _recorded(connection: sa.Connection) -> dict[str, tuple]:
    """Each table's rows, and each column's values (sorted, as text; a column holding only its default is
    not counted): what a downgrade could destroy."""
    found: dict[str, tuple] = {}
    inspector = sa.inspect(connection)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        found[table] = tuple(sorted(str(row) for row in connection.execute(sa.select(sa.text("*"))
                                                                              .select_from(sa.table(table)))))
        for column in inspector.get_columns(table):
            default = str(column.get("default") or "").strip("'")
            values = sorted(str(v) for v in connection.scalars(sa.select(sa.column(column["name"]))
                                                               .select_from(sa.table(table))) if v is not None)
            if values and set(values) != {default}:
                found[f"{table}.{column['name']}"] = tuple(values)
    return found


# Columns a downgrade drops whose values the upgrade gives back whole, so nothing recorded is lost.
RESTORED_BY_UPGRADE = {
    # 0016 refuses while a delay to the decision is recorded; every notice left is about the report,
    # which is what the upgrade writes into the column again.
    "delay_notices.deadline",
    # 0032 refuses where who sent a notification differs from what its words say; the upgrade reads them again.
    "reviews.notifier_kind",
    # 0044's stored next deadline is derived from the review; the upgrade works it out again.
    "reviews.next_deadline_kind",
    "reviews.next_deadline_on",
}


def _lost(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    """Tables that lost rows, and columns whose values no column holds any more (a renamed column keeps
    its values)."""
    kept = set(after.values())
    before = {name: values for name, values in before.items() if name not in RESTORED_BY_UPGRADE}
    lost = [name for name, rows in before.items() if "." not in name and len(after.get(name, ())) < len(rows)]
    return lost + [name for name, values in before.items() if "." in name and name not in after and values not in kept]


def _flask(database_url: str, *args: str):
    return flask_command(*args, DHR_ENV="development", DATABASE_URL=database_url)


def _current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@pytest.mark.slow
def test_each_downgrade_that_would_destroy_recorded_data_refuses_and_changes_nothing(empty_database_url, tmp_path):
    """From the demo data down to an empty schema, one migration at a time: a step that loses rows or
    values must first refuse, naming the table and how many rows, and leave the database as it was;
    forced, every step completes (on SQLite too) and nothing is left half-done."""
    from alembic import command

    from migrations.data_loss import DataWouldBeLost
    from ssgp_dhr import demo

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "DOCUMENT_STORE_PATH": str(tmp_path)})
    script = ScriptDirectory(str(PROJECT_DIR / "migrations"))
    refused = []
    with app.app_context():
        upgrade()
        demo.load_demo_data()
        db.session.remove()
        for step in script.walk_revisions():
            target = step.down_revision or "base"
            with db.engine.connect() as connection:
                before = _recorded(connection)
            try:
                command.downgrade(_alembic(app), target)
            except DataWouldBeLost as refusal:
                refused.append(step.revision)
                table, count = re.search(r"destroy (\d+) rows? of (\w+)", str(refusal)).group(2, 1)
                with db.engine.connect() as connection:
                    assert _current_revision(connection) == step.revision
                    assert _recorded(connection) == before, f"{step.revision} refused but changed the data"
                assert len(before[table]) >= int(count) > 0
                command.downgrade(_alembic(app, force=True), target)
            with db.engine.connect() as connection:
                after = _recorded(connection)
                assert _current_revision(connection) == step.down_revision
            lost = _lost(before, after)
            assert not lost or step.revision in refused, f"{step.revision} destroyed {lost} without refusing"
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
    assert "0020_review_costs" in refused


def test_a_downgrade_losing_recorded_costs_refuses_in_one_line_and_is_undone_whole(empty_database_url, tmp_path):
    """Refused at 0020 after 0027 to 0021 had run (0024 rebuilding the reviews table on SQLite): the
    whole downgrade is undone, and `flask db downgrade` says why in one line."""
    from ssgp_dhr.clock import today_uk
    from ssgp_dhr.costs import services as costs
    from tests import factories

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "DOCUMENT_STORE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade()
        head = ScriptDirectory(str(PROJECT_DIR / "migrations")).get_current_head()
        coordinator = factories.coordinator()
        review = factories.notified_review(by=coordinator, recorded_on=today_uk())  # recorded as it was created
        costs.record_cost(review, coordinator, review.version, incurred_on=today_uk(), kind="chair", amount_pence=50000,
                          funder_id=review.lead_partnership_id, description="")
        db.session.remove()
        # The history's entries since 0037 commit to digests of their texts: going below it is refused
        # first, for the history; forced past it, the costs are what the rest would destroy.
        assert _flask(empty_database_url, "db", "downgrade", "0037_history_redaction").returncode == 0
        refused = _flask(empty_database_url, "db", "downgrade", "0036_agency_deliveries")
        assert refused.returncode == 1 and "case_events (history entries whose hashes" in refused.stderr
        forced = _flask(empty_database_url, "db", "downgrade", "-x", "force_data_loss=yes", "0036_agency_deliveries")
        assert forced.returncode == 0, forced.stderr
        head = "0036_agency_deliveries"

        result = _flask(empty_database_url, "db", "downgrade", "0019_progress_latest_index")

        assert result.returncode == 1
        assert result.stderr.startswith("Error: Downgrade refused: it would destroy 1 row of review_costs (recorded "
                                        "costs). Nothing was changed."), result.stderr
        assert "Traceback" not in result.stderr
        with db.engine.connect() as connection:
            assert _current_revision(connection) == head
            assert connection.scalar(sa.text("SELECT count(*) FROM review_costs")) == 1
            assert "disposed_on" in {c["name"] for c in sa.inspect(connection).get_columns("reviews")}
            assert not [t for t in sa.inspect(connection).get_table_names() if t.startswith("_alembic_tmp")]
        db.engine.dispose()
