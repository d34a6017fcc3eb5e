from tests import factories
from tests.pages import check_page


def test_the_sign_in_page_is_a_checked_page(client_request):
    page = client_request.get("/sign-in")
    assert page.h1.get_text(strip=True) == "Sign in"
    assert "Sign in –" in page.title.get_text()


def test_signing_in_with_email_and_password_reaches_my_work(client_request):
    person = factories.coordinator()
    response = client_request.post("/sign-in", {"email": person.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"
    page = client_request.get("/")
    assert page.h1.get_text(strip=True) == "My work"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client_request):
    person = factories.coordinator()
    wrong = client_request.post("/sign-in", {"email": person.email, "password": "wrong password!!"}, 200)
    unknown = client_request.post("/sign-in", {"email": "nobody@example.org", "password": "wrong password!!"}, 200)
    assert wrong.select_one(".govuk-error-summary").get_text() == unknown.select_one(".govuk-error-summary").get_text()


def test_a_missing_email_is_reported_in_the_error_summary_and_keeps_what_was_typed(client_request):
    page = client_request.post("/sign-in", {"email": "not-an-email", "password": "x"}, 200)
    summary = page.select_one(".govuk-error-summary")
    assert "correct format" in summary.get_text()
    assert summary.find("a")["href"] == "#email"
    assert page.find("input", id="email")["value"] == "not-an-email"
    assert page.title.get_text().startswith("Error: ")


def test_a_post_without_a_csrf_token_gets_a_friendly_400(client):
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    page = check_page(response)
    assert "expired" in page.get_text()


def test_sign_out_ends_the_session_on_the_server(client_request):
    person = factories.coordinator()
    client_request.post("/sign-in", {"email": person.email, "password": factories.PASSWORD})
    with client_request.client.session_transaction() as session:
        copied = dict(session)
    client_request.post("/sign-out", token_from="/")
    with client_request.client.session_transaction() as session:
        session.update(copied)  # replay the old cookie
    assert client_request.client.get("/").status_code == 302
