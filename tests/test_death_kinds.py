"""Reviews of suicides and other unexpected deaths following domestic abuse, not only of killings: the kind of
death is recorded on every review, and every page, e-mail, CSV and the feed speaks of it in words that fit."""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask_migrate import upgrade

from ssgp_dhr import create_app, demo
from ssgp_dhr.accounts.models import User
from ssgp_dhr.cases import services
from ssgp_dhr.cases.death_kinds import DeathKind
from ssgp_dhr.cases.models import CaseEvent, Review
from ssgp_dhr.clock import today_uk
from ssgp_dhr.documents.models import DocumentType
from ssgp_dhr.extensions import db
from ssgp_dhr.publication import services as publication
from ssgp_dhr.reminders import services as reminders
from ssgp_dhr.reminders.models import OutboxMessage
from tests import factories
from tests.conftest import on_postgres, postgres_scratch_url, sign_in
from tests.test_case_pages import notification_data

UNFITTING = re.compile(r"killed|perpetrator", re.IGNORECASE)


# --- The kind of death on every review -----------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kinds.sqlite3'}"
    if not on_postgres():
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to check the migration there")
    return postgres_scratch_url("death_kinds")


def test_reviews_recorded_before_kinds_of_death_are_domestic_homicides_and_the_downgrade_keeps_another_kind(
        empty_database_url):
    from alembic import command

    from migrations.data_loss import DataWouldBeLost

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0028_role_changes")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO organisations (id, name, short_name, kind) VALUES (1, 'SSGP', 'SSGP', 'partnership')"))
            connection.execute(sa.text(
                "INSERT INTO reviews (id, reference, ref_year, ref_number, review_type, lead_partnership_id, status, "
                "version, pseudonym, victim_name, date_of_death, notified_on, notified_by, circumstances, event_count, "
                "created_at, updated_at) VALUES (1, 'SSGP-DHR-2026-001', 2026, 1, 'DHR', 1, 'panel', 1, 'Scott', "
                "'V', '2026-01-01', '2026-01-02', 'Police', '', 0, '2026-01-02 00:00:00', '2026-01-02 00:00:00')"))
        upgrade(revision="0031_kinds_of_death")
        with db.engine.begin() as connection:
            assert connection.scalar(sa.text("SELECT death_kind FROM reviews")) == "domestic_homicide"
            connection.execute(sa.text("UPDATE reviews SET death_kind = 'suicide'"))
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(DataWouldBeLost, match="1 row of reviews"):
            command.downgrade(config, "0030_anonymisation_scope")
        with db.engine.begin() as connection:  # refused whole: the kind is still there
            assert connection.scalar(sa.text("SELECT death_kind FROM reviews")) == "suicide"
            connection.execute(sa.text("UPDATE reviews SET death_kind = 'domestic_homicide'"))
        command.downgrade(config, "0030_anonymisation_scope")  # only homicides: nothing is lost
        with db.engine.connect() as connection:
            assert "death_kind" not in {c["name"] for c in sa.inspect(connection).get_columns("reviews")}
        db.engine.dispose()


def test_a_notification_records_the_kind_of_death_and_asks_for_it(signed_in_as):
    client = signed_in_as(factories.coordinator())
    page = client.get("/cases/new")
    assert [label.get_text(strip=True) for label in page.select("#death_kind ~ label, .govuk-radios__label")
            if label.get("for", "").startswith("death_kind")] == [
        "Domestic homicide", "Suicide or suspected suicide following domestic abuse",
        "Other unexpected death following domestic abuse"]

    page = client.post("/cases/new", notification_data(death_kind=""), expected_status=400)
    assert "Choose the kind of death" in page.select_one(".govuk-error-summary").get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    # What was typed stays, and the other person's name is asked for as the chosen kind calls them.
    page = client.post("/cases/new", notification_data(death_kind="", victim_name="Jo Realname"), expected_status=400)
    assert page.find(id="victim_name")["value"] == "Jo Realname"

    client.post("/cases/new", notification_data(death_kind="suicide"))
    review = db.session.scalar(sa.select(Review))
    assert review.death_kind is DeathKind.SUICIDE

    page = client.post("/cases/new", notification_data(death_kind="suicide", pseudonym=""), expected_status=400)
    assert page.find("label", attrs={"for": "perpetrator_name"}).get_text(strip=True) == \
        "Full name of the person alleged to have caused harm"


