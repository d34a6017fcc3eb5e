"""Fixtures: the app on SQLite or on PostgreSQL (TEST_DATABASE_URL), migrated once per run, with
every table emptied after each test; a checking test client; signing in as someone."""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="dhr-tests-"))
# Before the configuration is imported: tests never write into the developer's instance/ folder.
os.environ["DHR_INSTANCE_PATH"] = str(_TMP / "instance")

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from ssgp_dhr import create_app  # noqa: E402
from ssgp_dhr.accounts.models import User  # noqa: E402
from ssgp_dhr.extensions import db  # noqa: E402
from tests import status_guard  # noqa: E402
from tests.pages import ClientRequest  # noqa: E402


def database_url() -> str:
    """The database the tests use. SQLite lives in this process's own folder; on PostgreSQL, each
    parallel worker (pytest -n) uses its own database beside TEST_DATABASE_URL's, made when missing."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{_TMP / 'tests.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        parsed = sa.make_url(url)
        return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)
    return url


def postgres_scratch_url(suffix: str, *, create: bool = True) -> str:
    """A PostgreSQL database of its own beside the tests' one: dropped if it exists, then made empty
    (or left for the code under test to create)."""
    url = sa.make_url(database_url())
    scratch = f"{url.database}_{suffix}"
    _run_as_admin(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)", *([f"CREATE DATABASE {scratch}"] if create else []))
    return url.set(database=scratch).render_as_string(hide_password=False)


def _run_as_admin(*statements: str) -> None:
    """Statements outside a transaction (CREATE and DROP DATABASE), from the server's own database."""
    engine = sa.create_engine(sa.make_url(database_url()).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


def _create_worker_database(url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
    engine.dispose()
    if not exists:
        _run_as_admin(f"CREATE DATABASE {name}")


def on_postgres() -> bool:
    return database_url().startswith("postgresql")


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    from flask_migrate import upgrade

    url = database_url()
    if url.startswith("postgresql"):
        _create_worker_database(url)
        _reset_postgres(url)
    application = create_app("test", {
        "SQLALCHEMY_DATABASE_URI": url,
        "DOCUMENT_STORE_PATH": str(_TMP / "documents"),
    })
    with application.app_context():
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # TRUNCATE, not DELETE: the history table refuses DELETE by design, and TRUNCATE too unless,
        # as here, the tests' superuser has triggers off for this transaction.
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(sa.text(f"DELETE FROM {table}"))  # table names from the metadata
    db.session.commit()


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    """Each test runs in an app context (for factories) and leaves every table empty."""
    with app.app_context():
        yield
        db.session.rollback()
        _empty_tables()
        db.session.remove()


@pytest.fixture(autouse=True)
def status_written_only_by_the_workflow() -> Iterator[None]:
    """Every test in the suite, pages and CLI included, fails if Review.status is set outside the service."""
    status_guard.install()
    status_guard.take_violations()
    yield
    found = status_guard.take_violations()
    assert not found, "\n".join(found)


class IsolatedClient(FlaskClient):
    """Runs each request in its own application context, as a real server would.

    Without this, requests would share the test's app context: its database session and `g`
    (where Flask-Login keeps the signed-in user). Afterwards the test's session is rolled back so
    it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(self._served, *args, **kwargs)
        with contextlib.suppress(RuntimeError):  # no app context in this test
            db.session.rollback()
        return response

    def _served(self, *args, **kwargs):
        """The response read whole and closed, as a server would: work a view left to run once the
        response has gone (response.call_on_close) has run by the time the test looks."""
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def client_request(client: FlaskClient) -> ClientRequest:
    return ClientRequest(client)


def sign_in(client: FlaskClient, user: User) -> None:
    """Start a fully signed-in session for `user`: password and second factor given just now.

    The sign-in journey itself (password, then the security code) is tested in test_sign_in.py.
    """
    from flask_login.utils import _create_identifier

    from ssgp_dhr import access

    now = access.now_seconds()
    # Flask-Login's identifier is computed from the request: one shaped like the client's.
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
        session[access.SIGNED_IN_AT] = now
        session[access.LAST_SEEN] = now
        session[access.REAUTHENTICATED_AT] = now


@pytest.fixture
def signed_in_as(client_request: ClientRequest):
    def as_user(user: User) -> ClientRequest:
        sign_in(client_request.client, user)
        return client_request
    return as_user


@pytest.fixture
def client_of():
    """A checking client of another app built over the tests' database (with other settings, or through a
    proxy), signed in as `user` if given."""
    def make(application: Flask, user: User | None = None) -> ClientRequest:
        application.test_client_class = IsolatedClient
        other = application.test_client()
        if user is not None:
            sign_in(other, user)
        return ClientRequest(other)
    return make
