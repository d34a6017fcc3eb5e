"""Browser tests: the app served on 127.0.0.1 in a thread, against the test database, driven by
Debian's Chromium through Playwright. No browser is ever downloaded."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without Chromium, browser tests are skipped with the reason, or fail when REQUIRE_BROWSER=1."""
    if Path(CHROMIUM).exists():
        return
    for item in items:
        if not item.get_closest_marker("browser"):
            continue
        if os.environ.get("REQUIRE_BROWSER") == "1":
            item.add_marker(pytest.mark.usefixtures("_browser_required"))
        else:
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)"))


@pytest.fixture
def _browser_required() -> None:
    pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is not installed")


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


class Visit:
    """One browser context: every request must go to the test server, and every page it lands on
    is checked (title pattern, axe-core) and photographed."""

    def __init__(self, browser, base_url: str, name: str, width: int = 1100):
        self.base_url = base_url
        self.name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.outside_requests: list[str] = []
        self.shots = 0
        self.page.route("**/*", self._only_local)

    def _only_local(self, route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside_requests.append(route.request.url)
            route.abort()

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check()

    def check(self, label: str | None = None) -> None:
        """Run axe on the current page, check its title, and take a screenshot."""
        page = self.page
        page.wait_for_load_state()
        title = page.title()
        assert title.endswith(" – Domestic Homicide Review tracker"), f"{page.url}: title {title!r}"
        page.add_script_tag(url=f"{self.base_url}/static/js/axe.min.js")
        violations = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))", AXE_TAGS)
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", (label or urlparse(page.url).path).lower()).strip("-") or "home"
        page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{self.shots:02d}-{slug}.png"), full_page=True)
        assert violations == [], f"{page.url}: axe violations {violations}"

    def close(self) -> None:
        self.context.close()
        assert self.outside_requests == [], f"requests left 127.0.0.1: {self.outside_requests}"


@pytest.fixture
def visit(chromium, live_server, request) -> Iterator:
    """visit() opens a new browser context (a separate person); all are closed and checked at the end."""
    opened: list[Visit] = []

    def open_context(who: str = "browser", width: int = 1100) -> Visit:
        """`width`: the viewport's, in CSS pixels (320 is a 1280-pixel screen zoomed to 400%)."""
        context = Visit(chromium, live_server, f"{request.node.name}-{who}", width)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()
