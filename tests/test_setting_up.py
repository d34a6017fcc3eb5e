"""A partnership takes the tracker into service from nothing: an empty database, `dhr setup-database`, the first
administrator from `dhr create-admin`, their first sign-in with the authenticator set up, a partnership, an agency
and a coordinator added in the admin pages, and the coordinator's first notification. No demo data, no SQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ssgp_dhr import create_app
from ssgp_dhr.accounts import second_factor
from ssgp_dhr.accounts.models import Role, RoleAssignment, RoleChange, User
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import AgencyKind, Organisation, OrganisationChange
from tests.commands import flask_command
from tests.conftest import on_postgres, postgres_scratch_url

PRODUCTION = {"DHR_ENV": "production", "SECRET_KEY": "k" * 48, "BASE_URL": "https://dhr.example.org",
              "SINGLE_WORKER": "true"}
ADMIN_PASSWORD = "wyedean partnership first key"


@pytest.fixture
def empty_database(tmp_path) -> str:
    if on_postgres():
        return postgres_scratch_url("setting_up")
    return f"sqlite:///{tmp_path / 'new' / 'dhr.sqlite3'}"


def _enrol(client, email: str, password: str) -> None:
    """Sign in for the first time: the password, then an authenticator app set up from the page's secret."""
    response = client.client.post("/sign-in", data={"email": email, "password": password,
                                                    "csrf_token": client.csrf_token("/sign-in")})
    assert response.headers["Location"] == "/sign-in/set-up-authenticator"
    secret = client.get("/sign-in/set-up-authenticator").select_one(".app-secret-key").get_text().replace(" ", "")
    page = client.post("/sign-in/set-up-authenticator", {"code": second_factor.code_for(secret)}, 200)
    assert page.select(".app-recovery-codes code")


@pytest.mark.slow
def test_a_partnership_sets_the_tracker_up_from_nothing(empty_database, tmp_path, client_of):
    settings = {**PRODUCTION, "DATABASE_URL": empty_database}
    set_up = flask_command("dhr", "setup-database", **settings)
    assert set_up.returncode == 0, set_up.stderr

    password_file = tmp_path / "password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    made = flask_command("dhr", "create-admin", "Ada.Admin@Wyedean.example", "--partnership", "Safer Wyedean Partnership",
                         "--name", "Ada Admin", "--password-file", str(password_file), **settings)
    assert made.returncode == 0, made.stderr
    assert made.stdout == ("Added the partnership Safer Wyedean Partnership (SWP).\n"
                           "Created ada.admin@wyedean.example, administrator of Safer Wyedean Partnership. They sign in "
                           "at https://dhr.example.org/sign-in and set up an authenticator app the first time.\n")
    assert ADMIN_PASSWORD not in made.stdout + made.stderr

    service = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database, "DOCUMENT_STORE_PATH": str(tmp_path / "docs")})
    admin = client_of(service)
    _enrol(admin, "ada.admin@wyedean.example", ADMIN_PASSWORD)

    admin.post("/admin/organisations/new/partnership", {"name": "Forest of Dean Community Safety Partnership",
                                                        "short_name": "FoD CSP"})
    admin.post("/admin/organisations/new/agency", {"name": "Wyedean Constabulary", "short_name": "Wyedean Police",
                                                   "agency_kind": "police"})
    with service.app_context():
        forest = db.session.scalar(sa.select(Organisation).where(Organisation.short_name == "FoD CSP"))
        forest_id = forest.id
        police = db.session.scalar(sa.select(Organisation).where(Organisation.short_name == "Wyedean Police"))
        assert police.agency_kind is AgencyKind.POLICE
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 3  # nothing but these

    page = admin.post("/admin/users/new", {"email": "cora@forest.example", "full_name": "Cora Ordinator",
                                           "organisation_id": str(forest_id), "roles": [f"coordinator:{forest_id}"]}, 200)
    temporary = page.select_one(".app-secret-key").get_text(strip=True)

    coordinator = client_of(service)
    _enrol(coordinator, "cora@forest.example", temporary)
    coordinator.post("/account/password", {"current_password": temporary, "new_password": "a new and long passphrase",
                                           "confirm_password": "a new and long passphrase"})
    today = today_uk()
    died, notified = today - timedelta(days=4), today - timedelta(days=1)
    coordinator.post("/cases/new", {
        "lead_partnership_id": str(forest_id), "joint_partnership_id": "", "pseudonym": "Robin",
        "victim_name": "Robin Realname", "perpetrator_name": "", "victim_age": "41",
        "date_of_death": [str(died.day), str(died.month), str(died.year)],
        "notified_on": [str(notified.day), str(notified.month), str(notified.year)],
        "notified_by": "Wyedean Constabulary", "circumstances": "Found at home.", "press_contact": "",
        "death_kind": "domestic_homicide", "notifier_kind": "police"})

    with service.app_context():
        review = db.session.scalar(sa.select(Review))
        assert (review.lead_partnership_id, review.pseudonym) == (forest_id, "Robin")
        ada = db.session.scalar(sa.select(User).where(User.email == "ada.admin@wyedean.example"))
        assert ada.has_second_factor
        assert {(r.role, r.partnership.short_name) for r in ada.roles} == {(Role.ADMIN, "SWP"), (Role.ADMIN, "FoD CSP")}
        first = db.session.scalar(sa.select(RoleChange).order_by(RoleChange.id))
        assert (first.changed_by_id, first.role) == (None, Role.ADMIN)  # from the command line
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationChange)) == 3
        db.engine.dispose()


def _said(result) -> str:
    """The command's own words on its error output, without production's start-up warnings in the log."""
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _create_admin(url: str, *args: str, password: str = ADMIN_PASSWORD, **settings: str):
    return flask_command("dhr", "create-admin", *args, "--password-file", "-", DATABASE_URL=url,
                         input_text=password + "\n", **{**PRODUCTION, **settings})


@pytest.mark.slow
def test_create_admin_refuses_in_one_line_and_writes_nothing(empty_database):
    assert flask_command("dhr", "setup-database", DATABASE_URL=empty_database, **PRODUCTION).returncode == 0

    for args, password, message in [
        (("not-an-address", "--partnership", "P", "--name", "A"), ADMIN_PASSWORD, "Error: 'not-an-address' is not an email"),
        (("a@p.example", "--partnership", "P", "--name", "A"), "password1", "Error: Password must be 12 characters or more"),
        (("a@p.example", "--partnership", "P", "--name", "A"), "a@p.example", "Error: Password must be 12 characters"),
        (("a@p.example", "--partnership", "", "--name", "A"), ADMIN_PASSWORD, "Error: Enter the name"),
    ]:
        refused = _create_admin(empty_database, *args, password=password)
        assert refused.returncode == 1, refused.stdout
        assert _said(refused).startswith(message), refused.stderr
        assert "Traceback" not in refused.stderr

    assert _create_admin(empty_database, "a@p.example", "--partnership", "Partnership P", "--name", "A").returncode == 0
    again = _create_admin(empty_database, "A@p.example", "--partnership", "Partnership P", "--name", "A")
    assert _said(again).startswith("Error: There is already an account a@p.example")
    second = _create_admin(empty_database, "b@p.example", "--partnership", "partnership p", "--name", "B")
    assert second.stdout.startswith("Created b@p.example, administrator of Partnership P.")  # the same partnership

    engine = sa.create_engine(empty_database)
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1
        assert connection.scalar(sa.select(sa.func.count()).select_from(User)) == 2
        assert connection.scalar(sa.select(sa.func.count()).select_from(RoleAssignment)) == 2
    engine.dispose()
