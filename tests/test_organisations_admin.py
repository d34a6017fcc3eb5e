"""Administrators add, rename and mark inactive the partnerships and agencies, each change in its history."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ssgp_dhr.accounts.models import Role, RoleChange
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.organisations.models import AgencyKind, Organisation, OrganisationChangeKind, OrganisationKind
from ssgp_dhr.organisations.services import history
from tests import factories


def _administrator(partnership: Organisation | None = None):
    return factories.user((Role.ADMIN, partnership or factories.ssgp()))


def _named(short_name: str) -> Organisation:
    return db.session.scalar(sa.select(Organisation).where(Organisation.short_name == short_name))


def _history_rows(page) -> list[list[str]]:
    return [[cell.get_text(strip=True) for cell in row.find_all("td")][1:] for row in page.select("#changes tbody tr")]


def test_an_administrator_adds_an_agency_of_a_kind_and_its_history_says_so(signed_in_as):
    admin = _administrator()
    client = signed_in_as(admin)

    response = client.post("/admin/organisations/new/agency", {"name": "Wyedean Women's Aid", "short_name": "WWA",
                                                               "agency_kind": "specialist_domestic_abuse"})

    agency = _named("WWA")
    assert response.headers["Location"] == f"/admin/organisations/{agency.id}"
    assert (agency.kind, agency.agency_kind, agency.is_active) == (OrganisationKind.AGENCY, AgencyKind.SPECIALIST, True)
    page = client.get(f"/admin/organisations/{agency.id}")
    assert _history_rows(page) == [["Added", "", "Specialist domestic abuse service: Wyedean Women's Aid (WWA)",
                                    admin.email]]
    listing = client.get("/admin/organisations")
    assert "Wyedean Women's Aid" in listing.select_one("#agency-heading").find_next("table").get_text()


def test_an_agency_needs_a_kind_and_a_name_no_other_has_and_keeps_what_was_typed(signed_in_as):
    factories.organisation("Constabulary", "Gloucestershire Constabulary")
    client = signed_in_as(_administrator())

    page = client.post("/admin/organisations/new/agency", {"name": "gloucestershire constabulary", "short_name": "New"},
                       expected_status=400)

    errors = [a.get_text(strip=True) for a in page.select(".govuk-error-summary a")]
    assert errors == ["There is already a partnership or agency with this name", "Choose what kind of agency it is"]
    assert page.find("input", attrs={"name": "short_name"})["value"] == "New"
    assert page.title.get_text().startswith("Error: ")
    assert _named("New") is None


def test_a_partnership_added_is_administered_by_whoever_added_it(signed_in_as):
    admin = _administrator()
    client = signed_in_as(admin)

    client.post("/admin/organisations/new/partnership", {"name": "Forest of Dean Community Safety Partnership",
                                                         "short_name": "FoD CSP"})

    forest = _named("FoD CSP")
    assert forest.kind is OrganisationKind.PARTNERSHIP and forest.agency_kind is None
    assert db.session.get(type(admin), admin.id).has_role(Role.ADMIN, forest.id)
    change = db.session.scalar(sa.select(RoleChange).where(RoleChange.partnership_id == forest.id))
    assert (change.user_id, change.changed_by_id, change.granted) == (admin.id, admin.id, True)


def test_renaming_is_recorded_with_what_it_was(signed_in_as):
    admin = _administrator()
    client = signed_in_as(admin)
    ssgp = factories.ssgp()

    client.post(f"/admin/organisations/{ssgp.id}", {"name": "Safer Stronger Gloucester Partnership", "short_name": "SSGP"})

    assert _named("SSGP").name == "Safer Stronger Gloucester Partnership"
    page = client.get(f"/admin/organisations/{ssgp.id}")
    assert _history_rows(page) == [["Renamed", "Stronger Safer Gloucester Partnership",
                                    "Safer Stronger Gloucester Partnership", admin.email]]


def test_a_partnership_is_changed_only_by_its_own_administrators_but_any_changes_an_agency(signed_in_as):
    other_admin = _administrator(factories.safer_glos())
    client = signed_in_as(other_admin)
    ssgp, police = factories.ssgp(), factories.organisation("Constabulary")

    page = client.get(f"/admin/organisations/{ssgp.id}")
    assert page.find("input", attrs={"name": "name"}) is None
    client.post(f"/admin/organisations/{ssgp.id}", {"name": "Taken", "short_name": "T"}, expected_status=403)
    client.post(f"/admin/organisations/{ssgp.id}/inactive", {}, expected_status=403, token_from="/admin/organisations")
    assert _named("SSGP").name == "Stronger Safer Gloucester Partnership" and _named("SSGP").is_active

    client.post(f"/admin/organisations/{police.id}", {"name": "Gloucestershire Police", "short_name": "Constabulary",
                                                      "agency_kind": "police"})
    assert [c.change for c in history(police)] == [OrganisationChangeKind.KIND_CHANGED, OrganisationChangeKind.RENAMED]


def test_an_inactive_partnership_is_offered_for_nothing_new_and_can_come_back(signed_in_as):
    admin = _administrator(factories.safer_glos())
    safer_glos = factories.safer_glos()
    client = signed_in_as(admin)

    client.post(f"/admin/organisations/{safer_glos.id}/inactive", {}, token_from=f"/admin/organisations/{safer_glos.id}")

    assert not _named("SG").is_active
    organisations = [o.get_text() for o in client.get("/admin/users/new").find(id="organisation_id").find_all("option")]
    assert "Safer Gloucestershire" not in organisations
    coordinator_page = signed_in_as(factories.coordinator()).get("/cases/new")
    joint = [o.get_text() for o in coordinator_page.find(id="joint_partnership_id").find_all("option")]
    assert "Safer Gloucestershire" not in joint

    client = signed_in_as(admin)
    client.post(f"/admin/organisations/{safer_glos.id}/active", {}, token_from=f"/admin/organisations/{safer_glos.id}")
    assert _named("SG").is_active
    assert [c.change for c in history(safer_glos)] == [OrganisationChangeKind.MADE_ACTIVE,
                                                       OrganisationChangeKind.MADE_INACTIVE]


def test_only_administrators_see_the_pages(signed_in_as):
    signed_in_as(factories.coordinator()).get("/admin/organisations", expected_status=403)


def test_an_inactive_agency_is_offered_for_no_new_request_but_stays_on_a_recommendation_it_owns(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("panel", by=coordinator)
    police = factories.organisation("Wyedean Police", "Wyedean Constabulary")
    owned = factories.recommendation(review, coordinator, "R1", target_on=today_uk() + timedelta(days=60), agency=police)
    police.is_active = False
    db.session.commit()
    client = signed_in_as(coordinator)

    offered = [o.get_text() for o in client.get(f"/cases/{review.reference}/requests/new").find(id="agency_id")
               .find_all("option")]
    assert "Wyedean Constabulary" not in offered
    owners = client.get(f"/cases/{review.reference}/recommendations/{owned.id}/revise").find(id="owning_agency_id")
    assert owners.find("option", selected=True).get_text() == "Wyedean Constabulary"
    new = [o.get_text() for o in client.get(f"/cases/{review.reference}/recommendations/new")
           .find(id="owning_agency_id").find_all("option")]
    assert "Wyedean Constabulary" not in new
