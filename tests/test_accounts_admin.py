"""Account administration and one's own account: temporary passwords, roles, disabling, resetting the
second factor, ending sessions; re-authentication first; the password rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from ssgp_dhr.accounts import second_factor
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, Role, RoleAssignment, User
from ssgp_dhr.accounts.passwords import password_problem, verify_password
from ssgp_dhr.clock import utcnow
from ssgp_dhr.extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.test_sign_in import enrolled, give_code, give_password

NEW_PASSWORD = "plum kettle orbit lantern"


@pytest.fixture
def admin_client(client_request):
    admin = factories.user((Role.ADMIN, factories.ssgp()), email="admin@example.org")
    sign_in(client_request.client, admin)
    return client_request, admin


def _copy_session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def _replay(client, copied: dict) -> int:
    with client.session_transaction() as session:
        session.clear()
        session.update(copied)
    return client.get("/").status_code


@pytest.mark.parametrize(("password", "problem"), [
    ("short pass", "12 characters or more"), ("x" * 129, "128 characters or fewer"),
    ("password1234", "too easy to guess"), ("Qwertyuiop123", "too easy to guess"),
    ("correct horse battery staple", "too easy to guess"), (NEW_PASSWORD, None), ("a" * 6 + "b" * 6, None),
])
def test_passwords_need_twelve_characters_and_not_a_common_one(password, problem):
    found = password_problem(password)
    assert (found is None) if problem is None else (problem in found)


def test_an_admin_creates_an_account_with_a_temporary_password_that_must_be_changed(admin_client, client):
    client_request, _ = admin_client
    ssgp = factories.ssgp()
    page = client_request.post("/admin/users/new", {
        "email": "New.Person@example.org", "full_name": "New Person", "organisation_id": str(ssgp.id),
        "roles": [f"coordinator:{ssgp.id}"]}, 200)
    temporary = page.select_one(".app-secret-key").get_text()
    person = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert person.must_change_password and person.has_role(Role.COORDINATOR, ssgp.id)

    from tests.pages import ClientRequest
    newcomer = ClientRequest(client.application.test_client())
    assert give_password(newcomer, person, temporary).headers["Location"] == "/sign-in/set-up-authenticator"
    secret = newcomer.get("/sign-in/set-up-authenticator").select_one(".app-secret-key").get_text().replace(" ", "")
    page = newcomer.post("/sign-in/set-up-authenticator", {"code": second_factor.code_for(secret)}, 200)
    assert page.select_one(".govuk-button")["href"] == "/account/password"
    assert newcomer.client.get("/").headers["Location"] == "/account/password"  # nothing else until it is changed
    newcomer.post("/account/password", {"current_password": temporary, "new_password": NEW_PASSWORD,
                                        "confirm_password": NEW_PASSWORD})
    assert newcomer.get("/").h1.get_text(strip=True) == "My work"


def test_the_accounts_list_links_to_each_account_it_manages(admin_client):
    client_request, admin = admin_client
    person = factories.panel_member()
    outsider = factories.coordinator(factories.safer_glos())
    page = client_request.get("/admin/users")
    links = {a.get_text(): a["href"] for a in page.select("tbody a")}
    assert links == {admin.email: f"/admin/users/{admin.id}", person.email: f"/admin/users/{person.id}"}
    assert outsider.email not in page.get_text()


def test_a_new_account_form_keeps_what_was_typed_and_links_errors(admin_client):
    client_request, _ = admin_client
    page = client_request.post("/admin/users/new", {"email": "not-an-email", "full_name": "Typed Name"}, 400)
    hrefs = [a["href"] for a in page.select(".govuk-error-summary a")]
    assert "#email" in hrefs and "#organisation_id" in hrefs
    assert page.find("input", id="full_name")["value"] == "Typed Name"


def test_a_common_new_password_is_refused_with_the_reason(client_request):
    person = factories.coordinator()
    sign_in(client_request.client, person)
    page = client_request.post("/account/password", {"current_password": factories.PASSWORD, "new_password": "password1234",
                                                     "confirm_password": "password1234"}, 400)
    assert "too easy to guess" in page.select_one(".govuk-error-summary").get_text()
    assert page.select_one(".govuk-error-summary a")["href"] == "#new_password"


def test_changing_the_password_ends_other_sessions(client_request, client):
    person = factories.coordinator()
    sign_in(client_request.client, person)
    copied = _copy_session(client_request.client)
    client_request.post("/account/password", {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD,
                                              "confirm_password": NEW_PASSWORD})
    assert client_request.get("/").h1.get_text(strip=True) == "My work"  # this session goes on
    assert verify_password(db.session.get(User, person.id).password_hash, NEW_PASSWORD)
    other = client.application.test_client()
    assert _replay(other, copied) == 302  # the old cookie no longer works


@pytest.mark.parametrize("change", ["disable", "end_sessions", "reset_second_factor"])
def test_admin_actions_end_the_persons_sessions(admin_client, client, change):
    client_request, _ = admin_client
    person = enrolled(factories.panel_member())
    victim_client = client.application.test_client()
    sign_in(victim_client, person)
    assert victim_client.get("/").status_code == 200
    client_request.post(f"/admin/users/{person.id}/{change}", token_from=f"/admin/users/{person.id}")
    assert victim_client.get("/").status_code == 302
    event = {"disable": AccessEvent.ACCOUNT_DISABLED, "end_sessions": AccessEvent.SESSIONS_ENDED,
             "reset_second_factor": AccessEvent.SECOND_FACTOR_RESET}[change]
    assert db.session.scalar(sa.select(AccessLogEntry).where(AccessLogEntry.event == event)).subject_user_id == person.id


def test_after_a_second_factor_reset_the_person_sets_up_a_new_one(admin_client, client):
    client_request, _ = admin_client
    person = enrolled(factories.panel_member())
    client_request.post(f"/admin/users/{person.id}/reset_second_factor", token_from=f"/admin/users/{person.id}")
    from tests.pages import ClientRequest
    again = ClientRequest(client.application.test_client())
    assert give_password(again, person).headers["Location"] == "/sign-in/set-up-authenticator"


def test_roles_are_changed_only_in_the_admins_partnerships(admin_client):
    client_request, _ = admin_client
    ssgp, sg = factories.ssgp(), factories.safer_glos()
    person = factories.user((Role.PANEL_MEMBER, ssgp), (Role.COORDINATOR, sg))
    client_request.post(f"/admin/users/{person.id}/roles", {"roles": [f"manager:{ssgp.id}"]},
                        token_from=f"/admin/users/{person.id}")
    person = db.session.get(User, person.id)
    assert {(r.role, r.partnership_id) for r in person.roles} == {(Role.MANAGER, ssgp.id), (Role.COORDINATOR, sg.id)}


def test_admin_actions_ask_for_the_password_again_after_five_minutes(admin_client):
    client_request, _ = admin_client
    person = factories.panel_member()
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        # The session is kept alive (idle limit) but the password was given more than 5 minutes ago.
        with client_request.client.session_transaction() as session:
            from ssgp_dhr import access
            session[access.LAST_SEEN] = access.now_seconds()
        response = client_request.client.get("/admin/users/new")
        assert response.headers["Location"].startswith("/account/confirm-password")
        token = client_request.csrf_token(f"/admin/users/{person.id}")
        refused = client_request.client.post(f"/admin/users/{person.id}/disable", data={"csrf_token": token})
        assert refused.headers["Location"].startswith("/account/confirm-password")
        assert db.session.get(User, person.id).is_enabled
        wrong = client_request.post("/account/confirm-password?next=/admin/users/new", {"password": "wrong password!!"}, 200)
        assert wrong.select_one(".govuk-error-summary a")["href"] == "#password"
        right = client_request.post("/account/confirm-password?next=/admin/users/new", {"password": factories.PASSWORD})
        assert right.headers["Location"] == "/admin/users/new"
        assert client_request.get("/admin/users/new").h1.get_text(strip=True) == "Create an account"


def test_an_admin_cannot_disable_their_own_account(admin_client):
    client_request, admin = admin_client
    token = client_request.csrf_token(f"/admin/users/{admin.id}")
    assert client_request.client.post(f"/admin/users/{admin.id}/disable", data={"csrf_token": token}).status_code == 400


def test_a_new_authenticator_replaces_the_old_one_after_the_password_again(client_request):
    person = enrolled(factories.coordinator())
    old_secret = person.totp_secret
    sign_in(client_request.client, person)
    page = client_request.get("/account/authenticator")
    secret = page.select_one(".app-secret-key").get_text().replace(" ", "")
    assert secret != old_secret
    page = client_request.post("/account/authenticator", {"code": second_factor.code_for(secret)}, 200)
    assert len(page.select(".app-recovery-codes code")) == second_factor.RECOVERY_CODE_COUNT
    assert db.session.get(User, person.id).totp_secret == secret


def test_sign_in_journey_for_an_enrolled_account_still_works_end_to_end(client_request):
    person = enrolled(factories.coordinator())
    give_password(client_request, person)
    give_code(client_request, person)
    assert client_request.get("/account").h1.get_text(strip=True) == "Your account"


def test_a_users_grants_follow_their_roles_as_they_change(app):
    """Access checks read `User.grants` (rows, not role objects); a change must not leave them stale."""
    person = factories.coordinator()
    db.session.expire_all()
    loaded = db.session.get(User, person.id)
    assert loaded.grants == {(Role.COORDINATOR, factories.ssgp().id)}
    db.session.add(RoleAssignment(user_id=person.id, role=Role.MANAGER, partnership_id=factories.safer_glos().id))
    db.session.commit()
    assert loaded.has_role(Role.MANAGER, factories.safer_glos().id)
    assert loaded.held_roles == {Role.COORDINATOR, Role.MANAGER}
    loaded.roles = [r for r in loaded.roles if r.role is Role.MANAGER]  # being changed: the objects are the truth
    assert loaded.held_roles == {Role.MANAGER}


def test_grants_are_read_again_on_a_refresh_of_the_user_but_not_when_it_is_met_in_other_rows(app):
    from ssgp_dhr.cases.models import CaseEvent
    from tests.test_queries import counting_statements

    person = factories.coordinator()
    review = factories.notified_review(person)  # its history names the coordinator as the actor
    db.session.expire_all()
    loaded = db.session.get(User, person.id)
    assert loaded.grants == {(Role.COORDINATOR, factories.ssgp().id)}
    with counting_statements() as statements:
        events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.review_id == review.id)).unique().all()
        assert {event.actor for event in events} == {loaded}
        assert loaded.has_role(Role.COORDINATOR)
    assert not [s for s in statements if "role_assignments" in s]

    # Written past the ORM (no expiry): a refresh of the whole user reads the grants again.
    db.session.execute(sa.insert(RoleAssignment).values(user_id=person.id, role=Role.MANAGER,
                                                        partnership_id=factories.safer_glos().id))
    db.session.refresh(loaded)
    assert loaded.has_role(Role.MANAGER, factories.safer_glos().id)
