"""The service's own address, BASE_URL: every link that leaves a page (the public feed, e-mails) is built from
it, never from the Host header a request arrived with, which anyone can set. In production a request for any
other host is refused (Flask's TRUSTED_HOSTS: 400), so no page is ever built for a host the service is not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for


def configured_base_url(config: Mapping[str, Any]) -> str | None:
    """BASE_URL, else SERVER_NAME with the preferred scheme, without a trailing slash; None if neither is set."""
    url = config.get("BASE_URL") or ""
    if not url and config.get("SERVER_NAME"):
        url = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    return url.rstrip("/") or None


def base_url_problem(url: str | None) -> str | None:
    """What is wrong with `url` as the service's address, or None."""
    if not url:
        return "BASE_URL is not set"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"BASE_URL must be an http(s) address like https://dhr.example.org, not {url!r}"
    return None


def external_url(endpoint: str, **values: Any) -> str:
    """The full address of `endpoint` on the service's own host. Outside production BASE_URL may be unset
    (an app built for one test): then the request's host, as Flask would."""
    base = configured_base_url(current_app.config)
    if base is None:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def trusted_hosts(config: Mapping[str, Any]) -> list[str]:
    """BASE_URL's host name, and any others EXTRA_TRUSTED_HOSTS adds (a load balancer's health check by address)."""
    own = urlsplit(configured_base_url(config) or "").hostname
    extra = [h.strip() for h in (config.get("EXTRA_TRUSTED_HOSTS") or "").split(",") if h.strip()]
    return [h for h in (own, *extra) if h]


def init_app(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production":
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
