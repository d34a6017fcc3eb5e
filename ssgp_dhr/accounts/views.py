"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ssgp_dhr.access import public, signed_in
from ssgp_dhr.accounts.forms import SignInForm
from ssgp_dhr.accounts.models import User, new_session_token
from ssgp_dhr.accounts.passwords import hash_password, needs_rehash, verify_password
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db, login_manager

accounts = Blueprint("accounts", __name__, template_folder="templates")

login_manager.login_view = "accounts.sign_in"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.is_enabled:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in user to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("cases.dashboard")


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None; the same work and answer for either mistake."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_enabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


@accounts.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():  # noqa: ANN201
    if current_user.is_authenticated:
        return redirect(url_for("cases.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            user.last_signed_in_at = utcnow()
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/sign_in.html", form=form)


@accounts.post("/sign-out")
@signed_in
def sign_out():  # noqa: ANN201
    # A new token ends this session on the server: a copied cookie no longer signs anyone in.
    current_user.session_token = new_session_token()
    db.session.commit()
    logout_user()
    flash("You have signed out")
    return redirect(url_for("accounts.sign_in"))
