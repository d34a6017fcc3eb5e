"""Who notified the partnership (the police, the coroner or another agency), the date of the inquest a hold waits
for, and the coroner's request for the review's report."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from ssgp_dhr import create_app
from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import NotifierKind, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from tests import factories
from tests.conftest import on_postgres, postgres_scratch_url
from tests.test_case_pages import form_data, notification_data
from tests.test_death_kinds import _row


def test_a_notification_says_whether_the_police_the_coroner_or_another_agency_sent_it(signed_in_as):
    client = signed_in_as(factories.coordinator())
    page = client.post("/cases/new", notification_data(notifier_kind=""), expected_status=400)
    assert "Choose who notified the partnership" in page.select_one(".govuk-error-summary").get_text()
    client.post("/cases/new", notification_data(notifier_kind="coroner", death_kind="suicide",
                                                notified_by="HM Coroner for Gloucestershire"))
    review = db.session.scalar(sa.select(Review))
    assert review.notifier_kind is NotifierKind.CORONER
    page = client.get(f"/cases/{review.reference}")
    assert _row(page, "Notified").endswith("by the coroner: HM Coroner for Gloucestershire")


def test_who_notified_is_changed_with_the_history(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    assert review.notifier_kind is NotifierKind.POLICE
    services.update_details(review, coordinator, review.version, {"notifier_kind": "other_agency"})
    page = signed_in_as(coordinator).get(f"/cases/{review.reference}/history")
    assert "Who notified the partnership changed" in page.get_text(" ", strip=True)
    assert "From “The police” to “Another agency”" in page.get_text()
    with pytest.raises(services.InvalidChange, match="Choose who notified the partnership"):
        services.update_details(review, coordinator, review.version, {"notifier_kind": "a neighbour"})


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coroner.sqlite3'}"
    if not on_postgres():
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check the migration there")
    return postgres_scratch_url("coroner")


REVIEW_ROW = ("INSERT INTO reviews (id, reference, ref_year, ref_number, review_type, lead_partnership_id, status, "
              "version, pseudonym, victim_name, date_of_death, notified_on, notified_by, circumstances, event_count, "
              "created_at, updated_at) VALUES ({id}, 'SSGP-DHR-2026-00{id}', 2026, {id}, 'DHR', 1, 'panel', 1, 'Scott', "
              "'V', '2026-01-01', '2026-01-02', '{by}', '', 0, '2026-01-02 00:00:00', '2026-01-02 00:00:00')")


def test_notifications_recorded_before_are_read_from_their_words_and_the_downgrade_keeps_what_was_recorded(
        empty_database_url):
    from alembic import command

    from migrations.data_loss import DataWouldBeLost

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0028_role_changes")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO organisations (id, name, short_name, kind) VALUES (1, 'SSGP', 'SSGP', 'partnership')"))
            for id_, by in ((1, "Gloucestershire Constabulary"), (2, "HM Coroner for Gloucestershire"),
                            (3, "Adult social care"), (4, "Thames Valley Police")):
                connection.execute(sa.text(REVIEW_ROW.format(id=id_, by=by)))
        upgrade(revision="0033_notifiers_and_inquests")
        with db.engine.begin() as connection:
            kinds = dict(connection.execute(sa.text("SELECT id, notifier_kind FROM reviews")).all())
            assert kinds == {1: "police", 2: "coroner", 3: "other_agency", 4: "police"}
            connection.execute(sa.text("UPDATE reviews SET notifier_kind = 'coroner' WHERE id = 3"))
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(DataWouldBeLost, match="who sent the notification"):
            command.downgrade(config, "0032_least_privilege")
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE reviews SET notifier_kind = 'other_agency' WHERE id = 3"))
            connection.execute(sa.text("UPDATE reviews SET coroner_request_received_on = '2026-03-01' WHERE id = 2"))
        with pytest.raises(DataWouldBeLost, match="coroners' requests for the report"):
            command.downgrade(config, "0032_least_privilege")
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE reviews SET coroner_request_received_on = NULL"))
        command.downgrade(config, "0032_least_privilege")
        with db.engine.connect() as connection:
            assert "notifier_kind" not in {c["name"] for c in sa.inspect(connection).get_columns("reviews")}
        db.engine.dispose()


def test_a_hold_for_an_inquest_records_its_date_and_the_date_can_change(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("panel", coordinator, death_kind="suicide")
    listed = today_uk() + timedelta(days=30)
    hold = {"hold_reason": "criminal_proceedings", "hold_details": "Trial.", "hold_started_on": today_uk(),
            "hold_expected_end_on": today_uk() + timedelta(days=60), "inquest_on": listed}
    with pytest.raises(services.RequirementsNotMet, match="An inquest's date is for a hold waiting for an inquest"):
        services.advance(review, "pause", coordinator, review.version, **hold)
    services.advance(review, "pause", coordinator, review.version, **{**hold, "hold_reason": "inquest"})
    assert review.current_hold.inquest_on == listed

    client = signed_in_as(coordinator)
    page = client.get(f"/cases/{review.reference}")
    assert _row(page, "Inquest") == f"Listed for {listed.day} {listed:%B %Y}"
    later = listed + timedelta(days=14)
    page = client.post(f"/cases/{review.reference}/hold/inquest",
                       {"version": review.version, "inquest_on": ["", "", ""]}, expected_status=400)
    assert "Give the date of the inquest" in page.select_one(".govuk-error-summary").get_text()
    client.post(f"/cases/{review.reference}/hold/inquest", form_data({"version": review.version, "inquest_on": later}))
    db.session.refresh(review)
    assert review.current_hold.inquest_on == later
    page = client.get(f"/cases/{review.reference}/history")
    assert "Date of the inquest changed" in page.get_text(" ", strip=True)


def test_the_inquest_date_is_only_for_a_hold_waiting_for_an_inquest(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("panel", coordinator)
    with pytest.raises(services.NotAllowedNow):
        services.record_inquest_date(review, coordinator, review.version, inquest_on=today_uk())
    signed_in_as(coordinator).get(f"/cases/{review.reference}/hold/inquest", expected_status=409)


def test_the_coroners_request_for_the_report_is_recorded_then_the_report_sent(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("panel", coordinator, death_kind="suicide", notifier_kind="coroner")
    client = signed_in_as(coordinator)
    assert _row(client.get(f"/cases/{review.reference}"), "Coroner's request for the report").startswith(
        "None recorded")
    today = today_uk()
    url = f"/cases/{review.reference}/coroner-request"

    def form(received, sent, details="The overview report, for the inquest.") -> dict:
        return form_data({"version": db.session.get(Review, review.id).version, "details": details,
                          "received_on": received or ["", "", ""], "sent_on": sent or ["", "", ""]})

    page = client.post(url, form(today - timedelta(days=5), today - timedelta(days=9)), expected_status=400)
    assert "The report cannot have been sent before the coroner asked for it" in page.get_text()
    assert page.find(id="details").get_text() == "The overview report, for the inquest."  # nothing typed is lost
    client.post(url, form(today - timedelta(days=5), None))
    page = client.get(f"/cases/{review.reference}")
    assert "Report not sent yet" in _row(page, "Coroner's request for the report")
    client.post(url, form(today - timedelta(days=5), today))
    page = client.get(f"/cases/{review.reference}")
    assert f"Report sent {today.day} {today:%B %Y}" in _row(page, "Coroner's request for the report")
    history = client.get(f"/cases/{review.reference}/history").get_text(" ", strip=True)
    assert "Date of the coroner's request for the report changed" in history
    assert "Date the report was sent to the coroner changed" in history


def test_the_coroners_request_is_for_coordinators_only(signed_in_as):
    review = factories.review_at("panel", death_kind="suicide")
    signed_in_as(factories.manager()).get(f"/cases/{review.reference}/coroner-request", expected_status=403)
