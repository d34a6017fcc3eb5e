"""The service's own address: links in the feed come from BASE_URL, never the request's Host header;
production serves BASE_URL's host alone, and will not start without it or with rate limits its workers
count apart; a redirect after signing in stays on the service."""

from __future__ import annotations

import pytest

from ssgp_dhr import ConfigurationError, create_app
from ssgp_dhr.accounts.models import Role
from tests import factories


def production(tmp_path, **settings):
    return create_app("production", {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}",
                                     "BASE_URL": "https://dhr.example.org", "SINGLE_WORKER": True, **settings})


def test_the_feed_links_to_base_url_whatever_host_the_request_names(client, app):
    factories.review_at("published")
    feed = client.get("/reviews/feed.atom", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in feed
    assert 'href="https://dhr.example.org/reviews/feed.atom"' in feed
    assert "<id>https://dhr.example.org/reviews/" in feed
    assert app.config["BASE_URL"] == "https://dhr.example.org"


def test_production_refuses_a_request_for_another_host(tmp_path):
    app = production(tmp_path)
    client = app.test_client()
    assert client.get("/accessibility", base_url="https://dhr.example.org").status_code == 200
    refused = client.get("/accessibility", base_url="https://evil.example")
    assert refused.status_code == 400
    assert "evil.example" not in refused.get_data(as_text=True)
    assert client.get("/accessibility", headers={"Host": "evil.example"}).status_code == 400


def test_production_serves_the_extra_trusted_hosts_too(tmp_path):
    app = production(tmp_path, EXTRA_TRUSTED_HOSTS="10.0.0.5, dhr.internal")
    client = app.test_client()
    assert client.get("/accessibility", base_url="http://10.0.0.5:8000").status_code == 200
    assert client.get("/accessibility", base_url="http://dhr.internal").status_code == 200
    assert client.get("/accessibility", base_url="http://10.0.0.6").status_code == 400


@pytest.mark.parametrize("base_url", ["", "dhr.example.org", "ftp://dhr.example.org"])
def test_production_will_not_start_without_its_address(tmp_path, base_url):
    with pytest.raises(ConfigurationError, match="BASE_URL"):
        production(tmp_path, BASE_URL=base_url)


def test_production_will_not_start_with_rate_limits_each_worker_counts_apart(tmp_path):
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI") as refused:
        production(tmp_path, SINGLE_WORKER=False, RATELIMIT_STORAGE_URI="memory://")
    assert "SINGLE_WORKER" in str(refused.value)
    production(tmp_path, SINGLE_WORKER=True, RATELIMIT_STORAGE_URI="memory://")  # one worker: memory is whole
    production(tmp_path, SINGLE_WORKER=False, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")


def test_development_and_tests_keep_rate_limits_in_memory(tmp_path):
    for name in ("development", "test"):
        app = create_app(name, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.sqlite3'}"})
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
        assert app.config.get("TRUSTED_HOSTS") is None


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "//evil.example", "https://evil.example/"])
def test_after_confirming_the_password_a_redirect_stays_on_the_service(client_request, target):
    from tests.conftest import sign_in

    sign_in(client_request.client, factories.user(Role.ADMIN))
    response = client_request.post("/account/confirm-password", {"password": factories.PASSWORD},
                                   query_string={"next": target})
    assert response.headers["Location"] == "/"
