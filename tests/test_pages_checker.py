import pytest
from werkzeug.test import TestResponse

from tests.pages import PageProblem, check_page


def _page(html: str) -> TestResponse:
    response = TestResponse([html.encode()], "200 OK", [("Content-Type", "text/html")], None)
    response.request = type("R", (), {"path": "/probe", "method": "GET"})()
    return response


GOOD = "<html><head><title>T</title></head><body><h1>One</h1>{}</body></html>"


def test_a_good_page_passes():
    check_page(_page(GOOD.format('<form method="post"><input name="csrf_token" value="x"></form>')))


@pytest.mark.parametrize(("html", "problem"), [
    ("<html><head><title>T</title></head><body></body></html>", "one <h1>"),
    (GOOD.format("<h1>Two</h1>"), "one <h1>"),
    ("<html><head></head><body><h1>x</h1></body></html>", "no <title>"),
    (GOOD.format('<p id="a"></p><p id="a"></p>'), "duplicate ids"),
    (GOOD.format('<form method="post"></form>'), "CSRF"),
])
def test_each_problem_is_caught(html, problem):
    with pytest.raises(PageProblem, match=problem):
        check_page(_page(html))