def test_a_coordinator_changes_the_kind_of_death_and_the_history_keeps_each(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator)
    assert review.death_kind is DeathKind.DOMESTIC_HOMICIDE  # as every review was before kinds were recorded
    client = signed_in_as(coordinator)
    page = client.review(review.reference)
    assert _row(page, "Kind of death") == "Domestic homicide"
    assert _row(page, "Perpetrator (restricted)") == "Peter Realname"

    page = client.get(f"/cases/{review.reference}/edit")
    assert page.find(id="death_kind").has_attr("checked")  # the first radio: domestic homicide
    assert page.find("label", attrs={"for": "perpetrator_name"}).get_text(strip=True) == "Perpetrator's full name"

    services.update_details(review, coordinator, review.version, {"death_kind": "suicide",
                                                                  "perpetrator_name": "Pat Otherrealname"})
    page = client.review(review.reference)
    assert _row(page, "Kind of death") == "Suicide or suspected suicide following domestic abuse"
    assert _row(page, "Person alleged to have caused harm (restricted)") == "Pat Otherrealname"
    titles = [t.get_text(" ", strip=True) for t in page.select(".moj-timeline__title")]
    assert "Kind of death changed" in titles
    assert "Name of the person alleged to have caused harm changed" in titles
    assert "From “Domestic homicide” to “Suicide or suspected suicide following domestic abuse”" in page.get_text()
    assert not UNFITTING.search(page.get_text())

    with pytest.raises(services.InvalidChange, match="Choose the kind of death"):
        services.update_details(review, coordinator, review.version, {"death_kind": "accident"})


def test_after_a_suicide_the_hold_offers_the_inquest_first(signed_in_as):
    coordinator = factories.coordinator()
    killing = factories.review_at("panel", coordinator)
    suicide = factories.review_at("panel", coordinator, death_kind="suicide", pseudonym="Jamie")
    client = signed_in_as(coordinator)
    first = {r.reference: client.get(f"/cases/{r.reference}/actions/pause").select_one(
        "input[name=hold_reason]")["value"] for r in (killing, suicide)}
    assert first == {killing.reference: "criminal_proceedings", suicide.reference: "inquest"}


@pytest.mark.parametrize("kind", list(DeathKind))
@pytest.mark.parametrize("stage", ["closed", "summary_only", "not_commissioned"])
def test_each_kind_of_death_goes_through_the_workflow(kind, stage):
    review = factories.review_at(stage, death_kind=kind.value)
    assert (review.status, review.death_kind) == (stage, kind)


