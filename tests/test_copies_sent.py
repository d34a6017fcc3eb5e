"""Copies sent: each partnership keeps the list of whom it sends copies of a published report or learning summary
to; the coordinator records each copy on the review, and the publication board shows what is still to send."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from ssgp_dhr import create_app, demo
from ssgp_dhr.cases import services
from ssgp_dhr.cases.models import Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.extensions import db
from ssgp_dhr.publication import copies
from ssgp_dhr.publication.models import CopySent
from tests import factories
from tests.conftest import on_postgres, postgres_scratch_url
from tests.test_case_pages import form_data
from tests.test_counted_apart import _column
from tests.test_death_kinds import _row


def _names(page, partnership) -> list[str]:
    return [li.contents[0].strip() for li in page.select(f"#recipients-{partnership.id} > li")]


def test_a_coordinator_keeps_the_partnerships_list_of_whom_copies_go_to(signed_in_as):
    coordinator = factories.coordinator()
    ssgp = factories.ssgp()
    client = signed_in_as(coordinator)
    page = client.get("/publication/copy-recipients")
    assert "No one yet." in page.get_text()
    client.post(f"/publication/copy-recipients/{ssgp.id}/usual", token_from="/publication/copy-recipients")
    page = client.get("/publication/copy-recipients")
    assert _names(page, ssgp) == list(copies.USUAL_RECIPIENTS)

    client.post(f"/publication/copy-recipients/{ssgp.id}", {f"p{ssgp.id}-name": "  Gloucestershire  Safeguarding "
                "Adults Board "}, token_from="/publication/copy-recipients")
    page = client.post(f"/publication/copy-recipients/{ssgp.id}", {f"p{ssgp.id}-name": "domestic abuse commissioner"},
                       expected_status=400, token_from="/publication/copy-recipients")
    assert "Domestic Abuse Commissioner is already on the list" in page.select_one(".govuk-error-summary").get_text()
    assert page.find(id=f"p{ssgp.id}-name")["value"] == "domestic abuse commissioner"  # nothing typed is lost

    coroner = next(r for r in copies.recipients(ssgp.id) if r.name == "HM Coroner")
    client.post(f"/publication/copy-recipients/{ssgp.id}/{coroner.id}/retire", token_from="/publication/copy-recipients")
    page = client.get("/publication/copy-recipients")
    assert _names(page, ssgp) == [*copies.USUAL_RECIPIENTS[:3], "Gloucestershire Safeguarding Adults Board"]


def test_a_manager_reads_the_list_and_cannot_change_it(signed_in_as):
    coordinator, ssgp = factories.coordinator(), factories.ssgp()
    copies.add_usual_recipients(coordinator, ssgp.id)
    client = signed_in_as(factories.manager())
    page = client.get("/publication/copy-recipients")
    assert _names(page, ssgp) == list(copies.USUAL_RECIPIENTS)
    assert not page.select("main form")
    client.post(f"/publication/copy-recipients/{ssgp.id}", {f"p{ssgp.id}-name": "Someone"}, expected_status=403,
                token_from="/cases")
    other = factories.organisation("OTHER", "Other Partnership")
    with pytest.raises(services.NotPermitted):
        copies.add_recipient(coordinator, other.id, "Home Office")


def _published(coordinator, **fields) -> Review:
    review = factories.review_at("published", coordinator, **fields)
    copies.add_usual_recipients(coordinator, review.lead_partnership_id)
    return review


def test_the_coordinator_records_each_copy_sent_and_the_case_page_shows_what_is_still_to_send(signed_in_as):
    coordinator = factories.coordinator()
    review = _published(coordinator, death_kind="suicide")
    client = signed_in_as(coordinator)
    url = f"/cases/{review.reference}/publication/copies"
    home_office = copies.recipients(review.lead_partnership_id)[0]

    def send(recipient, on, expected=302):
        return client.post(url, form_data({"version": db.session.get(Review, review.id).version,
                                           "recipient_id": str(recipient.id) if recipient else "", "sent_on": on}),
                           expected_status=expected)

    page = send(None, review.published_on - timedelta(days=1), 400)
    assert "Choose who the copy went to" in page.select_one(".govuk-error-summary").get_text()
    page = send(home_office, review.published_on - timedelta(days=1), 400)
    assert "A copy cannot have been sent before publication" in page.select_one(".govuk-error-summary").get_text()
    page = send(home_office, today_uk() + timedelta(days=1), 400)
    assert "cannot be in the future" in page.select_one(".govuk-error-summary").get_text()
    send(home_office, review.published_on)

    page = client.review(review.reference)
    sent = _row(page, "Copies sent")
    assert f"Home Office (for the Secretary of State): {review.published_on.day}" in sent
    assert sent.count("Still to send") == 3

    send(home_office, review.published_on + timedelta(days=1))  # a corrected date: the history keeps both
    assert [c.sent_on for c in copies.copies_of(review)] == [review.published_on + timedelta(days=1)]
    history = client.get(f"/cases/{review.reference}/history").get_text(" ", strip=True)
    assert history.count("Copy sent") == 2
    on = review.published_on
    assert f"From “Home Office (for the Secretary of State): {on.day} {on:%B %Y}”" in history


def test_copies_are_for_published_reviews_and_their_partnerships_recipients(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("approved", coordinator)
    copies.add_usual_recipients(coordinator, review.lead_partnership_id)
    recipient = copies.recipients(review.lead_partnership_id)[0]
    with pytest.raises(services.NotAllowedNow):
        copies.record_copy_sent(review, coordinator, review.version, recipient_id=recipient.id, sent_on=today_uk())
    signed_in_as(coordinator).get(f"/cases/{review.reference}/publication/copies", expected_status=409)

    published = factories.review_at("published", coordinator, pseudonym="Other")
    other = factories.organisation("OTHER", "Other Partnership")
    foreign = copies.add_recipient(factories.coordinator(other), other.id, "Someone else's list")
    with pytest.raises(services.InvalidChange, match="Choose who the copy went to"):
        copies.record_copy_sent(published, coordinator, published.version, recipient_id=foreign.id,
                                sent_on=published.published_on)
    signed_in_as(factories.manager()).get(f"/cases/{published.reference}/publication/copies", expected_status=403)


def test_the_publication_board_shows_the_copies_still_to_send(signed_in_as):
    coordinator = factories.coordinator()
    review = _published(coordinator)
    recipients = copies.recipients(review.lead_partnership_id)
    client = signed_in_as(factories.manager())
    column = _column(client.get("/publication"), "Copies still to send")
    assert column.select_one("tbody a").get_text(strip=True) == review.reference
    assert column.select_one(".app-copies-to-send").get_text(strip=True) == ", ".join(copies.USUAL_RECIPIENTS)
    for recipient in recipients:
        copies.record_copy_sent(review, coordinator, review.version, recipient_id=recipient.id,
                                sent_on=review.published_on)
    page = client.get("/publication")
    assert not _column(page, "Published").find_previous("h2").get_text().startswith("Copies")
    assert "Copies still to send (0)" in page.get_text(" ", strip=True)


def test_a_retired_recipient_is_no_longer_owed_a_copy_but_its_copies_stay():
    coordinator = factories.coordinator()
    review = _published(coordinator)
    first, *rest = copies.recipients(review.lead_partnership_id)
    copies.record_copy_sent(review, coordinator, review.version, recipient_id=first.id, sent_on=review.published_on)
    copies.retire_recipient(coordinator, first)
    assert [line.recipient.name for line in copies.copy_lines(review)] == [r.name for r in [first, *rest]]
    assert copies.still_to_send([review]) == {review.id: [r.name for r in rest]}


def test_the_demo_has_a_published_review_with_copies_still_to_send(signed_in_as):
    demo.load_demo_data()
    drew = db.session.scalar(sa.select(Review).where(Review.pseudonym == "Drew"))
    assert copies.still_to_send([drew]) == {drew.id: ["Police and Crime Commissioner", "HM Coroner"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'copies.sqlite3'}"
    if not on_postgres():
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check the migration there")
    return postgres_scratch_url("copies")


def test_the_dates_copies_were_sent_before_become_copies_and_go_back_on_a_downgrade(empty_database_url):
    from alembic import command

    from migrations.data_loss import DataWouldBeLost

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0038_form_submissions")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO organisations (id, name, short_name, kind) VALUES (1, 'SSGP', 'SSGP', 'partnership')",
                "INSERT INTO reviews (id, reference, ref_year, ref_number, review_type, lead_partnership_id, status, "
                "version, pseudonym, victim_name, date_of_death, notified_on, notified_by, notifier_kind, circumstances, "
                "event_count, created_at, updated_at, recorded_on, death_kind) VALUES (1, 'SSGP-DHR-2024-001', 2024, 1, "
                "'DHR', 1, 'published', 1, 'Scott', 'V', '2024-01-01', '2024-01-02', 'Police', 'police', '', 0, "
                "'2024-01-02 00:00:00', '2024-01-02 00:00:00', '2024-01-02', 'domestic_homicide')",
                "INSERT INTO publication_records (review_id, sent_to_secretary_of_state_on, sent_to_commissioner_on, "
                "updated_at) VALUES (1, '2025-03-01', '2025-03-04', '2025-03-04 00:00:00')",
            ):
                connection.execute(sa.text(statement))
        upgrade(revision="0039_copies_sent")
        with db.engine.begin() as connection:
            moved = connection.execute(sa.text(
                "SELECT r.name, c.sent_on FROM copies_sent c JOIN copy_recipients r ON r.id = c.recipient_id "
                "ORDER BY r.name")).all()
            assert [(name, str(on)) for name, on in moved] == [
                ("Domestic Abuse Commissioner", "2025-03-04"), ("Home Office (for the Secretary of State)", "2025-03-01")]
            connection.execute(sa.text("INSERT INTO copy_recipients (partnership_id, name, created_at) "
                                       "VALUES (1, 'HM Coroner', '2025-03-04 00:00:00')"))
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(DataWouldBeLost, match="lists of whom copies are sent to"):
            command.downgrade(config, "0038_form_submissions")
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM copy_recipients WHERE name = 'HM Coroner'"))
        command.downgrade(config, "0038_form_submissions")
        with db.engine.connect() as connection:
            dates = connection.execute(sa.text(
                "SELECT sent_to_secretary_of_state_on, sent_to_commissioner_on FROM publication_records")).one()
            assert [str(d) for d in dates] == ["2025-03-01", "2025-03-04"]
        db.engine.dispose()


def test_a_copy_sent_is_one_row_per_recipient(app):
    assert {c.name for c in CopySent.__table__.constraints} >= {"uq_copies_sent_review_recipient"}
