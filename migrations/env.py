"""Alembic environment: runs the migrations against the application's database.

The same migrations serve SQLite (embedded, with batch mode for ALTERs) and PostgreSQL.
"""

import logging

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")
config = context.config
target_db = current_app.extensions["migrate"].db

# Import every model module so autogenerate sees the whole schema.
import ssgp_dhr.models  # noqa: E402,F401


def render_item(type_, obj, autogen_context):
    """Write the UTC datetime type as the plain column type it stores, so migrations need no app import."""
    from ssgp_dhr.clock import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=str(target_db.engine.url),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
