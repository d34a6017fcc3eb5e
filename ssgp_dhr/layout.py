"""The layout's work on every page: what of it depends on the person (their menu, their partnership's
name) is worked out per request, and the rest (the addresses of the service's fixed pages) once.

Every signed-in page starts from this work, so it is kept to what changes per person.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app, request, url_for
from flask.templating import Environment
from flask_login import current_user


class _TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja keeps them, with their keys as a set.

    Each `{% from ... import %}` compares the importing page's globals with the imported template's
    (`ctx.globals_keys - template.globals.keys()`); against a ChainMap's key view that is one Python-level
    lookup per global, about 450 a page for the layout's imports alone, a tenth of *Your account*'s time.
    """

    def keys(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset().union(*self.maps)


class HouseEnvironment(Environment):
    """Flask's template environment, with globals compared as sets (see _TemplateGlobals)."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals(d if d is not None else {}, self.globals)


def fixed_url(endpoint: str) -> str:
    """The address of a page without parameters (the menu's, the footer's, a static file's is not one):
    the same for every request under the same prefix, so built once per prefix."""
    built = current_app.extensions.setdefault("fixed_urls", {})
    key = (request.script_root, endpoint)
    if key not in built:
        built[key] = url_for(endpoint)
    return built[key]


def static_url(filename: str) -> str:
    """The address of a static file (the stylesheet, the icon, the script), built once per prefix."""
    built = current_app.extensions.setdefault("static_urls", {})
    key = (request.script_root, filename)
    if key not in built:
        built[key] = url_for("static", filename=filename)
    return built[key]


# What Werkzeug's path-segment converter leaves unquoted (werkzeug.routing.BaseConverter.to_url).
_SEGMENT_SAFE = "!$&'()*+,/:;=@"


def review_url(reference: str) -> str:
    """The address of a review's page, as url_for("cases.case_page", reference=...) builds it: the part before
    the reference built once per prefix. Lists link every row to its review, and url_for cost tens of
    microseconds a row."""
    built = current_app.extensions.setdefault("review_urls", {})
    if request.script_root not in built:
        marker = "-"
        built[request.script_root] = url_for("cases.case_page", reference=marker).removesuffix(marker)
    return built[request.script_root] + quote(reference, safe=_SEGMENT_SAFE)


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    text: str
    # The endpoints (or, ending in ".", the blueprints) the item is shown as current on.
    current_on: tuple[str, ...]
    # The roles of which one is needed to see the item; empty: everyone signed in.
    roles: frozenset[str] = frozenset()

    def is_current(self, endpoint: str) -> bool:
        return any(endpoint == at or (at.endswith(".") and endpoint.startswith(at)) for at in self.current_on)


MENU = (
    MenuItem("my_work.dashboard", "My work", ("my_work.dashboard",)),
    MenuItem("cases.case_list", "Case list", ("cases.case_list",)),
    MenuItem("cases.new_notification", "New notification", ("cases.new_notification",), frozenset({"coordinator"})),
    MenuItem("action_plan.monitoring_page", "Action plans", ("action_plan.monitoring_page",)),
    MenuItem("cases.workflow_page", "Workflow", ("cases.workflow_page",)),
    MenuItem("publication.board", "Publication", ("publication.board", "publication.statistics_page"),
             frozenset({"manager", "coordinator"})),
    MenuItem("admin.users", "Accounts", ("admin.",), frozenset({"admin"})),
    MenuItem("organisations.organisation_list", "Partnerships and agencies", ("organisations.",), frozenset({"admin"})),
)


@dataclass(frozen=True)
class MenuLink:
    href: str
    text: str
    current: bool


def menu() -> list[MenuLink]:
    """The signed-in person's menu: the items their roles open, the current page's marked."""
    if not current_user.is_authenticated:
        return []
    held = {role.value for role in current_user.held_roles}
    endpoint = request.endpoint or ""
    return [MenuLink(fixed_url(item.endpoint), item.text, item.is_current(endpoint))
            for item in MENU if not item.roles or item.roles & held]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(fixed_url=fixed_url, static_url=static_url, review_url=review_url, menu=menu)
