"""The two PostgreSQL roles: an owner that runs the migrations, and the service's own role.

The service's role (DATABASE_URL) reads and writes the tables it works with and nothing more: it owns
no table, so it cannot TRUNCATE, ALTER or switch off a trigger; it may not UPDATE or DELETE in the
history or the access log at all. The two deletions the service makes there, a case file's disposal
and the access log's purge, go through functions that run as the owner (migration 0032). The owner
(MIGRATION_DATABASE_URL) runs `dhr setup-database`, which applies the migrations and then grants the
service's role its privileges afresh, so a table a migration adds is covered at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

# Written to by appending only; the service's role never changes or removes a row of these itself.
APPEND_ONLY_TABLES = ("case_events", "access_log")
# Read by the health check to compare with the code's migration head; only the migrations write it.
READ_ONLY_TABLES = ("alembic_version",)
OWNER_FUNCTIONS = ("dispose_of_review_history(integer)", "purge_access_log(timestamptz)",
                   "redact_case_event(integer, text, text, text, text, text)")


def role_of(url: str | None) -> str | None:
    return make_url(url).username if url else None


def service_role_to_grant(settings: Mapping[str, Any]) -> str | None:
    """The service's role, when migrations run as a different one on PostgreSQL; else None."""
    service_url, owner_url = settings.get("SQLALCHEMY_DATABASE_URI"), settings.get("MIGRATION_DATABASE_URL")
    if not owner_url or not service_url or make_url(service_url).get_backend_name() != "postgresql":
        return None
    service_role = role_of(service_url)
    return service_role if service_role and service_role != role_of(owner_url) else None


def grant_service_privileges(connection: sa.Connection, role: str) -> None:
    """Give `role` exactly what the service needs on every table of the current schema (run as the owner)."""
    quote = connection.dialect.identifier_preparer.quote
    who, schema = quote(role), quote(connection.scalar(sa.text("SELECT current_schema()")))
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}",
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
        f"REVOKE UPDATE, DELETE ON {', '.join(APPEND_ONLY_TABLES)} FROM {who}",
        f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(READ_ONLY_TABLES)} FROM {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        f"GRANT EXECUTE ON FUNCTION {', '.join(OWNER_FUNCTIONS)} TO {who}",
    ]
    for statement in statements:
        connection.execute(sa.text(statement))


def grant_to_service_role(settings: Mapping[str, Any]) -> str | None:
    """As the owner, grant the service's role its privileges; return the role, or None when there is none."""
    role = service_role_to_grant(settings)
    if role is None:
        return None
    engine = sa.create_engine(settings["MIGRATION_DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            grant_service_privileges(connection, role)
    finally:
        engine.dispose()
    return role


def shared_role_warning(settings: Mapping[str, Any]) -> list[str]:
    """Production on PostgreSQL with one role for the migrations and the service: say what that leaves open."""
    url = settings.get("SQLALCHEMY_DATABASE_URI") or ""
    if not url or make_url(url).get_backend_name() != "postgresql":
        return []
    if service_role_to_grant(settings):
        return []
    return ["MIGRATION_DATABASE_URL is not set to a role other than DATABASE_URL's: the service's own role owns "
            "the tables, and could TRUNCATE the history or switch off its trigger (see README, \"Database roles\")"]
