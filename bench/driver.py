"""The load driver: simulated people using the tracker through HTTP, timed page by page.

Each simulated person signs in once (password, then a TOTP code computed with pyotp: a code is
accepted once per account) and then asks for the pages. Two phases per page:
- one user: requests one after another, for latency (p50/p95/p99);
- concurrent: several clients at once for a fixed time, for throughput (requests per second).

Cookies are kept by hand because the production configuration marks them Secure (`__Host-` prefix)
and the benchmark talks plain HTTP to gunicorn on 127.0.0.1: the driver plays the TLS-ending proxy,
sending X-Forwarded-Proto: https, which the app trusts with PROXY_COUNT=1.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pyotp

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"|name="version"[^>]*value="(\d+)"')


class PageError(RuntimeError):
    """A page answered with something other than what a working page answers."""


class Browser:
    """One person's client: their cookies, their address, and timed requests."""

    def __init__(self, base_url: str, address: str) -> None:
        self.client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
        self.cookies: dict[str, str] = {}
        self.headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https", "User-Agent": "dhr-bench/1"}

    def copy(self) -> Browser:
        """Another connection in the same signed-in session (for concurrent clients of one person)."""
        twin = Browser(str(self.client.base_url), self.headers["X-Forwarded-For"])
        twin.cookies = dict(self.cookies)
        return twin

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> tuple[httpx.Response, float]:
        headers = dict(self.headers)
        if method == "POST":
            # Flask-WTF checks, on HTTPS, that a form comes from a page of the same site.
            headers["Referer"] = f"https://{self.client.base_url.netloc.decode()}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        response = self.client.request(method, path, data=data, headers=headers)
        response.read()
        elapsed = time.perf_counter() - started
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response, elapsed

    def get_ok(self, path: str) -> tuple[httpx.Response, float]:
        response, elapsed = self.request("GET", path)
        if response.status_code != 200:
            raise PageError(f"GET {path}: {response.status_code}")
        return response, elapsed

    def close(self) -> None:
        self.client.close()


def _hidden(pattern: re.Pattern[str], html: str, what: str) -> str:
    found = pattern.search(html)
    if not found:
        raise PageError(f"no {what} in the form")
    return found.group(1) or found.group(2)


def sign_in(browser: Browser, email: str, password: str, totp_secret: str) -> dict[str, float]:
    """Password, then the security code; the time of each step."""
    page, _ = browser.get_ok("/sign-in")
    response, password_time = browser.request("POST", "/sign-in", {
        "csrf_token": _hidden(CSRF, page.text, "CSRF token"), "email": email, "password": password})
    if response.status_code != 302 or "security-code" not in response.headers.get("location", ""):
        raise PageError(f"password not accepted for {email}: {response.status_code}")
    totp = pyotp.TOTP(totp_secret)
    # A code is accepted once per account: if this one was used in the last 30 s (the same person
    # signed in to another server of the run), give the next one, as a person would wait for it.
    for code in (totp.now(), totp.at(time.time() + totp.interval)):
        page, _ = browser.get_ok("/sign-in/security-code")
        response, code_time = browser.request("POST", "/sign-in/security-code", {
            "csrf_token": _hidden(CSRF, page.text, "CSRF token"), "code": code})
        if response.status_code == 302:
            break
    else:
        raise PageError(f"security code not accepted for {email}: {response.status_code}")
    return {"password": password_time, "security_code": code_time}


def _date_fields(name: str, day: date) -> dict[str, list[str]]:
    # The GOV.UK date input posts three boxes under one name: day, month, year.
    return {name: [str(day.day), str(day.month), str(day.year)]}


