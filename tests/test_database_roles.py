"""Least privilege on PostgreSQL: the migrations run as the tables' owner, the service as a role that
cannot truncate, alter or switch off a trigger, nor change or remove history or access log entries,
and still does all of its work, disposals and the access log's purge included."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from ssgp_dhr import create_app
from ssgp_dhr.accounts import access_log
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry
from ssgp_dhr.cases import history
from ssgp_dhr.clock import utcnow
from ssgp_dhr.database_roles import service_role_to_grant, shared_role_warning
from ssgp_dhr.extensions import db
from ssgp_dhr.retention import services as retention
from tests import factories
from tests.conftest import _run_as_admin, database_url, on_postgres, postgres_scratch_url
from tests.test_retention import closed_years_ago

postgres_only = pytest.mark.skipif(not on_postgres(), reason="database roles exist on PostgreSQL only")

REFUSED = (sa.exc.ProgrammingError, sa.exc.DBAPIError)


def _roles() -> tuple[str, str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"dhr_owner_{worker}", f"dhr_service_{worker}"


def _as(url: str, role: str) -> str:
    return sa.make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


@pytest.fixture
def two_roles(tmp_path: Path) -> Iterator[Flask]:
    """A database owned by an owner role, set up by `dhr setup-database` run with both URLs, and an app
    that runs as the service's role."""
    owner, service = _roles()
    _run_as_admin(*(f"DROP ROLE IF EXISTS {role}" for role in (owner, service)),
                  f"CREATE ROLE {owner} LOGIN", f"CREATE ROLE {service} LOGIN")
    scratch = postgres_scratch_url("roles", create=False)
    _run_as_admin(f"CREATE DATABASE {sa.make_url(scratch).database} OWNER {owner}")
    application = create_app("test", {"SQLALCHEMY_DATABASE_URI": _as(scratch, service),
                                      "MIGRATION_DATABASE_URL": _as(scratch, owner),
                                      "DOCUMENT_STORE_PATH": str(tmp_path / "documents"),
                                      "CASE_FILE_RETENTION_YEARS": 6})
    try:
        with application.app_context():
            result = application.test_cli_runner().invoke(args=["dhr", "setup-database"])
            assert result.exit_code == 0, result.output
            assert f"The service's database role {service} has its privileges" in result.output
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        _run_as_admin(f"DROP DATABASE IF EXISTS {sa.make_url(scratch).database} WITH (FORCE)",
                      f"DROP ROLE IF EXISTS {service}", f"DROP ROLE IF EXISTS {owner}")


def _refused(statement: str, **params: object) -> str:
    with pytest.raises(REFUSED) as refusal:
        db.session.execute(sa.text(statement), params)
    db.session.rollback()
    return str(refusal.value.orig)


@postgres_only
@pytest.mark.slow
def test_the_services_role_cannot_truncate_alter_or_rewrite_the_history(two_roles: Flask) -> None:
    review = factories.review_at("approved")
    event_id = db.session.scalar(sa.select(history.CaseEvent.id).where(history.CaseEvent.review_id == review.id))
    db.session.add(AccessLogEntry(event=AccessEvent.SIGNED_IN, occurred_at=utcnow() - timedelta(days=900)))
    db.session.commit()

    for table in ("case_events", "access_log"):
        assert "permission denied" in _refused(f"TRUNCATE {table}")
        assert "must be owner" in _refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert "permission denied" in _refused(f"DELETE FROM {table}")
    assert "permission denied" in _refused("UPDATE case_events SET reason = 'Rewritten' WHERE id = :id", id=event_id)
    assert "must be owner" in _refused("DROP TABLE reviews")
    assert "permission denied" in _refused("DELETE FROM alembic_version")
    assert "not a closed or declined review awaiting disposal" in _refused(
        "SELECT dispose_of_review_history(:id)", id=review.id)
    assert history.verify_all()[1] is None


@postgres_only
@pytest.mark.slow
def test_the_services_role_does_its_work_disposal_and_purge_included(two_roles: Flask) -> None:
    review = closed_years_ago(factories.review_at("closed"), 7)
    db.session.add(AccessLogEntry(event=AccessEvent.SIGNED_IN, occurred_at=utcnow() - timedelta(days=900)))
    db.session.commit()

    inventory = retention.dispose_of_case_file(review, factories.manager(), review.version)
    deleted, _ = access_log.purge_entries_older_than(730)

    assert inventory.history_entries > 1 and deleted == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(history.CaseEvent)
                             .where(history.CaseEvent.review_id == review.id)) == 1  # the disposal's own entry
    assert history.verify_all()[1] is None


@postgres_only
@pytest.mark.slow
def test_the_owner_cannot_truncate_the_history_or_the_access_log_either(two_roles: Flask) -> None:
    factories.review_at("commissioned")
    owner_engine = sa.create_engine(two_roles.config["MIGRATION_DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        for table in ("case_events", "access_log"):
            with pytest.raises(REFUSED, match="append-only: TRUNCATE refused"), owner_engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    finally:
        owner_engine.dispose()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(history.CaseEvent)) > 0


def test_production_says_when_one_role_both_owns_and_serves() -> None:
    one_role = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://dhr@db/dhr"}
    assert "MIGRATION_DATABASE_URL is not set" in shared_role_warning(one_role)[0]
    assert shared_role_warning({**one_role, "MIGRATION_DATABASE_URL": "postgresql+psycopg://dhr@db/dhr"})
    two = {**one_role, "MIGRATION_DATABASE_URL": "postgresql+psycopg://dhr_owner@db/dhr"}
    assert shared_role_warning(two) == [] and service_role_to_grant(two) == "dhr"
    assert service_role_to_grant({"SQLALCHEMY_DATABASE_URI": database_url()}) is None
