"""A test client that checks every HTML page it fetches, like GOV.UK Notify's client_request.

Each page must have the expected status, parse as HTML, have exactly one <h1> and a <title>, no
duplicate ids, and a CSRF token in every POST form.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class PageProblem(AssertionError):
    pass


def check_page(response: TestResponse) -> BeautifulSoup:
    page = BeautifulSoup(response.get_data(as_text=True), "html5lib")
    problems = []
    if len(page.find_all("h1")) != 1:
        problems.append(f"expected one <h1>, found {len(page.find_all('h1'))}")
    title = page.find("title")
    if title is None or not title.get_text(strip=True):
        problems.append("no <title>")
    duplicates = [i for i, n in Counter(tag["id"] for tag in page.find_all(id=True)).items() if n > 1]
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    for form in page.find_all("form"):
        if (form.get("method") or "get").lower() == "post" and not form.find("input", attrs={"name": "csrf_token"}):
            problems.append(f"POST form without a CSRF token: action={form.get('action')!r}")
    if problems:
        raise PageProblem(f"{response.request.path}: " + "; ".join(problems))
    return page


class ClientRequest:
    """Fetch pages as the signed-in (or anonymous) test client, checking each one."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def _checked(self, response: TestResponse, expected_status: int) -> BeautifulSoup | TestResponse:
        assert response.status_code == expected_status, (
            f"{response.request.method} {response.request.path}: expected {expected_status}, "
            f"got {response.status_code}"
        )
        if response.mimetype == "text/html" and response.status_code not in (301, 302, 303):
            return check_page(response)
        return response

    def get(self, url: str, expected_status: int = 200, **kwargs: Any) -> BeautifulSoup | TestResponse:
        return self._checked(self.client.get(url, **kwargs), expected_status)

    def review(self, reference: str) -> BeautifulSoup:
        """Every page of a review this person is offered (the overview, each sub-page in its navigation, the
        history), each fetched and checked, as one document: for what a review shows, wherever it is."""
        overview = self.get(f"/cases/{reference}")
        main = overview.find("main")
        for link in overview.select(".app-review-navigation a")[1:]:
            page = self.get(link["href"])
            for child in list(page.find("main").children):
                main.append(child)
        return overview

    def get_response(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        if response.mimetype == "text/html" and response.status_code not in (301, 302, 303):
            check_page(response)
        return response

    def csrf_token(self, url: str) -> str:
        page = check_page(self.client.get(url))
        token = page.find("input", attrs={"name": "csrf_token"})
        assert token is not None, f"{url} has no CSRF token"
        return token["value"]

    def post(self, url: str, data: dict | None = None, expected_status: int = 302, *,
             token_from: str | None = None, **kwargs: Any) -> BeautifulSoup | TestResponse:
        """POST `data` with the CSRF token of the page at `token_from` (default: `url`)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from or url))
        return self._checked(self.client.post(url, data=data, **kwargs), expected_status)
