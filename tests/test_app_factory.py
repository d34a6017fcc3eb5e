import pytest

from config import DEVELOPMENT_SECRET_KEY
from ssgp_dhr import ConfigurationError, create_app


@pytest.mark.parametrize("name", ["development", "test"])
def test_each_configuration_builds_an_app(name, tmp_path):
    app = create_app(name, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["ENV_NAME"] == name
    assert app.config["TESTING"] is (name == "test")


def test_dhr_env_chooses_the_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("DHR_ENV", "test")
    assert create_app().config["ENV_NAME"] == "test"


def test_an_unknown_environment_is_named():
    with pytest.raises(ConfigurationError, match="DHR_ENV must be one of"):
        create_app("staging")


def test_production_refuses_the_development_secret_key_and_no_database():
    with pytest.raises(ConfigurationError) as refused:
        create_app("production", {"SECRET_KEY": DEVELOPMENT_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": ""})
    assert "SECRET_KEY" in str(refused.value)
    assert "DATABASE_URL" in str(refused.value)


def test_production_refuses_a_short_secret_key():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "short", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@y/z"})


def test_production_starts_with_a_real_key_and_database():
    app = create_app("production", {"SECRET_KEY": "k" * 48, "BASE_URL": "https://dhr.example.org",
                                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                                    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/test"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.debug is False
