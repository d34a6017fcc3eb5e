"""The service's connection to its database: how it opens, how long it may take, and how a failure is told.

- An embedded (SQLite) database is opened only if its file exists: only the migrations (`dhr setup-database`,
  `flask db upgrade`) create one, so a mistyped path fails plainly instead of serving an empty database.
- PostgreSQL gets a connect timeout and a statement timeout, so a database that does not answer gives an
  answer ("not available") in bounded time instead of holding a worker until it is killed.
- `describe_failure` turns a database error into one line naming what is wrong, without its password.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm
from flask import Flask, g, has_request_context
from sqlalchemy.engine import URL, Engine, make_url


class DatabaseUnavailable(Exception):
    """The database did not answer, or is not the one the code expects; str() says which, in one line."""


def checked_url(uri: str) -> URL:
    """DATABASE_URL read as SQLAlchemy reads it; ValueError with one line naming the problem if it cannot be."""
    try:
        url = make_url(uri)
        url.get_dialect()
    except Exception as problem:  # ArgumentError, NoSuchModuleError, ValueError: all one mistake
        raise ValueError(f"DATABASE_URL is not a database address the service can use ({_hidden(uri)}): "
                         f"{_first_line(problem)}. Write it as postgresql+psycopg://user@host/name or "
                         "sqlite:////absolute/path/dhr.sqlite3") from None
    return url


def _hidden(uri: str) -> str:
    """The address without its password, for a message."""
    try:
        return make_url(uri).render_as_string(hide_password=True)
    except Exception:  # an address SQLAlchemy cannot parse: say only its scheme
        return uri.split("://", 1)[0] + "://…"


def _first_line(problem: BaseException) -> str:
    text = str(getattr(problem, "orig", None) or problem).strip()
    return (text.splitlines() or [type(problem).__name__])[0].rstrip(".")


def engine_options(app: Flask) -> dict:
    """The engine options for the configured database: timeouts for PostgreSQL."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = checked_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
        statement_ms = int(app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] * 1000)
        connect_args.setdefault("options", f"-c statement_timeout={statement_ms}")
        options["connect_args"] = connect_args
    return options