class Transitions:
    """Put a review on hold and resume it, again and again, through the real action form."""

    def __init__(self, browser: Browser, reference: str) -> None:
        self.browser, self.reference = browser, reference
        self.next_trigger = "pause"

    def post(self) -> float:
        trigger = self.next_trigger
        path = f"/cases/{self.reference}/actions/{trigger}"
        form, _ = self.browser.request("GET", path)
        if form.status_code == 409 and trigger == "pause":
            # An earlier run on the same (reused) data set stopped with the review on hold: resume first.
            trigger, path = "resume", f"/cases/{self.reference}/actions/resume"
            form, _ = self.browser.request("GET", path)
        if form.status_code != 200:
            raise PageError(f"GET {path}: {form.status_code}")
        data: dict[str, Any] = {"csrf_token": _hidden(CSRF, form.text, "CSRF token"),
                                "version": _hidden(VERSION, form.text, "version")}
        if trigger == "pause":
            data.update({"hold_reason": "inquest", "hold_details": "Inquest opened (bench)."},
                        **_date_fields("hold_started_on", date(2026, 10, 1)),
                        **_date_fields("hold_expected_end_on", date(2027, 3, 1)))
        else:
            data.update(_date_fields("hold_ended_on", date(2026, 10, 2)))
        response, elapsed = self.browser.request("POST", path, data)
        if response.status_code != 302:
            raise PageError(f"POST {path}: {response.status_code}")
        self.next_trigger = "resume" if trigger == "pause" else "pause"
        return elapsed


@dataclass
class PageResult:
    name: str
    single: list[float] = field(default_factory=list)  # seconds, one user
    concurrent: list[float] = field(default_factory=list)  # seconds, all clients together
    concurrent_seconds: float = 0.0
    clients: int = 0
    errors: list[str] = field(default_factory=list)
    note: str = ""

    @staticmethod
    def _percentile(values: list[float], p: float) -> float | None:
        if not values:
            return None
        if len(values) == 1:
            return values[0] * 1000
        return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] * 1000

    def summary(self) -> dict[str, Any]:
        return {
            "page": self.name, "note": self.note, "errors": self.errors[:5], "error_count": len(self.errors),
            "single_requests": len(self.single),
            "single_p50_ms": self._percentile(self.single, 50), "single_p95_ms": self._percentile(self.single, 95),
            "single_p99_ms": self._percentile(self.single, 99),
            "single_rps": len(self.single) / sum(self.single) if self.single else None,
            "clients": self.clients, "concurrent_requests": len(self.concurrent),
            "rps": len(self.concurrent) / self.concurrent_seconds if self.concurrent_seconds else None,
            "p50_ms": self._percentile(self.concurrent, 50), "p95_ms": self._percentile(self.concurrent, 95),
            "p99_ms": self._percentile(self.concurrent, 99),
        }


def measure(name: str, make_request: Callable[[int], Callable[[], float]], *, requests: int, seconds: float,
            clients: int, warm_up: int = 3) -> PageResult:
    """Time `requests` one after another, then `clients` at once for `seconds`.

    `make_request(n)` gives client n's request function, which returns the time it took.
    """
    result = PageResult(name, clients=clients)
    first = make_request(0)
    try:
        for _ in range(warm_up):
            first()
        for _ in range(requests):
            result.single.append(first())
    except (PageError, httpx.HTTPError) as error:
        result.errors.append(str(error))
        return result
    if clients <= 0 or seconds <= 0:
        return result
    lock = threading.Lock()
    request_functions = [first] + [make_request(n) for n in range(1, clients)]
    deadline = time.perf_counter() + seconds

    def work(request: Callable[[], float]) -> None:
        while time.perf_counter() < deadline:
            try:
                elapsed = request()
            except (PageError, httpx.HTTPError) as error:
                with lock:
                    result.errors.append(str(error))
                return
            with lock:
                result.concurrent.append(elapsed)

    threads = [threading.Thread(target=work, args=(r,)) for r in request_functions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.concurrent_seconds = time.perf_counter() - started
    return result


def timed_get(browser: Browser, path: str) -> Callable[[], float]:
    return lambda: browser.get_ok(path)[1]
