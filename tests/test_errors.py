"""Friendly error pages in the house style, with no stack trace outside development."""

import contextvars

from ssgp_dhr import create_app
from ssgp_dhr.access import public
from tests.pages import check_page


def _app_with_a_failing_page(tmp_path, config_name="test"):
    app = create_app(config_name, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}",
                                   "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @public
    def explode():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/explode", "explode", explode)
    return app


def test_an_unexpected_error_gets_the_friendly_500_page_without_the_trace(tmp_path):
    def run():
        response = _app_with_a_failing_page(tmp_path).test_client().get("/explode")
        assert response.status_code == 500
        page = check_page(response)
        assert page.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
        assert "secret internal detail" not in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)

    contextvars.Context().run(run)


def test_a_missing_page_gets_the_friendly_404(client_request):
    page = client_request.get("/no-such-page", expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"
    assert "Page not found –" in page.title.get_text()


def test_a_forbidden_page_gets_the_friendly_403(tmp_path):
    def run():
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.sqlite3'}"})
        app.add_url_rule("/undeclared", "undeclared", lambda: "x")
        response = app.test_client().get("/undeclared")
        assert response.status_code == 403
        assert check_page(response).h1.get_text(strip=True) == "You do not have access to this page"

    contextvars.Context().run(run)
