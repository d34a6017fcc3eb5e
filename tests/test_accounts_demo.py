"""Demo accounts are enrolled for the second factor; `dhr demo-code` prints a current code, in development only."""

from __future__ import annotations

import contextvars

import sqlalchemy as sa

from ssgp_dhr import create_app
from ssgp_dhr.accounts import second_factor
from ssgp_dhr.accounts.models import User
from ssgp_dhr.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_accounts_file, enrol_demo_accounts, load_demo_data
from ssgp_dhr.extensions import db


def test_demo_accounts_are_enrolled_and_their_secrets_written_to_the_instance_folder():
    load_demo_data()
    text = demo_accounts_file().read_text()
    for user in db.session.scalars(sa.select(User)):
        assert user.has_second_factor
        assert f"{user.email}  authenticator secret: {user.totp_secret}" in text
    assert DEMO_PASSWORD in text
    assert oct(demo_accounts_file().stat().st_mode)[-3:] == "600"


def test_demo_accounts_from_before_the_second_factor_are_enrolled_and_the_file_matches():
    load_demo_data()
    user = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNTS[0].email))
    user.totp_secret = user.totp_confirmed_at = None
    db.session.commit()
    enrol_demo_accounts()
    user = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNTS[0].email))
    assert user.has_second_factor
    assert f"{user.email}  authenticator secret: {user.totp_secret}" in demo_accounts_file().read_text()


def _run(config: str, tmp_path, *args: str):
    app = create_app(config, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "SECRET_KEY": "k" * 40,
                              "BASE_URL": "https://dhr.example.org", "SINGLE_WORKER": True})
    runner = app.test_cli_runner()
    if config == "development":
        assert runner.invoke(args=["dhr", "setup-database"]).exit_code == 0
    result = runner.invoke(args=["dhr", "demo-code", *args])
    secret = None
    if config == "development":
        with app.app_context():
            secret = db.session.scalar(sa.select(User.totp_secret).where(User.email == DEMO_ACCOUNTS[0].email))
            db.engine.dispose()
    return result, secret


def test_demo_code_prints_the_current_code_of_a_demo_account(tmp_path):
    result, secret = contextvars.Context().run(_run, "development", tmp_path, DEMO_ACCOUNTS[0].email)
    assert result.exit_code == 0, result.output
    assert result.output.strip() in {second_factor.code_for(secret)} | {
        second_factor.pyotp.TOTP(secret).at(second_factor.utcnow(), counter_offset=-1)}


def test_demo_code_refuses_an_account_that_is_not_a_demo_one(tmp_path):
    result, _ = contextvars.Context().run(_run, "development", tmp_path, "someone@example.org")
    assert result.exit_code != 0 and "not a demo account" in result.output


def test_demo_code_refuses_outside_development(tmp_path):
    for config in ("test", "production"):
        result, _ = contextvars.Context().run(_run, config, tmp_path, DEMO_ACCOUNTS[0].email)
        assert result.exit_code != 0 and "development" in result.output
