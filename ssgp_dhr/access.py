"""Deny by default: every view declares who may use it.

A view without a declaration is refused at run time, and tests/test_route_access.py fails for it.
Case-level checks (which review, which fields) are made in the views through ssgp_dhr.cases.policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from ssgp_dhr.accounts.models import Role

View = TypeVar("View", bound=Callable)


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[Role] = frozenset()  # empty with public=False: any signed-in user

    def describe(self) -> str:
        if self.public:
            return "public"
        return "signed in" + (f" as {', '.join(sorted(r.value for r in self.roles))}" if self.roles else "")


def _declare(rule: AccessRule) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view
    return decorate


public = _declare(AccessRule(public=True))
signed_in = _declare(AccessRule())


def roles_required(*roles: Role) -> Callable[[View], View]:
    return _declare(AccessRule(roles=frozenset(roles)))


def rule_for(app: Flask, endpoint: str | None) -> AccessRule | None:
    view = app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def init_app(app: Flask) -> None:
    # The static files are public: the sign-in page needs its styles.
    app.view_functions["static"].access_rule = AccessRule(public=True)  # type: ignore[attr-defined]

    @app.before_request
    def enforce_access_rule():  # noqa: ANN202
        if request.endpoint is None:  # no route matched: the 404 handler answers
            return None
        rule = rule_for(app, request.endpoint)
        if rule is None:
            abort(403)
        if rule.public:
            return None
        if not current_user.is_authenticated:
            if request.method == "GET":
                return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
            abort(401)
        if rule.roles and not any(r.role in rule.roles for r in current_user.roles):
            abort(403)
        return None
