"""Configuration classes, chosen by the DHR_ENV environment variable.

Every setting can be overridden by an environment variable of the same name; the README lists them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _default_instance_dir() -> Path:
    """instance/ in the source tree; for an installed package, Flask's own place for it (prefix/var)."""
    if (BASE_DIR / "pyproject.toml").is_file():
        return BASE_DIR / "instance"
    return Path(sys.prefix) / "var" / "ssgp_dhr-instance"


INSTANCE_DIR = Path(os.environ.get("DHR_INSTANCE_PATH") or _default_instance_dir())

# A development-only key: production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105 - refused in production


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'dhr.sqlite3'}"


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_default()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # PostgreSQL: how long to wait for a connection, and for any one statement, before the service says it is
    # not available (a database that does not answer would otherwise hold a worker until it is killed).
    DATABASE_CONNECT_TIMEOUT_SECONDS = _env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)
    DATABASE_STATEMENT_TIMEOUT_SECONDS = _env_int("DATABASE_STATEMENT_TIMEOUT_SECONDS", 10)
    # SQLite: how long a write waits for another to finish before the service says it is not available.
    DATABASE_BUSY_TIMEOUT_SECONDS = _env_int("DATABASE_BUSY_TIMEOUT_SECONDS", 5)
    # PostgreSQL: the role that owns the tables and runs the migrations, when the service's own role
    # (DATABASE_URL) is another with fewer privileges (ssgp_dhr/database_roles.py).
    MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL") or None

    # Wording: the Victims and Prisoners Act 2024 renames DHRs; some partnerships already use the new name.
    REVIEW_TYPE_NAME = os.environ.get("REVIEW_TYPE_NAME", "Domestic Homicide Review")
    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Domestic Homicide Review tracker")
    PARTNERSHIP_NAME = os.environ.get("PARTNERSHIP_NAME", "Stronger Safer Gloucester Partnership")
    DISPLAY_TIMEZONE = "Europe/London"

    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True

    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 25)
    # Uploaded documents: outside the web root, each under a random name the server makes.
    DOCUMENT_STORE_PATH = os.environ.get("DOCUMENT_STORE_PATH") or str(INSTANCE_DIR / "documents")
    # Or an S3-compatible object store that several application servers share: s3://bucket/prefix
    # (ssgp_dhr/documents/s3_store.py), with S3_ENDPOINT_URL for one other than AWS's.
    DOCUMENT_STORE_URL = os.environ.get("DOCUMENT_STORE_URL") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION") or None
    # Months after publication when the partnership decides whether a report stays online (local practice: 12).
    REMOVAL_REVIEW_MONTHS = _env_int("REMOVAL_REVIEW_MONTHS", 12)
    # Weeks after the Home Office was told of a decision not to hold a review before coordinators are
    # reminded to chase its Quality Assurance Panel's answer (then every 4 weeks). Not set by guidance.
    DECLINE_RESPONSE_CHASE_WEEKS = _env_int("DECLINE_RESPONSE_CHASE_WEEKS", 8)
    # Years a closed review's case file is kept (from the day it closed, or from a decision not to hold a
    # review) before its personal content may be destroyed: the partnership's retention schedule sets it.
    # Unset, nothing is ever due for disposal: no case file is destroyed on a period nobody chose.
    CASE_FILE_RETENTION_YEARS = _env_int("CASE_FILE_RETENTION_YEARS", 0) or None
    # Days the access log is kept before `dhr purge-access-log` deletes older entries (183 at least).
    # Unset, the log is kept whole.
    ACCESS_LOG_RETENTION_DAYS = _env_int("ACCESS_LOG_RETENTION_DAYS", 0) or None
    # The contact for press enquiries shown on the public reviews page when a case names none.
    PUBLIC_CONTACT = os.environ.get("PUBLIC_CONTACT", "The partnership's communications team")
    # The pages about the service (/accessibility, /privacy, /cookies): where people ask about it or
    # report an accessibility problem, who is responsible for the personal information in it, and that
    # organisation's full privacy notice (the lawful basis, how long things are kept, people's rights).
    SERVICE_CONTACT_EMAIL = os.environ.get("SERVICE_CONTACT_EMAIL", "")
    DATA_CONTROLLER = os.environ.get("DATA_CONTROLLER", "Gloucester City Council")
    PRIVACY_NOTICE_URL = os.environ.get("PRIVACY_NOTICE_URL", "")
    # Where to report a security vulnerability (RFC 9116, /.well-known/security.txt): a mailto: or https:
    # address; without it, the service contact's e-mail address.
    SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Rate limits kept in memory are counted by each worker process apart: with several workers the sign-in
    # limit lets several times as many attempts through. Production accepts memory only when this says the
    # service runs as one worker (gunicorn --workers 1).
    SINGLE_WORKER = os.environ.get("SINGLE_WORKER", "").strip().lower() in ("1", "true", "yes")
    RATELIMIT_HEADERS_ENABLED = False
    # How many reverse proxies stand in front: their X-Forwarded-For/-Proto give the client's address
    # (for the rate limit and the access log) and the scheme. 0: trust no such header.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token instead

    # E-mail (reminders). With no SMTP_HOST, development and tests keep messages in the local outbox
    # (/outbox); production refuses to send instead. SMTP_TLS: starttls, ssl or none.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_TLS = os.environ.get("SMTP_TLS", "starttls").lower()
    SMTP_PORT = _env_int("SMTP_PORT", {"ssl": 465, "none": 25}.get(SMTP_TLS, 587))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_TIMEOUT_SECONDS = _env_int("SMTP_TIMEOUT_SECONDS", 30)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "")
    # The service's address, for the links in e-mails sent from the command line (no request to
    # take it from). Without it, SERVER_NAME with PREFERRED_URL_SCHEME is used.
    BASE_URL = os.environ.get("BASE_URL", "")
    # In production only BASE_URL's host is served (any other is refused with 400); these host names too,
    # comma-separated: a load balancer that checks /healthz by address, say.
    EXTRA_TRUSTED_HOSTS = os.environ.get("EXTRA_TRUSTED_HOSTS", "")
    DEBUG = False
    TESTING = False
    SHOW_ERROR_DETAILS = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SHOW_ERROR_DETAILS = True
    BASE_URL = os.environ.get("BASE_URL") or f"http://127.0.0.1:{_env_int('PORT', 5000)}"
    # A period for the demonstration, so the demo's oldest closed review shows as due for disposal.
    CASE_FILE_RETENTION_YEARS = _env_int("CASE_FILE_RETENTION_YEARS", 6)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - test configuration only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    RATELIMIT_ENABLED = False
    BASE_URL = "https://dhr.example.org"
    SMTP_HOST = ""  # tests point this at their own SMTP server
    MAIL_SENDER = "dhr-tracker@example.org"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    PROXY_COUNT = _env_int("PROXY_COUNT", 1)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")

    @classmethod
    def problems(cls, settings: dict, *, serving: bool = True) -> list[str]:
        """What stops this configuration from being safe to serve (or, not `serving`, to run a command)."""
        from ssgp_dhr.hosts import base_url_problem, configured_base_url  # here: ssgp_dhr imports this module

        missing = []
        key = settings.get("SECRET_KEY") or ""
        if key in ("", DEVELOPMENT_SECRET_KEY) or len(key) < 32:
            missing.append("SECRET_KEY (a random value of at least 32 characters)")
        if not settings.get("SQLALCHEMY_DATABASE_URI"):
            missing.append("DATABASE_URL (the PostgreSQL database, e.g. postgresql+psycopg://user@host/dhr)")
        if base_url_problem(configured_base_url(settings)):
            missing.append("BASE_URL (the service's address, e.g. https://dhr.example.org: links in e-mails and the "
                           "public feed are built from it, and requests for any other host are refused)")
        storage = str(settings.get("RATELIMIT_STORAGE_URI") or "memory://")
        # A command (dhr send-reminders, setup-database...) takes no sign-in, so needs no shared limit.
        if (serving and storage.startswith("memory://") and settings.get("RATELIMIT_ENABLED", True)
                and not settings.get("SINGLE_WORKER")):
            missing.append("RATELIMIT_STORAGE_URI (a store the workers share, e.g. redis://127.0.0.1:6379/0: in memory "
                           "each worker counts sign-in attempts apart, so several workers let several times the "
                           "limit through; or SINGLE_WORKER=true if the service runs one worker only)")
        return missing

    @classmethod
    def warnings(cls, settings: dict) -> list[str]:
        """What works but leaves part of the service off: logged at start-up."""
        found = []
        if not settings.get("SMTP_HOST"):
            found.append("SMTP_HOST is not set: `dhr send-reminders` will refuse to send e-mail reminders")
        elif not settings.get("MAIL_SENDER"):
            found.append("MAIL_SENDER is not set: `dhr send-reminders` will refuse to send e-mail reminders")
        from ssgp_dhr.database_roles import shared_role_warning  # here: ssgp_dhr imports this module

        found.extend(shared_role_warning(settings))
        if not settings.get("SERVICE_CONTACT_EMAIL"):
            found.append("SERVICE_CONTACT_EMAIL is not set: the accessibility statement and the privacy page "
                         "give no address to write to")
        if not settings.get("PRIVACY_NOTICE_URL"):
            found.append("PRIVACY_NOTICE_URL is not set: the privacy page cannot link to the data controller's "
                         "privacy notice")
        return found


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