def sqlite_file(url: URL) -> Path | None:
    """The file of an embedded database, or None (in memory, a `file:` URI, or not SQLite)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def guard_engine(app: Flask, engine: Engine) -> None:
    """Bound how long the engine may wait for the database, and open an embedded database only if its file
    is there (the migrations make it)."""
    if engine.dialect.name == "postgresql":
        _watch_postgresql(engine, app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] + 2)
    if engine.dialect.name == "sqlite":
        _sqlite_busy_timeout(engine, app.config["DATABASE_BUSY_TIMEOUT_SECONDS"])
    path = sqlite_file(engine.url)
    if path is not None:
        sa.event.listen(engine, "do_connect", functools.partial(_refuse_missing_file, path))


def _refuse_missing_file(path: Path, dialect: sa.Dialect, *_: object) -> None:
    if not path.is_file():
        # A DBAPI error, so SQLAlchemy wraps it as it wraps a refused connection.
        raise dialect.loaded_dbapi.OperationalError(
            f"there is no database file at {path} (run `flask --app wsgi dhr setup-database` to create one)")


def describe_failure(problem: BaseException, uri: str) -> str:
    """One line for the person at the command line or in the log: what failed, where, without the password."""
    if isinstance(problem, DatabaseUnavailable):
        return str(problem)
    return f"The database cannot be used ({_hidden(uri)}): {_first_line(problem)}"


# A database that stops answering in the middle of a conversation (a hung server, a network that drops
# packets) leaves the client waiting on its socket for good: PostgreSQL's own statement timeout needs the
# server to answer, and the connect timeout covers only opening a connection. So each PostgreSQL connection
# in use has a deadline, renewed each time it is sent something; past it, its socket is shut down, the
# waiting call fails at once, and the request gets the "not available" page.
class _Deadlines:
    def __init__(self) -> None:
        self._due: dict[int, tuple[float, int]] = {}  # id(DBAPI connection) -> (deadline, socket)
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: object, seconds: float) -> None:
        fd = getattr(getattr(dbapi_connection, "pgconn", None), "socket", None)
        if fd is None:
            return
        with self._wake:
            self._due[id(dbapi_connection)] = (time.monotonic() + seconds, fd)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="database-deadlines", daemon=True)
                self._thread.start()
            self._wake.notify()

    def disarm(self, dbapi_connection: object) -> None:
        with self._wake:
            self._due.pop(id(dbapi_connection), None)

    def _watch(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                overdue = [(key, fd) for key, (deadline, fd) in self._due.items() if deadline <= now]
                for key, _ in overdue:
                    del self._due[key]
                if not overdue:
                    soonest = min((deadline for deadline, _ in self._due.values()), default=now + 60)
                    self._wake.wait(max(soonest - now, 0.01))
                    continue
            for _, fd in overdue:
                _shut_down(fd)


def _shut_down(fd: int) -> None:
    """End the connection under the caller waiting on it; the library then reports it as lost."""
    try:
        with socket.socket(fileno=os.dup(fd)) as connection:
            connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


_deadlines = _Deadlines()


def _watch_postgresql(engine: Engine, seconds: float) -> None:
    def arm(connection: sa.Connection, *_: object) -> None:
        _deadlines.arm(connection.connection.dbapi_connection, seconds)

    def disarm_statement(connection: sa.Connection, *_: object) -> None:
        _deadlines.disarm(connection.connection.dbapi_connection)

    for name in ("before_cursor_execute", "commit", "rollback"):
        sa.event.listen(engine, name, arm)
    sa.event.listen(engine, "after_cursor_execute", disarm_statement)
    # A COMMIT or ROLLBACK is followed by the connection going back to the pool, which ends its deadline.
    sa.event.listen(engine.pool, "checkin", lambda dbapi_connection, _record: _deadlines.disarm(dbapi_connection))

    ping = engine.dialect.do_ping

    def timed_ping(dbapi_connection: object) -> bool:
        # The check of a pooled connection before it is handed out (pool_pre_ping): no event precedes it.
        _deadlines.arm(dbapi_connection, seconds)
        try:
            return ping(dbapi_connection)
        finally:
            _deadlines.disarm(dbapi_connection)

    engine.dialect.do_ping = timed_ping


def _sqlite_busy_timeout(engine: Engine, seconds: float) -> None:
    @sa.event.listens_for(engine, "connect")
    def _busy_timeout(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")


@functools.cache
def code_head(migrations: str) -> str:
    """The newest migration the code has (read once)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(migrations).get_current_head()


def check_schema(migrations: str) -> None:
    """Raise DatabaseUnavailable unless the database answers and is at the code's migration head."""
    from alembic.migration import MigrationContext

    from ssgp_dhr.extensions import db

    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    expected = code_head(migrations)
    if current != expected:
        raise DatabaseUnavailable(f"The database is at migration {current or 'none (empty)'}, the code expects "
                                  f"{expected}: run `flask --app wsgi dhr setup-database`")


# Whether this request sent a COMMIT whose answer never came: what it wrote may or may not be saved.
_IN_DOUBT = "commit_in_doubt"


def track_commits(app: Flask) -> None:
    """Note each COMMIT this app's requests send; a session's after_commit (below) notes its answer."""
    from ssgp_dhr.extensions import db

    with app.app_context():
        sa.event.listen(db.engine, "commit", _commit_sent)


def _commit_sent(*_: object) -> None:
    if has_request_context():
        setattr(g, _IN_DOUBT, True)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _commit_answered(*_: object) -> None:
    if has_request_context():
        setattr(g, _IN_DOUBT, False)


def commit_in_doubt() -> bool:
    return bool(g.get(_IN_DOUBT))
