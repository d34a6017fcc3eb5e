"""Alembic environment: runs the migrations against the application's database.

The same migrations serve SQLite (embedded, with batch mode for ALTERs) and PostgreSQL. On both, every
migration of a run happens in one transaction: a failure, or a downgrade refusing to destroy data
(migrations/data_loss.py), leaves the database as it was.
"""

import logging
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import context
from alembic.util import CommandError
from flask import current_app

# The project's root, so that migrations can import `migrations.data_loss` however they are run.
PROJECT_DIR = str(Path(__file__).resolve().parent.parent)
if PROJECT_DIR not in sys.path:
    sys.path.insert(0, PROJECT_DIR)

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
        url=current_app.config.get("MIGRATION_DATABASE_URL") or str(target_db.engine.url),
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
    with ExitStack() as stack:
        connection = _connected(stack)
        # Alembic takes SQLite's DDL for non-transactional and would commit after each migration;
        # on the connection below it is transactional.
        context.configure(connection=connection, target_metadata=target_db.metadata, transactional_ddl=True,
                          **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            if connection.dialect.name == "sqlite":
                _check_foreign_keys(connection)


@contextmanager
def _migration_engine():
    """The owner's role when MIGRATION_DATABASE_URL names one (ssgp_dhr/database_roles.py), else the app's."""
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not url:
        yield target_db.engine
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _migration_connection(engine):
    """A connection to migrate on. PostgreSQL's DDL is transactional as it is. SQLite's needs its own
    connection: Python's sqlite3 commits before each CREATE/DROP, so a batch ALTER failing half-way left
    `_alembic_tmp_*` tables behind; and with foreign keys enforced, the DROP in a batch ALTER of a table
    other rows point at (reviews) fails. So: foreign keys off for the run, checked before the commit, and
    BEGIN issued by SQLAlchemy so that the run is one transaction."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        with engine.connect() as connection:
            yield connection
        return
    # The migrations, and only they, create a new database file (and its folder).
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    migrating = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(migrating, "connect")
    def _no_implicit_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(migrating, "begin")
    def _begin(connection):
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction does this count
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with migrating.connect() as connection:
            yield connection
    finally:
        migrating.dispose()


def _check_foreign_keys(connection):
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise CommandError(f"The migration would leave {len(broken)} rows pointing at rows that do not exist "
                           f"(in {', '.join(tables)}): nothing was changed.")


def _connected(stack):
    """The connection to migrate on; a database that cannot be reached is named in one line (CommandError), not a
    traceback. A migration's own failure keeps its traceback, for whoever fixes it."""
    from ssgp_dhr.database import describe_failure

    engine = stack.enter_context(_migration_engine())
    try:
        # Connecting opens the database: no statement yet, as that would begin the run's transaction.
        return stack.enter_context(_migration_connection(engine))
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as problem:
        raise CommandError(describe_failure(problem, str(engine.url))) from None


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
