"""Signing in (password, then the second factor), signing out, and one's own account."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import lazyload

from ssgp_dhr import access
from ssgp_dhr.access import reauthentication_required, second_factor_pending, signed_in
from ssgp_dhr.accounts import account_email, lockout, password_reset, roles, second_factor
from ssgp_dhr.accounts.access_log import RECENT_ACTIVITY_SHOWN, recent_account_activity, record
from ssgp_dhr.accounts.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    RecoveryCodeForm,
    SecurityCodeForm,
    SignInForm,
)
from ssgp_dhr.accounts.models import AccessEvent, User, new_session_token
from ssgp_dhr.accounts.passwords import hash_password, needs_rehash, verify_password
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db, limiter, login_manager
from ssgp_dhr.inputs import has_control_characters

accounts = Blueprint("accounts", __name__, template_folder="templates")


@accounts.app_context_processor
def header_name() -> dict[str, str | None]:
    """The name in the header: the partnership a signed-in person works for (Safer Gloucestershire's
    people see Safer Gloucestershire), or None (the service's configured name) for someone working for
    several, or signed out. A page about one partnership's review sets `header_partnership` instead."""
    if not current_user.is_authenticated:
        return {"header_name": None}
    return {"header_name": roles.own_partnership_name(current_user)}

login_manager.login_view = "accounts.sign_in"
login_manager.session_protection = "strong"

# Per address, on top of the per-account lockout: generous enough for an office behind one address.
SIGN_IN_LIMIT = "30 per minute;300 per hour"
# Per address; each account is also sent at most password_reset.LINKS_PER_HOUR links an hour.
FORGOTTEN_PASSWORD_LIMIT = "10 per minute;60 per hour"  # noqa: S105 - a rate, not a password
WRONG_DETAILS = "Enter a correct email address and password. After 10 wrong attempts an account is locked for 15 minutes"
WRONG_CODE = "Enter a correct security code. After 10 wrong attempts an account is locked for 15 minutes"
ENROL_SECRET = "enrol_secret"  # noqa: S105 - a session key; the secret being set up, until a code from it proves the app holds it


_SESSION_USER_ONLY = (lazyload(User.organisation),)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    # The account's organisation is shown on no page about oneself: not joined on every request.
    user = db.session.get(User, int(user_id), options=_SESSION_USER_ONLY)
    if user is None or user.session_token != token or not user.is_enabled:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in user to another host. A backslash is refused too:
    browsers read `/\\evil.example` as `//evil.example`."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not has_control_characters(target) and not urlsplit(target).netloc):
        return target
    return url_for("my_work.dashboard")


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None; the same work and answer for every mistake."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        record(AccessEvent.SIGN_IN_FAILED, email=email.strip().lower())
        return None
    if lockout.is_locked(user) or not user.is_enabled:
        record(AccessEvent.SIGN_IN_FAILED, user=user)
        return None
    if not password_ok:
        lockout.record_failure(user)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _pending_user() -> User | None:
    pending = access.pending_sign_in()
    return load_user(pending["user"]) if pending else None


def _finish_sign_in(user: User) -> None:
    """Both factors given: the session is signed in from now."""
    next_path = (access.pending_sign_in() or {}).get("next")
    lockout.clear_failures(user)
    user.last_signed_in_at = utcnow()
    db.session.commit()
    login_user(user)
    access.start_session()
    session["after_sign_in"] = next_path
    record(AccessEvent.SIGNED_IN, user=user)


def _after_sign_in() -> str:
    if current_user.must_change_password:
        return url_for("accounts.change_password")
    return _safe_next(session.pop("after_sign_in", None))


@accounts.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@access.public
def sign_in():  # noqa: ANN201
    if current_user.is_authenticated:
        return redirect(url_for("my_work.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            session[access.PENDING] = {"user": user.get_id(), "at": access.now_seconds(), "next": request.args.get("next")}
            session.pop(ENROL_SECRET, None)
            if user.has_second_factor:
                return redirect(url_for("accounts.security_code"))
            return redirect(url_for("accounts.set_up_authenticator"))
        form.email.errors.append(WRONG_DETAILS)
    return render_template("accounts/sign_in.html", form=form)


@accounts.route("/sign-in/forgotten-password", methods=["GET", "POST"])
@limiter.limit(FORGOTTEN_PASSWORD_LIMIT, methods=["POST"])
@access.public
def forgotten_password():  # noqa: ANN201
    if not password_reset.can_send_links():
        return render_template("accounts/forgotten_password.html", form=None)
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        response = make_response(render_template("accounts/forgotten_password_sent.html", email=form.email.data.strip(),
                                                 hours=password_reset.LINK_VALID_HOURS))
        password_reset.send_link(form.email.data, response)
        return response
    return render_template("accounts/forgotten_password.html", form=form), 400 if form.errors else 200


@accounts.route("/sign-in/new-password/<token>", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@access.public
def new_password(token: str):  # noqa: ANN201
    user = password_reset.user_for_link(token)
    if user is None:
        return render_template("accounts/new_password_expired.html"), 404
    form = NewPasswordForm(account_email=user.email)
    if form.validate_on_submit():
        password_reset.set_new_password(user, form.new_password.data)
        flash("Your password has been changed. Sign in with it and your security code.")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/new_password.html", form=form), 400 if form.errors else 200


@accounts.route("/sign-in/security-code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@second_factor_pending
def security_code():  # noqa: ANN201
    user = _pending_user()
    if user is None or not user.has_second_factor:
        return redirect(url_for("accounts.sign_in"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        if not lockout.is_locked(user) and second_factor.accept_code(user, form.code.data):
            _finish_sign_in(user)
            return redirect(_after_sign_in())
        if lockout.is_locked(user):
            record(AccessEvent.SECOND_FACTOR_FAILED, user=user)
        else:
            lockout.record_failure(user, AccessEvent.SECOND_FACTOR_FAILED)
        form.code.errors.append(WRONG_CODE)
    return render_template("accounts/security_code.html", form=form)


@accounts.route("/sign-in/recovery-code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@second_factor_pending
def recovery_code():  # noqa: ANN201
    user = _pending_user()
    if user is None or not user.has_second_factor:
        return redirect(url_for("accounts.sign_in"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if not lockout.is_locked(user) and second_factor.use_recovery_code(user, form.code.data):
            record(AccessEvent.RECOVERY_CODE_USED, user=user)
            _finish_sign_in(user)
            left = second_factor.unused_recovery_codes(user)
            flash(f"You used a recovery code. You have {left} left: you can make new ones on Your account.")
            return redirect(_after_sign_in())
        lockout.record_failure(user, AccessEvent.SECOND_FACTOR_FAILED)
        form.code.errors.append("Enter a correct recovery code that has not been used")
    return render_template("accounts/recovery_code.html", form=form)


def _enrolment_secret() -> str:
    secret = session.get(ENROL_SECRET)
    if not isinstance(secret, str):
        secret = session[ENROL_SECRET] = second_factor.new_secret()
    return secret


def _enrol(user: User, code: str) -> list[str] | None:
    """Confirm the secret being set up with a code from the app; the new recovery codes if right."""
    secret = _enrolment_secret()
    user.totp_last_step = None  # a new secret has no used codes
    if not second_factor.accept_code(user, code, secret=secret):
        return None
    user.totp_secret, user.totp_confirmed_at = secret, utcnow()
    codes = second_factor.issue_recovery_codes(user)
    session.pop(ENROL_SECRET, None)
    record(AccessEvent.SECOND_FACTOR_ENROLLED, user=user)
    return codes


def _render_enrolment(user: User, form: SecurityCodeForm, template_args: dict) -> str:
    secret = _enrolment_secret()
    uri = second_factor.pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["SERVICE_NAME"])
    return render_template("accounts/set_up_authenticator.html", form=form, qr_code=second_factor.qr_code_svg(uri),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), **template_args)


@accounts.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@second_factor_pending
def set_up_authenticator():  # noqa: ANN201
    """First sign-in: every account has a second factor before it is signed in."""
    user = _pending_user()
    if user is None or user.has_second_factor:
        return redirect(url_for("accounts.sign_in"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        codes = _enrol(user, form.code.data)
        if codes is not None:
            _finish_sign_in(user)
            return render_template("accounts/recovery_codes.html", codes=codes, continue_to=_after_sign_in())
        db.session.rollback()
        form.code.errors.append("Enter the security code your authenticator app shows now")
    return _render_enrolment(user, form, {"first_time": True})


@accounts.post("/sign-out")
@signed_in
def sign_out():  # noqa: ANN201
    # A new token ends this session on the server: a copied cookie no longer signs anyone in.
    current_user.session_token = new_session_token()
    db.session.commit()
    record(AccessEvent.SIGNED_OUT)
    logout_user()
    session.clear()
    flash("You have signed out")
    return redirect(url_for("accounts.sign_in"))


# --- The session's time limits, for the warning shown before they end ------------------------------

def _time_left_json() -> Response:
    left = access.session_time_left()
    return jsonify(signed_out_in=left.seconds, extendable=left.extendable)


@accounts.get("/session")
@signed_in
def session_status():  # noqa: ANN201
    """How long this session has left. Asking does not count as using the service (access.NOT_ACTIVITY)."""
    return _time_left_json()


@accounts.post("/session/keep-alive")
@signed_in
def keep_session_alive():  # noqa: ANN201
    """'Stay signed in': the request itself restarts the idle clock, as any request does."""
    return _time_left_json()


# --- Your account ---------------------------------------------------------------------------------

@accounts.get("/account")
@signed_in
def your_account():  # noqa: ANN201
    return render_template("accounts/your_account.html",
                           recovery_codes_left=second_factor.unused_recovery_codes(current_user),
                           activity=recent_account_activity(current_user), activity_limit=RECENT_ACTIVITY_SHOWN,
                           role_changes=roles.recent_changes(current_user))


@accounts.route("/account/confirm-password", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@signed_in
def confirm_password():  # noqa: ANN201
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if not lockout.is_locked(current_user) and verify_password(current_user.password_hash, form.password.data):
            session[access.REAUTHENTICATED_AT] = access.now_seconds()
            return redirect(_safe_next(request.args.get("next")))
        lockout.record_failure(current_user._get_current_object())
        form.password.errors.append("Enter your correct password")
    return render_template("accounts/confirm_password.html", form=form)


def _rotate_session(user: User) -> None:
    """End every other session of the user's, and carry on in this one."""
    user.session_token = new_session_token()
    db.session.commit()
    login_user(user)
    access.start_session()


@accounts.route("/account/password", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@signed_in
def change_password():  # noqa: ANN201
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if verify_password(user.password_hash, form.current_password.data):
            if form.new_password.data == form.current_password.data:
                form.new_password.errors.append("Choose a new password that is different from your current one")
            else:
                user.password_hash = hash_password(form.new_password.data)
                user.must_change_password = False
                _rotate_session(user)
                record(AccessEvent.PASSWORD_CHANGED, user=user)
                account_email.notify(user, account_email.Notice.PASSWORD_CHANGED)
                flash("Your password has been changed. Other sessions of yours have been signed out.")
                return redirect(url_for("accounts.your_account"))
        else:
            lockout.record_failure(user)
            form.current_password.errors.append("Enter your correct current password")
    return render_template("accounts/change_password.html", form=form), 400 if form.errors else 200


@accounts.route("/account/authenticator", methods=["GET", "POST"])
@signed_in
@reauthentication_required
def change_authenticator():  # noqa: ANN201
    form = SecurityCodeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        codes = _enrol(user, form.code.data)
        if codes is not None:
            _rotate_session(user)
            account_email.notify(user, account_email.Notice.AUTHENTICATOR_CHANGED)
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   continue_to=url_for("accounts.your_account"))
        db.session.rollback()
        form.code.errors.append("Enter the security code your authenticator app shows now")
    return _render_enrolment(user, form, {"first_time": False})


@accounts.post("/account/recovery-codes")
@signed_in
@reauthentication_required
def new_recovery_codes():  # noqa: ANN201
    codes = second_factor.issue_recovery_codes(current_user)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, continue_to=url_for("accounts.your_account"))
