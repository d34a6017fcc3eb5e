"""Separation of duties, through the administration pages: an account administers accounts or reads case
content, never both; nobody gives themselves a case role; every change of roles is e-mailed to the person and
the partnership's other administrators, and listed on the person's account page and the account's admin page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ssgp_dhr.accounts import roles
from ssgp_dhr.accounts.models import AccessEvent, AccessLogEntry, Role, RoleChange, User
from ssgp_dhr.extensions import db
from ssgp_dhr.reminders.models import OutboxMessage
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def partnerships():
    return factories.ssgp(), factories.safer_glos()


@pytest.fixture
def admin(partnerships):
    ssgp, sg = partnerships
    return factories.user((Role.ADMIN, ssgp), (Role.ADMIN, sg), email="admin@ssgp.example", full_name="Alex Admin")


def held(person: User) -> set[tuple[Role, int]]:
    return {(r.role, r.partnership_id) for r in db.session.get(User, person.id, populate_existing=True).roles}


def mail_to(person: User) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient_email == person.email)
                                   .order_by(OutboxMessage.id)))


def post_roles(client, person: User, values: list[str], expected_status: int = 302):
    return client.post(f"/admin/users/{person.id}/roles", {"roles": values}, expected_status,
                       token_from=f"/admin/users/{person.id}")


def test_an_administrator_cannot_give_itself_case_roles_and_read_real_names(signed_in_as, partnerships, admin):
    ssgp, sg = partnerships
    review = factories.review_at("panel", by=factories.coordinator(ssgp))
    client = signed_in_as(admin)
    page = post_roles(client, admin, [f"admin:{ssgp.id}", f"admin:{sg.id}", f"coordinator:{ssgp.id}",
                                      f"coordinator:{sg.id}"], 400)
    summary = page.select_one(".govuk-error-summary a")
    assert summary.get_text(strip=True) == roles.OWN_CASE_ROLE
    assert summary["href"] == "#roles"
    assert page.title.get_text().startswith("Error: ")
    assert held(admin) == {(Role.ADMIN, ssgp.id), (Role.ADMIN, sg.id)}
    client.get(f"/cases/{review.reference}", expected_status=404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleChange)) == 0


def test_a_tampered_role_value_is_refused_on_the_form_in_plain_words(signed_in_as, partnerships, admin):
    ssgp, _ = partnerships
    person = factories.coordinator(ssgp)
    page = post_roles(signed_in_as(admin), person, [f"superuser:{ssgp.id}"], 400)
    assert page.select_one(".govuk-error-summary a").get_text(strip=True) == "Select one of the options given for “Roles”"
    assert page.title.get_text().startswith("Error: ")
    assert held(person) == {(Role.COORDINATOR, ssgp.id)}


def test_no_administrator_can_give_another_administrator_a_case_role(signed_in_as, partnerships, admin):
    ssgp, _ = partnerships
    second = factories.user((Role.ADMIN, ssgp))
    page = post_roles(signed_in_as(admin), second, [f"admin:{ssgp.id}", f"panel_member:{ssgp.id}"], 400)
    assert page.select_one(".govuk-error-summary a").get_text(strip=True) == roles.BOTH_DUTIES
    assert held(second) == {(Role.ADMIN, ssgp.id)}


def test_no_administrator_can_make_a_case_worker_an_administrator_too(signed_in_as, partnerships, admin):
    ssgp, sg = partnerships
    coordinator = factories.user((Role.COORDINATOR, ssgp), (Role.MANAGER, sg))
    client = signed_in_as(admin)
    post_roles(client, coordinator, [f"coordinator:{ssgp.id}", f"admin:{ssgp.id}", f"manager:{sg.id}"], 400)
    assert held(coordinator) == {(Role.COORDINATOR, ssgp.id), (Role.MANAGER, sg.id)}
    # Taking the case roles away in the same change makes it an administrator's account.
    post_roles(client, coordinator, [f"admin:{ssgp.id}"])
    assert held(coordinator) == {(Role.ADMIN, ssgp.id)}


def test_a_case_role_held_in_a_partnership_the_administrator_does_not_run_still_counts(signed_in_as):
    ssgp, sg = factories.ssgp(), factories.safer_glos()
    ssgp_admin = factories.user((Role.ADMIN, ssgp))
    sg_coordinator = factories.user((Role.COORDINATOR, sg), (Role.PANEL_MEMBER, ssgp))
    post_roles(signed_in_as(ssgp_admin), sg_coordinator, [f"admin:{ssgp.id}"], 400)
    assert held(sg_coordinator) == {(Role.COORDINATOR, sg.id), (Role.PANEL_MEMBER, ssgp.id)}


def test_an_account_cannot_be_created_with_both_duties(signed_in_as, partnerships, admin):
    ssgp, _ = partnerships
    page = signed_in_as(admin).post("/admin/users/new", {
        "email": "both@example.org", "full_name": "Both Duties", "organisation_id": str(ssgp.id),
        "roles": [f"admin:{ssgp.id}", f"coordinator:{ssgp.id}"]}, 400)
    assert page.select_one(".govuk-error-summary a").get_text(strip=True) == roles.BOTH_DUTIES
    assert page.find(id="full_name")["value"] == "Both Duties"
    assert db.session.scalar(sa.select(User).where(User.email == "both@example.org")) is None


def test_an_account_holding_both_from_before_reads_no_case_and_its_page_says_so(signed_in_as, partnerships, admin):
    ssgp, _ = partnerships
    both = factories.user((Role.ADMIN, ssgp), (Role.COORDINATOR, ssgp))
    review = factories.review_at("panel", by=factories.coordinator(ssgp))
    as_both = signed_in_as(both)
    as_both.get(f"/cases/{review.reference}", expected_status=404)
    assert review.reference not in as_both.get("/cases").get_text()
    assert review.reference not in as_both.get("/cases.csv").get_data(as_text=True)
    page = signed_in_as(admin).get(f"/admin/users/{both.id}")
    assert "roles that read case content, which give it nothing" in page.select_one(".govuk-warning-text").get_text()


def test_every_change_of_roles_is_mailed_to_the_person_and_the_other_administrators(signed_in_as, partnerships, admin):
    ssgp, sg = partnerships
    other_ssgp_admin = factories.user((Role.ADMIN, ssgp), email="second@ssgp.example")
    sg_only_admin = factories.user((Role.ADMIN, sg), email="sg@sg.example")
    disabled_admin = factories.user((Role.ADMIN, ssgp), is_enabled=False)
    person = factories.user((Role.PANEL_MEMBER, ssgp), email="pat@example.org", full_name="Pat Person")
    post_roles(signed_in_as(admin), person, [f"coordinator:{ssgp.id}"])

    assert held(person) == {(Role.COORDINATOR, ssgp.id)}
    [theirs] = mail_to(person)
    assert theirs.subject.startswith("Your roles were changed")
    assert "Alex Admin (admin@ssgp.example) changed the roles of your account" in theirs.body
    assert "- Given: DHR coordinator, Stronger Safer Gloucester Partnership" in theirs.body
    assert "- Taken away: Panel member, Stronger Safer Gloucester Partnership" in theirs.body
    [told] = mail_to(other_ssgp_admin)
    assert told.subject.startswith("Roles changed for pat@example.org")
    assert "changed the roles of Pat Person (pat@example.org)" in told.body and "- Given: DHR coordinator" in told.body
    assert mail_to(admin) == [] and mail_to(sg_only_admin) == [] and mail_to(disabled_admin) == []
    entry = db.session.scalars(sa.select(AccessLogEntry).where(AccessLogEntry.event == AccessEvent.ROLES_CHANGED)).one()
    assert (entry.user_id, entry.subject_user_id) == (admin.id, person.id)


def test_a_new_accounts_roles_are_recorded_and_mailed_too(signed_in_as, partnerships, admin):
    ssgp, _ = partnerships
    other_admin = factories.user((Role.ADMIN, ssgp))
    signed_in_as(admin).post("/admin/users/new", {
        "email": "new@example.org", "full_name": "New Person", "organisation_id": str(ssgp.id),
        "roles": [f"manager:{ssgp.id}"]}, 200)
    person = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert [(c.role, c.granted, c.changed_by_id) for c in roles.recent_changes(person)] == [(Role.MANAGER, True, admin.id)]
    assert "- Given: Manager, Stronger Safer Gloucester Partnership" in mail_to(person)[0].body
    assert "new@example.org" in mail_to(other_admin)[0].subject


def test_the_changes_are_listed_on_the_persons_account_page_and_the_admin_page(signed_in_as, client, partnerships,
                                                                                admin):
    ssgp, sg = partnerships
    person = factories.user((Role.PANEL_MEMBER, ssgp))
    post_roles(signed_in_as(admin), person, [f"panel_member:{ssgp.id}", f"manager:{sg.id}"])
    admin_page = signed_in_as(admin).get(f"/admin/users/{person.id}")
    rows = [r.get_text(" ", strip=True) for r in admin_page.select("#role-changes tbody tr")]
    assert len(rows) == 1 and "Given: Manager, Safer Gloucestershire" in rows[0] and "admin@ssgp.example" in rows[0]

    sign_in(client, person)
    from tests.pages import ClientRequest
    own_page = ClientRequest(client).get("/account")
    rows = [r.get_text(" ", strip=True) for r in own_page.select("#role-changes tbody tr")]
    assert len(rows) == 1 and "Given: Manager, Safer Gloucestershire" in rows[0] and "Alex Admin" in rows[0]


def test_saving_the_same_roles_changes_and_mails_nothing(signed_in_as, partnerships, admin):
    ssgp, _ = partnerships
    person = factories.user((Role.PANEL_MEMBER, ssgp))
    post_roles(signed_in_as(admin), person, [f"panel_member:{ssgp.id}"])
    assert roles.recent_changes(person) == [] and mail_to(person) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_database_url(request, tmp_path):
    from tests.conftest import on_postgres, postgres_scratch_url

    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'roles.sqlite3'}"
    if not on_postgres():
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check the migration there")
    return postgres_scratch_url("role_changes_check")


def test_the_record_of_role_changes_is_not_dropped_by_a_downgrade_unless_forced(scratch_database_url):
    from alembic import command
    from flask_migrate import upgrade

    from migrations.data_loss import DataWouldBeLost
    from ssgp_dhr import create_app

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": scratch_database_url})
    migrate = app.extensions["migrate"].migrate
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO organisations (id, name, short_name, kind) VALUES (1, 'SSGP', 'SSGP', 'partnership')",
                "INSERT INTO users (id, email, full_name, organisation_id, password_hash, session_token, is_enabled, "
                "must_change_password, created_at, failed_sign_ins) VALUES (1, 'c@example.org', 'C', 1, 'x', 't', "
                "TRUE, FALSE, '2026-01-01 00:00:00', 0)",
                "INSERT INTO role_changes (occurred_at, user_id, role, partnership_id, granted) "
                "VALUES ('2026-01-01 00:00:00', 1, 'manager', 1, TRUE)",
            ):
                connection.execute(sa.text(statement))
        with pytest.raises(DataWouldBeLost, match="destroy 1 row of role_changes"):
            command.downgrade(migrate.get_config(), "0027_access_log_by_event")
        assert "role_changes" in sa.inspect(db.engine).get_table_names()
        command.downgrade(migrate.get_config(x_arg=["force_data_loss=yes"]), "0027_access_log_by_event")
        assert "role_changes" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