def test_the_anonymisation_check_finds_the_person_alleged_to_have_caused_harm(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("approved", coordinator, death_kind="suicide", perpetrator_name="Pat Harmful")
    for kind in ("overview_report", "executive_summary", "home_office_letter"):
        factories.document(review, coordinator, DocumentType(kind), content=b"Jamie met Pat Harmful in 2019.")
    check = publication.run_check(review, coordinator, ["overview_report", "executive_summary", "home_office_letter"])
    assert not check.passed and {f["field"] for f in check.findings} == {"perpetrator_name"}
    page = signed_in_as(coordinator).review(review.reference)
    assert "Person alleged to have caused harm" in page.find(id="publication").find_parent().get_text()
    assert not UNFITTING.search(page.get_text())


def _row(page, key: str) -> str:
    for row in page.select(".govuk-summary-list__row"):
        if row.select_one(".govuk-summary-list__key").get_text(strip=True) == key:
            return row.select_one(".govuk-summary-list__value").get_text(strip=True)
    raise AssertionError(f"no row {key!r}")


# --- Words that fit the death: every page of the demonstration's suicide review, as each role --------

def _demo_suicide_review() -> Review:
    demo.load_demo_data()
    return db.session.scalar(sa.select(Review).where(Review.death_kind == DeathKind.SUICIDE))


# Pages about reviews in general that list or count this one.
LISTS = ("/", "/cases", "/cases?q=Jamie", "/cases.csv", "/publication", "/publication/statistics",
         "/publication/statistics.csv", "/publication/home-office-library.csv", "/action-plans", "/action-plans.csv",
         "/case-files", "/outbox")


def _said(html: str) -> str:
    """What a page says to someone reading it or hearing it read: its text and the attributes read out (the
    form fields' names, such as perpetrator_name, the stored field kept for either kind, are not said)."""
    page = BeautifulSoup(html, "html5lib")
    spoken = [tag.get(attribute, "") for tag in page.find_all(True)
              for attribute in ("aria-label", "title", "alt", "placeholder", "content")]
    return page.get_text(" ") + " " + " ".join(spoken)


def _walk(client, reference: str) -> dict[str, int]:
    """Every page reachable by links from the review's page that is about the review, and the lists: the
    status of each; fails at the first that says "killed" or "perpetrator"."""
    seen: dict[str, int] = {}
    queue = deque([f"/cases/{reference}", f"/cases/{reference}/history", *LISTS])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        body = response.get_data(as_text=True)
        said = _said(body) if response.mimetype == "text/html" else body
        found = UNFITTING.search(said)
        assert not found, f"{url} says {found.group(0)!r}: …{said[max(0, found.start() - 80):found.end() + 80]}…"
        if response.mimetype == "text/html":
            for href in re.findall(r'href="(/cases/' + re.escape(reference) + r'[^"#]*)"', body):
                queue.append(href.replace("&amp;", "&"))
    return seen


@pytest.mark.slow
def test_no_page_csv_or_e_mail_about_the_demo_suicide_review_says_killed_or_perpetrator(client):
    review = _demo_suicide_review()
    assert review.status == "on_hold" and review.current_hold.reason.value == "inquest"
    # The e-mails first: the reminders due today about the review (its overdue IMR, for one), to each person.
    reminders.send_reminders(today_uk())
    about = [m for m in db.session.scalars(sa.select(OutboxMessage)) if review.reference in m.body]
    assert about, "the demo's overdue IMR is reminded"
    for message in about:
        assert not UNFITTING.search(message.subject + message.body), message.body
    walked, reference = {}, review.reference
    for account in demo.DEMO_ACCOUNTS:
        sign_in(client, db.session.scalar(sa.select(User).where(User.email == account.email)))
        db.session.rollback()  # the test reads nothing while the pages are served
        walked[account.email] = _walk(client, reference)
    coordinator = walked["coordinator@ssgp.example"]
    review_pages = [url for url, status in coordinator.items() if url.startswith(f"/cases/{review.reference}")
                    and status == 200]
    # The walk reached the pages that name the other person or the death: not a vacuous pass.
    assert {f"/cases/{review.reference}", f"/cases/{review.reference}/edit", f"/cases/{review.reference}/history",
            f"/cases/{review.reference}/actions/resume", f"/cases/{review.reference}/hold/inquest",
            f"/cases/{review.reference}/coroner-request"} <= set(review_pages), review_pages
    assert len(review_pages) >= 20, review_pages
    assert sum(s == 200 and u.startswith(f"/cases/{review.reference}")
               for u, s in walked["police@panel.example"].items()) >= 5
    assert walked["manager@ssgp.example"][f"/cases/{review.reference}"] == 200



def test_the_history_of_a_suicide_review_names_the_other_person_as_the_person_alleged_to_have_caused_harm(
        signed_in_as):
    coordinator = factories.coordinator()
    review = factories.notified_review(coordinator, death_kind="suicide")
    services.update_details(review, coordinator, review.version, {"perpetrator_name": "New Name"})
    manager = factories.manager()
    page = signed_in_as(manager).get(f"/cases/{review.reference}/history")
    assert "Name of the person alleged to have caused harm changed" in page.get_text(" ", strip=True)
    assert "New Name" not in page.get_text()  # restricted as the perpetrator's name always was
    assert not UNFITTING.search(page.get_text())
    assert db.session.scalar(sa.select(CaseEvent.field).where(CaseEvent.review_id == review.id)
                             .order_by(CaseEvent.seq.desc()).limit(1)) == "perpetrator_name"


def test_the_public_page_feed_and_library_export_of_a_published_suicide_review(client_request, signed_in_as):
    review = factories.review_at("published", death_kind="suicide")
    for url in ("/reviews", f"/reviews/{review.reference}", "/reviews/feed.atom"):
        response = client_request.get_response(url)
        assert response.status_code == 200 and review.pseudonym in response.get_data(as_text=True)
        assert not UNFITTING.search(response.get_data(as_text=True)), url
    library = signed_in_as(factories.manager()).client.get("/publication/home-office-library.csv")
    assert review.reference in library.get_data(as_text=True)
    assert not UNFITTING.search(library.get_data(as_text=True))


def test_the_review_type_can_be_called_a_domestic_abuse_related_death_review(app, client_request, monkeypatch):
    monkeypatch.setitem(app.config, "REVIEW_TYPE_NAME", "Domestic Abuse Related Death Review")
    review = factories.review_at("published", death_kind="suicide")
    page = client_request.get("/reviews")
    assert page.h1.get_text(strip=True) == "Domestic Abuse Related Death Reviews"
    assert page.title.get_text().startswith("Domestic Abuse Related Death Reviews")
    feed = client_request.get_response("/reviews/feed.atom").get_data(as_text=True)
    assert "published Domestic Abuse Related Death Reviews" in feed
    assert client_request.get(f"/reviews/{review.reference}").title.get_text().startswith(
        f"{review.pseudonym} – Domestic Abuse Related Death Reviews")


def test_the_demo_suicide_review_was_notified_by_the_coroner_who_asked_for_the_report():
    review = _demo_suicide_review()
    assert review.death_kind is DeathKind.SUICIDE and review.notifier_kind == "coroner"
    assert review.current_hold.inquest_on > today_uk() and review.coroner_request_received_on is not None
    assert review.notified_on - review.date_of_death == timedelta(days=4)


def test_a_public_summary_of_a_suicide_review_cannot_say_killed_or_perpetrator(signed_in_as):
    coordinator = factories.coordinator()
    review = factories.review_at("approved", coordinator, death_kind="suicide")
    client = signed_in_as(coordinator)
    url = f"/cases/{review.reference}/publication/details"
    typed = "Scott was killed after years of abuse; the perpetrator was never charged."
    page = client.post(url, {"version": review.version, "public_summary": typed, "learning_summary": "",
                             "removal_review_on": ["", "", ""]}, expected_status=400)
    message = page.select_one(".govuk-error-summary a[href='#public_summary']").get_text(strip=True)
    assert message.startswith("Public summary says “killed” and “perpetrator”: this review is about a suicide")
    assert message.endswith("and the other person as the person alleged to have caused harm")
    assert page.find(id="public_summary").get_text() == typed  # nothing typed is lost
    client.post(url, {"version": review.version, "public_summary": "Scott died by suicide after years of abuse.",
                      "learning_summary": "", "removal_review_on": ["", "", ""]})
    # The words a homicide's summary may use are untouched.
    killing = factories.review_at("approved", coordinator, pseudonym="Drew")
    publication.record_details(killing, coordinator, killing.version, {"public_summary": "Drew was killed by a partner."})
