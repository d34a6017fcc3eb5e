"""Two application servers, one service: two gunicorn instances on different ports, each with a local
folder of its own, share one PostgreSQL database, one Redis and one object store. An upload through one
is downloaded through the other; a session started on one works on the other and ends on both at
sign-out; the sign-in rate limit counts attempts on both together.

Needs PostgreSQL (TEST_DATABASE_URL), Redis (REDIS_TEST_URL) and moto (the test extra): skipped with
the reason without them, and failed instead under REQUIRE_SERVICES=1, as in CI.
"""

from __future__ import annotations

import http.client
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from bs4 import BeautifulSoup

from ssgp_dhr import create_app
from ssgp_dhr.accounts import second_factor
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from tests import document_samples as samples
from tests import factories
from tests.conftest import on_postgres, postgres_scratch_url
from tests.object_store import CREDENTIALS, free_port, s3_server

pytestmark = pytest.mark.slow
PROJECT = Path(__file__).resolve().parent.parent
HOST = "dhr.example.org"


def _missing_service() -> str | None:
    if not on_postgres():
        return "needs PostgreSQL: set TEST_DATABASE_URL"
    url = os.environ.get("REDIS_TEST_URL")
    if not url:
        return "needs Redis: set REDIS_TEST_URL"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return f"Redis at {url} does not answer"
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return "needs moto[server] (the test extra) for the object store"
    return None


@pytest.fixture(scope="module")
def services_present() -> None:
    missing = _missing_service()
    if missing and os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but the two-server test {missing}")
    if missing:
        pytest.skip(missing)


class Browser:
    """One person's browser, talking to whichever server it is pointed at, as a TLS proxy would forward it."""

    def __init__(self, address: str = "192.0.2.10") -> None:
        self.cookies: dict[str, str] = {}
        self.address = address

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
            headers["Referer"] = f"https://{HOST}{path}"  # CSRF protection over HTTPS checks it
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        data = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def form_fields(self, port: int, path: str, page_url: str | None = None) -> dict[str, str]:
        status, _, page = self.request(port, "GET", page_url or path)
        assert status == 200, (path, status)
        soup = BeautifulSoup(page, "html.parser")
        form = soup.select_one(f"form[method=post][action='{path}']") or soup.select_one("main form[method=post]")
        return {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}

    def post(self, port: int, path: str, fields: dict[str, str], *, from_page: str | None = None) -> tuple[int, dict, bytes]:
        data = {**self.form_fields(port, path, from_page), **fields}
        return self.request(port, "POST", path, urlencode(data).encode(), "application/x-www-form-urlencoded")

    def upload(self, port: int, path: str, fields: dict[str, str], filename: str, content: bytes) -> tuple[int, dict, bytes]:
        data = {**self.form_fields(port, path), **fields}
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in data.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                     "Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(port, "POST", path, body, f"multipart/form-data; boundary={boundary}")


def _wait_until_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if Browser().request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not become healthy")


