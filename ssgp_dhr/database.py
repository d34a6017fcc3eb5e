"""The service's connection to its database: how it opens, how long it may take, and how a failure is told.

- An embedded (SQLite) database is opened only if its file exists: only the migrations (`dhr setup-database`,
  `flask db upgrade`) create one, so a mistyped path fails plainly instead of serving an empty database.
- PostgreSQL gets a connect timeout and a statement timeout, so a database that does not answer gives an
  answer ("not available") in bounded time instead of holding a worker until it is killed.
- `describe_failure` turns a database error into one line naming what is wrong, without its password.
"""

from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
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


def guard_engine(engine: Engine) -> None:
    """Open an embedded database only if its file is there (the migrations make it)."""
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
