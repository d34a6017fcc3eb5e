"""Mistakes in the configuration or at the command line: one line naming what is wrong, a non-zero exit, no
traceback; and a mistyped embedded database path is never created by anything but the migrations."""

from __future__ import annotations

import socket
from datetime import date

import pytest
from flask import Flask

from ssgp_dhr import ConfigurationError, create_app
from tests import factories
from tests.commands import flask_command
from tests.factories import review_at, stored_state


def _closed_port() -> int:
    """A port on this machine nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_line_error(result, status: int = 1) -> str:
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.slow
def test_production_without_a_secret_key_names_it_in_one_line(tmp_path):
    result = flask_command("dhr", "verify-audit", DHR_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}",
                           BASE_URL="https://dhr.example.org", SINGLE_WORKER="true")

    line = _one_line_error(result, status=4)  # gunicorn's "application could not be loaded": it stops
    assert line == "Error: Production needs these settings: SECRET_KEY (a random value of at least 32 characters)"


@pytest.mark.slow
def test_a_database_that_cannot_be_reached_is_named_without_its_password():
    url = f"postgresql+psycopg://dhr:letmein@127.0.0.1:{_closed_port()}/dhr"

    for command in (("dhr", "verify-audit"), ("dhr", "setup-database"), ("db", "upgrade")):
        line = _one_line_error(flask_command(*command, DHR_ENV="development", DATABASE_URL=url))
        assert line.startswith("Error: The database cannot be used (postgresql+psycopg://dhr:***@127.0.0.1:"), line
        assert "Connection refused" in line
        assert "letmein" not in line


@pytest.mark.slow
def test_a_database_address_of_no_known_kind_is_a_configuration_error():
    result = flask_command("dhr", "verify-audit", DHR_ENV="development", DATABASE_URL="postgres://dhr:letmein@db/dhr")

    line = _one_line_error(result, status=4)
    assert line.startswith("Error: DATABASE_URL is not a database address the service can use (postgres://dhr:***@db/dhr)")
    assert "letmein" not in line


def test_a_bad_database_address_refuses_to_build_the_app():
    with pytest.raises(ConfigurationError, match="DATABASE_URL is not a database address"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite+nonesuch:///x"})


@pytest.mark.slow
def test_a_mistyped_embedded_database_is_not_created_until_the_migrations_make_it(tmp_path):
    path = tmp_path / "mistyped" / "dhr.sqlite3"
    url = f"sqlite:///{path}"

    line = _one_line_error(flask_command("dhr", "verify-audit", DHR_ENV="development", DATABASE_URL=url))
    assert line == (f"Error: The database cannot be used ({url}): there is no database file at {path} "
                    "(run `flask --app wsgi dhr setup-database` to create one)")
    assert not path.parent.exists()

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    assert app.test_client().get("/healthz").status_code == 503
    assert not path.parent.exists()

    set_up = flask_command("dhr", "setup-database", DHR_ENV="production", DATABASE_URL=url, SECRET_KEY="k" * 48,
                           BASE_URL="https://dhr.example.org", SINGLE_WORKER="true")
    assert set_up.returncode == 0, set_up.stderr
    assert path.is_file()


def _dhr(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["dhr", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("value", "field"), [("2026-13-45", "decision_on"), ("2026-02-30", "decision_on"),
                                              ("tomorrow", "decision_on")])
def test_a_date_that_is_not_one_is_named_and_nothing_changes(app: Flask, value: str, field: str) -> None:
    coordinator = factories.coordinator()
    review = review_at("notified", by=coordinator)
    before = stored_state(review)

    code, output = _dhr(app, "advance", review.reference, "commission", "--as", coordinator.email,
                        "--set", f"{field}={value}")

    assert (code, output) == (1, f"Error: {field} must be a date written YYYY-MM-DD, not '{value}'\n")
    assert stored_state(review) == before


def test_a_recording_with_an_impossible_date_is_named(app: Flask) -> None:
    coordinator = factories.coordinator()
    review = review_at("notified", by=coordinator)

    code, output = _dhr(app, "record", review.reference, "delay", "--as", coordinator.email,
                        "--set", "told_on=2026-04-31", "--set", f"expected_on={date(2027, 1, 1)}")

    assert (code, output) == (1, "Error: told_on must be a date written YYYY-MM-DD, not '2026-04-31'\n")


def test_an_unknown_account_is_named(app: Flask) -> None:
    review = review_at("notified")

    code, output = _dhr(app, "advance", review.reference, "commission", "--as", "nobody@example.org")

    assert (code, output) == (1, "Error: There is no account nobody@example.org\n")


@pytest.mark.slow
def test_a_daily_command_in_production_needs_no_shared_rate_limit_but_the_service_does(tmp_path):
    settings = {"DHR_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                "BASE_URL": "https://dhr.example.org", "SECRET_KEY": "k" * 40}
    assert flask_command("dhr", "setup-database", **settings).returncode == 0
    result = flask_command("dhr", "verify-audit", **settings)
    assert result.returncode == 0, result.stderr
    assert "History chain intact" in result.stdout

    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):  # serving: as gunicorn loads it
        create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                                  "BASE_URL": "https://dhr.example.org", "SECRET_KEY": "k" * 40})