@pytest.fixture(scope="module")
def two_servers(services_present: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    database = postgres_scratch_url("two_servers")
    # A Redis database of its own: the sign-in tests reset the limits in REDIS_TEST_URL's, perhaps at the
    # same moment in another worker.
    parsed = redis.connection.parse_url(os.environ["REDIS_TEST_URL"])
    own_db = (int(parsed.get("db", 0)) + 15) % 16
    redis_url = f"redis://{parsed.get('host', '127.0.0.1')}:{parsed.get('port', 6379)}/{own_db}"
    with s3_server() as s3:
        bucket = s3.new_bucket("dhr-two-servers")
        shared = {**os.environ, **CREDENTIALS, "DHR_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                  "DATABASE_URL": database, "RATELIMIT_STORAGE_URI": redis_url, "BASE_URL": f"https://{HOST}",
                  "DOCUMENT_STORE_URL": f"s3://{bucket}/documents", "S3_ENDPOINT_URL": s3.endpoint_url,
                  "PROXY_COUNT": "1", "SMTP_HOST": "", "FLASK_APP": "wsgi"}
        shared.pop("TEST_DATABASE_URL", None)
        setup = subprocess.run([sys.executable, "-m", "flask", "dhr", "setup-database"], cwd=PROJECT, env=shared,
                               capture_output=True, text=True, timeout=300)
        assert setup.returncode == 0, setup.stderr
        servers = []
        try:
            for name in ("a", "b"):
                folder = tmp_path_factory.mktemp(f"server-{name}")  # each machine's own disk
                env = {**shared, "DHR_INSTANCE_PATH": str(folder), "DOCUMENT_STORE_PATH": str(folder / "documents"),
                       "DOCUMENT_SPOOL_PATH": str(folder / "spool")}
                port = free_port()
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                    cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                servers.append((port, process, folder))
            for port, process, _ in servers:
                _wait_until_healthy(port, process)
            yield {"a": servers[0][0], "b": servers[1][0], "folders": [s[2] for s in servers], "database": database,
                   "s3": s3, "bucket": bucket}
        finally:
            for _, process, _ in servers:
                process.terminate()
                process.wait(20)


@pytest.fixture
def people(two_servers: dict) -> Iterator[dict]:
    """A coordinator with an authenticator, and a review, written straight into the servers' database."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": two_servers["database"]})
    with app.app_context():
        coordinator = factories.coordinator()
        coordinator.totp_secret = second_factor.new_secret()
        coordinator.totp_confirmed_at = utcnow()
        db.session.commit()
        review = factories.review_at("commissioned", by=coordinator)
        yield {"coordinator": coordinator.email, "secret": coordinator.totp_secret, "reference": review.reference}
        db.session.remove()
        db.engine.dispose()


def _sign_in(browser: Browser, port: int, people: dict) -> None:
    status, headers, _ = browser.post(port, "/sign-in", {"email": people["coordinator"], "password": factories.PASSWORD})
    assert status == 302 and headers["location"].endswith("/sign-in/security-code"), (status, headers)
    status, _, _ = browser.post(port, "/sign-in/security-code", {"code": second_factor.code_for(people["secret"])})
    assert status == 302


def test_a_session_an_upload_and_a_sign_out_carry_across_the_two_servers(two_servers: dict, people: dict) -> None:
    a, b = two_servers["a"], two_servers["b"]
    browser = Browser()
    _sign_in(browser, a, people)
    case = f"/cases/{people['reference']}"
    assert browser.request(b, "GET", case)[0] == 200  # signed in on A, served by B

    status, headers, _ = browser.upload(a, f"{case}/documents/new", {"document_type": "imr", "title": "IMR – Police"},
                                        "imr.pdf", samples.PDF)
    assert status == 302, status
    links = []
    for page_url in (headers["location"], case):
        page = BeautifulSoup(browser.request(b, "GET", page_url)[2], "html.parser")
        links += [link["href"] for link in page.select("a[href$='/download']")]
    link = links[0]
    status, _, content = browser.request(b, "GET", link)
    assert status == 200 and content == samples.PDF  # uploaded through A, downloaded through B
    assert not any((folder / "documents").exists() and any((folder / "documents").iterdir())
                   for folder in two_servers["folders"])  # neither kept it on its own disk

    before_sign_out = Browser()
    before_sign_out.cookies = dict(browser.cookies)  # a copy of the cookie, as someone who took it would keep
    assert browser.post(a, "/sign-out", {}, from_page="/")[0] == 302
    status, headers, _ = before_sign_out.request(b, "GET", case)
    assert status == 302 and "/sign-in" in headers["location"]  # ended on B too


def test_the_sign_in_rate_limit_counts_both_servers_together(two_servers: dict, people: dict) -> None:
    a, b = two_servers["a"], two_servers["b"]
    # An address of its own each run: the limit's window outlives the test, and Redis is shared.
    attacker = Browser(address=f"198.51.100.{secrets.randbelow(254) + 1}")
    statuses = [attacker.post((a, b)[n % 2], "/sign-in", {"email": people["coordinator"], "password": "wrong guess"})[0]
                for n in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429  # 30 a minute in all, not 30 on each
    assert Browser(address="192.0.2.67").request(b, "GET", "/sign-in")[0] == 200
